/**
 * The typed client of the `/chat` namespace (`nest-chat-gateway/client`): no server code, runs in browsers and
 * Node. It needs `socket.io-client` (an optional peer dependency of the package).
 */
export { ChatClient } from './chat-client';
export type { ChatSocket } from './connection';
export { ChatError, type ChatErrorCode } from './chat-error';
export type {
  CallOptions,
  ChatClientEvents,
  ChatClientOptions,
  ClientEventName,
  LocalEvents,
  PayloadOf,
  ResultOf,
  ServerEventName,
  TokenProvider,
} from './types';
// The wire types (MessageView, ChatRoomView, payloads…), so a client needs no import from the server's entry.
export type * from '../contract/chat.events';
