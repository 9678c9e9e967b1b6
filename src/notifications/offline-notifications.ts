import { Injectable } from '@nestjs/common';
import type { MessageView, RoomEventType } from '../contract/chat.events';
import { RoomEventPayloads } from '../events/room-event-payloads';
import { deliveryId } from '../outbox/delivery-id';
import { EventOutbox, type NewDelivery, type OutboxConsumer, type OutboxEvent } from '../outbox/event-outbox';
import { OutboxDeliveries, type Delivery, type DeliveryHandler } from '../outbox/outbox-deliveries';
import { NotificationsService } from './notifications.service';
import { OfflineNotifier, type OfflineContext } from './offline-notifier';

const TARGET = 'offline';
/** One call's time limit: a notifier that hangs is retried, and does not hold up the others for ever. */
const ATTEMPT_MS = 10_000;

/** What a retried notification is made of (OutboxDelivery.payload). */
interface OfflineDelivery {
  recipientIds: string[];
  message: MessageView;
  context: OfflineContext;
}

/**
 * The OfflineNotifier, run from the outbox: every new message, once
 * committed, becomes a delivery for the participants who are offline then
 * (whichever process logged it, and also when that process stopped right
 * after the ack), attempted at once and retried with the outbox's backoff
 * when the notifier throws or hangs. One hanging call holds up no other.
 */
@Injectable()
export class OfflineNotifications implements OutboxConsumer, DeliveryHandler {
  readonly name = 'offline-notifier';
  readonly types: RoomEventType[] = ['newMessage'];
  readonly attemptMs = ATTEMPT_MS;

  constructor(
    private readonly notifications: NotificationsService,
    private readonly payloads: RoomEventPayloads,
    private readonly notifier: OfflineNotifier,
    outbox: EventOutbox,
    deliveries: OutboxDeliveries,
  ) {
    outbox.register(this);
    deliveries.register(this);
  }

  /**
   * A delivery for each new message that has participants to tell. Who they
   * are is worked out from the event alone (it keeps the sender and the
   * mentions); only those messages are read, to hand the notifier their views.
   */
  async handle(events: OutboxEvent[]): Promise<NewDelivery[]> {
    // Erased from the log (data null): deleted before anyone was told.
    const sent = events.flatMap((event) => {
      const data = event.data as Pick<MessageView, 'senderId' | 'mentionedUserIds'> | null;
      return data === null ? [] : [{ event, message: { chatRoomId: event.chatRoomId, ...data } }];
    });
    const recipients = await this.notifications.offlineRecipients(sent.map((s) => s.message));
    const told = sent
      .map(({ event }, i) => ({ event, recipientIds: recipients[i] }))
      .filter((t) => t.recipientIds.length > 0);
    if (told.length === 0) return [];
    const views = await this.payloads.build(told.map((t) => t.event));
    return told.flatMap(({ event, recipientIds }, i): NewDelivery[] => {
      const { eventSeq, ...message } = views[i].data as MessageView & { eventSeq: number };
      if (message.deletedAt !== null) return [];
      const mentioned = new Set(message.mentionedUserIds);
      const context: OfflineContext = { mentionedIds: recipientIds.filter((id) => mentioned.has(id)) };
      const payload: OfflineDelivery = { recipientIds, message, context };
      const id = deliveryId(TARGET, event.chatRoomId, eventSeq);
      return [{ id, target: TARGET, chatRoomId: event.chatRoomId, eventSeq, type: event.type, payload }];
    });
  }

  handles(target: string): boolean {
    return target === TARGET;
  }

  targets(): string[] {
    return [TARGET];
  }

  async deliver(delivery: Delivery): Promise<void> {
    const { recipientIds, message, context } = delivery.payload as unknown as OfflineDelivery;
    await withTimeout(Promise.resolve(this.notifier.notify(recipientIds, message, context)));
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the notifier did not answer within ${ATTEMPT_MS} ms`)), ATTEMPT_MS);
    // Not what keeps a stopping process alive: the attempt is handed back on shutdown (OutboxDeliveries).
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
