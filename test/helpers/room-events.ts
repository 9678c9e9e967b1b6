import { ROOM_EVENT_TYPES, type SyncEvent } from '../../src/contract/chat.events';
import type { ChatClient } from './socket';

/** The broadcasts that are room events (appended to the log `sync` replays), as the contract lists them. */
export { ROOM_EVENT_TYPES };

/** The eventSeqs of events, in order. */
export const seqsOf = (events: { eventSeq: number }[]): number[] => events.map((e) => e.eventSeq);

export interface LiveLog {
  /** The room's events as they arrived (socket.io keeps one socket's packets in order). */
  of(chatRoomId: string): SyncEvent[];
  /** Resolves once the room's event `eventSeq` (or a later one) has arrived. */
  until(chatRoomId: string, eventSeq: number, timeoutMs?: number): Promise<void>;
}

/** Records every room event a socket receives, in the shape `sync` replays them. */
export function recordLive(socket: ChatClient): LiveLog {
  const seen: SyncEvent[] = [];
  const waiters = new Set<() => void>();
  for (const type of ROOM_EVENT_TYPES) {
    (socket as any).on(type, (data: { eventSeq: number }) => {
      seen.push({ eventSeq: data.eventSeq, type, data } as SyncEvent);
      for (const wake of [...waiters]) wake();
    });
  }
  const of = (chatRoomId: string): SyncEvent[] => seen.filter((e) => e.data.chatRoomId === chatRoomId);
  return {
    of,
    until: (chatRoomId, eventSeq, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!of(chatRoomId).some((e) => e.eventSeq >= eventSeq)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const got = JSON.stringify(seqsOf(of(chatRoomId)));
          reject(new Error(`timed out waiting for eventSeq ${eventSeq} of ${chatRoomId}; got ${got}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}
