import type { Namespace, Socket } from 'socket.io';
import type { ChatPrincipal } from '../config/chat-options';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../contract/chat.events';

/** What the handshake leaves on every chat socket. */
export interface SocketData {
  userId: string;
  /** As `authenticate` returned it (`isSessionValid` gets it back). */
  principal: ChatPrincipal;
  /** When `authenticate` was called for this socket (this process's clock): revocations after it end it. */
  authenticatedAt: number;
}

export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
