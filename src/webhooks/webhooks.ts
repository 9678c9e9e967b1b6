import { Injectable } from '@nestjs/common';
import type { RoomEventType, SyncEvent } from '../contract/chat.events';
import { ChatConfig, type WebhookConfig } from '../config/chat-config';
import { RoomEventPayloads } from '../events/room-event-payloads';
import { deliveryId } from '../outbox/delivery-id';
import { EventOutbox, type NewDelivery, type OutboxConsumer, type OutboxEvent } from '../outbox/event-outbox';
import { OutboxDeliveries, type Delivery, type DeliveryHandler } from '../outbox/outbox-deliveries';
import { signWebhook } from './webhook-signature';

/** The JSON body of a webhook request: one room event. */
export interface WebhookPayload {
  /** The delivery id: the same in every retry, so a receiver can de-duplicate on it. */
  id: string;
  webhookId: string;
  type: RoomEventType;
  chatRoomId: string;
  eventSeq: number;
  /** When the event was logged. */
  createdAt: string;
  /** The live broadcast's payload (with eventSeq), as `sync` replays it. */
  data: SyncEvent['data'];
}

const TARGET = 'webhook:';

/**
 * The configured webhooks: an outbox consumer that turns each logged event
 * into one delivery per webhook that wants its type (its body built and
 * kept then, so every retry sends the same bytes), and the handler that
 * POSTs them, signed.
 */
@Injectable()
export class Webhooks implements OutboxConsumer, DeliveryHandler {
  readonly name = 'webhooks';
  readonly types: RoomEventType[];
  readonly attemptMs: number;
  private readonly byId: Map<string, WebhookConfig>;

  constructor(
    private readonly config: ChatConfig,
    private readonly payloads: RoomEventPayloads,
    outbox: EventOutbox,
    deliveries: OutboxDeliveries,
  ) {
    this.byId = new Map(config.webhooks.map((w) => [w.id, w]));
    this.types = [...new Set(config.webhooks.flatMap((w) => [...w.events]))];
    this.attemptMs = Math.max(0, ...config.webhooks.map((w) => w.timeoutMs));
    if (config.webhooks.length === 0) return;
    outbox.register(this);
    deliveries.register(this);
  }

  async handle(events: OutboxEvent[]): Promise<NewDelivery[]> {
    const built = await this.payloads.build(events);
    return events.flatMap((event, i) =>
      this.config.webhooks
        .filter((hook) => hook.events.has(event.type))
        .map((hook): NewDelivery => {
          const target = TARGET + hook.id;
          const id = deliveryId(target, event.chatRoomId, event.eventSeq);
          const payload: WebhookPayload = {
            id,
            webhookId: hook.id,
            type: event.type,
            chatRoomId: event.chatRoomId,
            eventSeq: event.eventSeq,
            createdAt: event.createdAt.toISOString(),
            data: built[i].data,
          };
          return {
            id,
            target,
            chatRoomId: event.chatRoomId,
            eventSeq: event.eventSeq,
            type: event.type,
            payload,
          };
        }),
    );
  }

  handles(target: string): boolean {
    return target.startsWith(TARGET);
  }

  targets(): string[] {
    return this.config.webhooks.map((w) => TARGET + w.id);
  }

  async deliver(delivery: Delivery): Promise<void> {
    const hook = this.byId.get(delivery.target.slice(TARGET.length));
    if (!hook) throw new Error(`webhook ${delivery.target} is no longer configured`);
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(hook.url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(hook.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'nest-chat-gateway-webhooks',
        'x-chat-delivery-id': delivery.id,
        'x-chat-event': delivery.type,
        'x-chat-attempt': String(delivery.attempts),
        'x-chat-timestamp': String(timestamp),
        'x-chat-signature': signWebhook(hook.secret, timestamp, body),
      },
    });
    // Read to the end, so the connection is reused; what it says does not matter.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
  }
}
