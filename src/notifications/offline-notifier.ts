import { Injectable, Logger } from '@nestjs/common';
import type { MessageView } from '../contract/chat.events';

/** What else a notifier is told about a message. */
export interface OfflineContext {
  /** The recipients the message mentions (a subset of `recipientIds`; they are told even if they muted the room). */
  mentionedIds: string[];
}

/**
 * Told about every stored message for each participant who has no connected
 * socket (on any node) and did not mute the room (a mention reaches them
 * anyway). Replace it through `ChatModule.forRoot({ offlineNotifier })`
 * to send push notifications or e-mail. It is called from the room event
 * log after the commit (see OfflineNotifications): at least once, retried
 * when it throws, also when the process that took the message stopped.
 */
export abstract class OfflineNotifier {
  abstract notify(recipientIds: string[], message: MessageView, context: OfflineContext): Promise<void> | void;
}

/** The default: a log line per message. */
@Injectable()
export class LoggingOfflineNotifier extends OfflineNotifier {
  private readonly logger = new Logger('OfflineNotifier');

  notify(recipientIds: string[], message: MessageView, context: OfflineContext): void {
    const mentioned = context.mentionedIds.length > 0 ? ` (mentioned: ${context.mentionedIds.join(', ')})` : '';
    this.logger.log(
      `message ${message.id} in ${message.chatRoomId} for offline users ${recipientIds.join(', ')}${mentioned}`,
    );
  }
}
