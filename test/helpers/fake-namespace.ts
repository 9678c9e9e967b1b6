import { roomChannel, userChannel, type ServerToClientEvents } from '../../src/contract/chat.events';
import type { ChatNamespace } from '../../src/realtime/chat.emitter';

type ServerEvent = keyof ServerToClientEvents;
type PayloadOf<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

/**
 * socket.io's routing in miniature, for unit specs that use the real
 * ChatEmitter: sockets sit in rooms (their own id, `user:<id>`, their chat
 * rooms), and `to(rooms).except(rooms).emit()` reaches each socket that is in
 * one of `rooms` and in none of the excepted ones, once; `emit()` on the
 * namespace itself reaches every socket. Specs then assert who received what,
 * whichever emitter method the code chose.
 */
export class FakeNamespace {
  private readonly sockets = new Map<string, { rooms: Set<string>; inbox: { event: string; payload: unknown }[] }>();

  /** A socket of `userId` subscribed to `chatRoomIds`, as the gateway leaves it after the handshake. */
  connect(socketId: string, userId: string, chatRoomIds: string[] = []): void {
    const rooms = new Set([socketId, userChannel(userId), ...chatRoomIds.map(roomChannel)]);
    this.sockets.set(socketId, { rooms, inbox: [] });
  }

  /** The `event` payloads socket `socketId` received, oldest first. */
  received<E extends ServerEvent>(socketId: string, event: E): PayloadOf<E>[] {
    const socket = this.sockets.get(socketId);
    if (!socket) throw new Error(`no socket ${socketId}`);
    return socket.inbox.filter((m) => m.event === event).map((m) => m.payload as PayloadOf<E>);
  }

  /** The ids of the sockets that received `event` at least once, sorted. */
  receivers(event: ServerEvent): string[] {
    return [...this.sockets]
      .filter(([, s]) => s.inbox.some((m) => m.event === event))
      .map(([id]) => id)
      .sort();
  }

  /** For `chatEmitter.bind()`. */
  asNamespace(): ChatNamespace {
    return this as unknown as ChatNamespace;
  }

  to(rooms: string | string[]): Operator {
    return this.operator(new Set(([] as string[]).concat(rooms)), new Set());
  }

  in(rooms: string | string[]): Operator {
    return this.to(rooms);
  }

  except(rooms: string | string[]): Operator {
    return this.operator(new Set(), new Set(([] as string[]).concat(rooms)));
  }

  emit(event: string, payload: unknown): boolean {
    return this.operator(new Set(), new Set()).emit(event, payload);
  }

  private operator(to: Set<string>, except: Set<string>): Operator {
    const union = (set: Set<string>, rooms: string | string[]): Set<string> =>
      new Set([...set, ...([] as string[]).concat(rooms)]);
    return {
      to: (rooms) => this.operator(union(to, rooms), except),
      except: (rooms) => this.operator(to, union(except, rooms)),
      emit: (event, payload) => {
        for (const socket of this.sockets.values()) {
          if (to.size > 0 && ![...to].some((r) => socket.rooms.has(r))) continue;
          if ([...except].some((r) => socket.rooms.has(r))) continue;
          socket.inbox.push({ event, payload });
        }
        return true;
      },
      socketsJoin: (room) => {
        for (const socket of this.sockets.values()) {
          if ([...to].some((r) => socket.rooms.has(r))) socket.rooms.add(room);
        }
      },
      socketsLeave: (room) => {
        for (const socket of this.sockets.values()) {
          if ([...to].some((r) => socket.rooms.has(r))) socket.rooms.delete(room);
        }
      },
    };
  }
}

interface Operator {
  to(rooms: string | string[]): Operator;
  except(rooms: string | string[]): Operator;
  emit(event: string, payload: unknown): boolean;
  socketsJoin(room: string): void;
  socketsLeave(room: string): void;
}
