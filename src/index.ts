/**
 * nest-chat-gateway: real-time chat for a NestJS application that has its
 * own users, auth and database. The one public entry: everything a host
 * imports is exported here, nothing else is part of the API.
 */
export { ChatModule } from './chat.module';
export type {
  BeforeSendContext,
  BeforeSendMessage,
  BeforeSendVerdict,
  ChatAuthContext,
  ChatDatabaseOptions,
  ChatLimits,
  ChatModuleExtras,
  ChatModuleOptions,
  ChatPrincipal,
  ChatRedisOptions,
  ChatUserDirectory,
  ChatUserProfile,
  ChatWebhook,
  EmbeddedPostgres,
  OutboxOptions,
  RateLimit,
  RateLimitKind,
  RedisClientLike,
} from './config/chat-options';
export { ChatOptionsError } from './config/chat-config';
export { CHAT_MODULE_OPTIONS, CHAT_ASYNC_OPTIONS_TYPE, CHAT_OPTIONS_TYPE } from './config/chat.module-definition';

// The services a host calls: a change made through them is broadcast like one made over the socket.
export { ChatRoomsService, type CreateRoomResult } from './rooms/chat-rooms.service';
export {
  MessagesService,
  type SendMessageInput,
  type SendResult,
  type HistoryQuery,
  MAX_MENTIONS,
} from './messages/messages.service';
export { SyncService, MAX_SYNC_ROOMS, MAX_SYNC_EVENTS } from './events/sync.service';
export { SearchService, type SearchQuery, MAX_QUERY_LENGTH, MAX_SEARCH_PAGE } from './search/search.service';
export {
  ReactionsService,
  MAX_EMOJI_PER_MESSAGE,
  type AddReactionResult,
  type ReactionsQuery,
} from './reactions/reactions.service';
export { PinsService, MAX_PINS_PER_ROOM, type PinResult } from './pins/pins.service';
export { PresenceService } from './presence/presence.service';
export { ReceiptsService, type UnreadSummary } from './receipts/receipts.service';
export { NotificationsService } from './notifications/notifications.service';
export { MutesService } from './mutes/mutes.service';
export { BlocksService } from './blocks/blocks.service';
export { OfflineNotifier, type OfflineContext } from './notifications/offline-notifier';
// For a webhook receiver.
export { verifyWebhookSignature, type VerifyWebhookOptions } from './webhooks/webhook-signature';
export type { WebhookPayload } from './webhooks/webhooks';
export { ChatSessionsService } from './gateway/session-policy';
export { ChatHealthService, type ChatHealth } from './health/chat-health.service';
export { ChatIoAdapter } from './gateway/chat-io.adapter';
export { migrateChatSchema } from './persistence/migrate';
export { AppError } from './common/app-error';

// The wire contract, for typed clients and tests.
export * from './contract/chat.events';
export { ErrorCode } from './contract/errors';

// Optional, for a host that wants its own routes to answer in the chat's error format.
export { ChatHttpExceptionFilter } from './common/http-exception.filter';
export { createValidationPipe as createChatValidationPipe } from './common/validation';
