import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../../prisma/prisma.service';
import { ChatEmitter } from '../chat.emitter';
import type { MessageView } from '../chat.events';
import { PresenceStore } from '../presence/presence.store';
import { OfflineNotifier } from './offline-notifier';

@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    private readonly emitter: ChatEmitter,
    private readonly presence: PresenceStore,
    private readonly prisma: PrismaService,
    private readonly notifier: OfflineNotifier,
  ) {}

  /** Pushes `notification { type, payload, createdAt }` to every socket of the user, wherever connected. */
  notifyUser<T>(userId: string, type: string, payload: T): void {
    this.emitter.toUsers([userId], 'notification', { type, payload, createdAt: new Date().toISOString() });
  }

  /**
   * Hands a stored message to the OfflineNotifier for each participant
   * (sender excepted) with no connected socket. Scheduled after the send
   * resolves; never throws.
   */
  dispatchOffline(message: MessageView): void {
    setImmediate(() => {
      this.findOffline(message)
        .then((offline) => (offline.length > 0 ? this.notifier.notify(offline, message) : undefined))
        .catch((error: unknown) =>
          this.logger.warn(`offline notification for ${message.id} failed: ${(error as Error).message}`),
        );
    });
  }

  private async findOffline(message: MessageView): Promise<string[]> {
    const participants = await this.prisma.chatRoomParticipant.findMany({
      where: { chatRoomId: message.chatRoomId, userId: { not: message.senderId } },
      select: { userId: true },
    });
    const ids = participants.map((p) => p.userId);
    const online = new Set(await this.presence.onlineAmong(ids));
    return ids.filter((id) => !online.has(id));
  }
}
