import { Injectable, Logger } from '@nestjs/common';
import type { MessageView } from '../contract/chat.events';

/**
 * Told about every stored message for each participant who has no connected
 * socket (on any node). Replace it through `ChatModule.forRoot({ offlineNotifier })`
 * to send push notifications or e-mail. It is called after the sender's ack,
 * and its failures are logged, never passed on to the sender.
 */
export abstract class OfflineNotifier {
  abstract notify(recipientIds: string[], message: MessageView): Promise<void> | void;
}

/** The default: a log line per message. */
@Injectable()
export class LoggingOfflineNotifier extends OfflineNotifier {
  private readonly logger = new Logger('OfflineNotifier');

  notify(recipientIds: string[], message: MessageView): void {
    this.logger.log(`message ${message.id} in ${message.chatRoomId} for offline users ${recipientIds.join(', ')}`);
  }
}
