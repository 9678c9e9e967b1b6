import type { NewRoomEvent, RoomEventLog } from '../../src/events/room-event-log';

/**
 * A RoomEventLog for unit specs: numbers each room's events 1, 2, 3… and
 * records them (`logged`), without a database.
 */
export function fakeRoomEventLog(): RoomEventLog & { logged: { chatRoomId: string; type: string; data: object }[] } {
  const last = new Map<string, number>();
  const logged: { chatRoomId: string; type: string; data: object }[] = [];
  const append = async (_tx: unknown, chatRoomId: string, events: NewRoomEvent[]): Promise<number[]> =>
    events.map((event) => {
      const seq = (last.get(chatRoomId) ?? 0) + 1;
      last.set(chatRoomId, seq);
      logged.push({ chatRoomId, ...event });
      return seq;
    });
  return {
    logged,
    lock: async () => true,
    erase: async () => undefined,
    append,
    appendAll: async (tx: unknown, chatRoomId: string, events: NewRoomEvent[]) => {
      const seqs = await append(tx, chatRoomId, events);
      return events.map((e, i) => ({ ...e, eventSeq: seqs[i] }));
    },
    appendOne: async (tx: unknown, chatRoomId: string, type: NewRoomEvent['type'], data: object) =>
      (await append(tx, chatRoomId, [{ type, data }]))[0],
    eventSeqOf: async () => 1,
  } as unknown as RoomEventLog & { logged: { chatRoomId: string; type: string; data: object }[] };
}
