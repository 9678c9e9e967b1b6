import { Injectable } from '@nestjs/common';
import {
  MembershipChange,
  MessageDeletedEvent,
  roomChannel,
  RoomEventType,
  ServerToClientEvents,
  userChannel,
} from '../contract/chat.events';
import type { ChatNamespace } from './chat-socket';

export type { ChatNamespace };
type EventName = keyof ServerToClientEvents;
type EventArgs<E extends EventName> = Parameters<ServerToClientEvents[E]>;

/** A room event as appended to the log: its live payload is `data` with `eventSeq`. */
export interface LoggedRoomEvent {
  type: RoomEventType;
  data: unknown;
  eventSeq: number;
}

/**
 * The one way services reach sockets. Whether a change came over REST, the
 * socket or a host module calling a service, it is broadcast by these same
 * calls, and through the Redis adapter when one is configured.
 */
@Injectable()
export class ChatEmitter {
  private namespace: ChatNamespace | undefined;
  private readonly membershipListeners: ((userIds: string[], change: MembershipChange) => void)[] = [];

  /** Called by the gateway once the namespace exists. */
  bind(namespace: ChatNamespace): void {
    this.namespace = namespace;
  }

  /** Told of every membership change, for the sockets `socketsJoin`/`socketsLeave` cannot reach yet. */
  onMembershipChange(listener: (userIds: string[], change: MembershipChange) => void): void {
    this.membershipListeners.push(listener);
  }

  toRoom<E extends EventName>(chatRoomId: string, event: E, ...args: EventArgs<E>): void {
    this.namespace?.to(roomChannel(chatRoomId)).emit(event, ...args);
  }

  /** Logged room events (RoomEventLog), in order, each with its eventSeq; `alsoTo`: users who left with the last. */
  roomEvents(chatRoomId: string, events: LoggedRoomEvent[], alsoTo: string[] = []): void {
    const to = [roomChannel(chatRoomId), ...alsoTo.map(userChannel)];
    for (const { type, data, eventSeq } of events) {
      this.namespace?.to(to).emit(type as 'messageDeleted', { ...(data as MessageDeletedEvent), eventSeq });
    }
  }

  /** To the room's sockets except those of `userId` (typing, presence: not echoed to oneself). */
  toRoomExceptUser<E extends EventName>(chatRoomId: string, userId: string, event: E, ...args: EventArgs<E>): void {
    this.namespace
      ?.to(roomChannel(chatRoomId))
      .except(userChannel(userId))
      .emit(event, ...args);
  }

  /** To every socket in any of the rooms, once each, except those of `userId`. */
  toRoomsExceptUser<E extends EventName>(chatRoomIds: string[], userId: string, event: E, ...args: EventArgs<E>): void {
    if (chatRoomIds.length === 0) return;
    this.namespace
      ?.to(chatRoomIds.map(roomChannel))
      .except(userChannel(userId))
      .emit(event, ...args);
  }

  toUsers<E extends EventName>(userIds: string[], event: E, ...args: EventArgs<E>): void {
    if (userIds.length === 0) return;
    this.namespace?.to(userIds.map(userChannel)).emit(event, ...args);
  }

  /** A room broadcast that also reaches some users who are no longer (or not yet) in it; each socket once. */
  toRoomAndUsers<E extends EventName>(chatRoomId: string, userIds: string[], event: E, ...args: EventArgs<E>): void {
    this.namespace?.to([roomChannel(chatRoomId), ...userIds.map(userChannel)]).emit(event, ...args);
  }

  /**
   * Subscribes every socket of these users, on every node, to the room's
   * broadcasts. This node's sockets at once: the Redis adapter changes them
   * only when its own request comes back from Redis (never while Redis is
   * down), and broadcasts from here do not wait.
   */
  joinRoom(userIds: string[], chatRoomId: string): void {
    if (userIds.length === 0 || !this.namespace) return;
    this.namespace.local.in(userIds.map(userChannel)).socketsJoin(roomChannel(chatRoomId));
    this.namespace.in(userIds.map(userChannel)).socketsJoin(roomChannel(chatRoomId));
    for (const listener of this.membershipListeners) listener(userIds, { kind: 'join', chatRoomId });
  }

  /** Unsubscribes every socket of these users, on every node, from the room; this node's at once (see joinRoom). */
  leaveRoom(userIds: string[], chatRoomId: string): void {
    if (userIds.length === 0 || !this.namespace) return;
    this.namespace.local.in(userIds.map(userChannel)).socketsLeave(roomChannel(chatRoomId));
    this.namespace.in(userIds.map(userChannel)).socketsLeave(roomChannel(chatRoomId));
    for (const listener of this.membershipListeners) listener(userIds, { kind: 'leave', chatRoomId });
  }
}
