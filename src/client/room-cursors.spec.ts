import type { SyncEvent } from '../contract/chat.events';
import { RoomCursors } from './room-cursors';

const ROOM = 'room-a';

function event(eventSeq: number, chatRoomId = ROOM): SyncEvent {
  return {
    eventSeq,
    type: 'messageDeleted',
    data: { chatRoomId, messageId: `m${eventSeq}`, eventSeq },
  };
}

describe(RoomCursors.name, () => {
  let delivered: string[];
  let cursors: RoomCursors;

  beforeEach(() => {
    delivered = [];
    cursors = new RoomCursors((e) => delivered.push(`${e.data.chatRoomId}#${e.eventSeq}`));
  });

  it('should deliver each (room, eventSeq) once, in order, dropping what is at or below the cursor', () => {
    cursors.seed(ROOM, 2);
    expect(cursors.live(event(2))).toBe(false); // already in the view
    cursors.live(event(3));
    cursors.live(event(3));
    cursors.live(event(4));
    cursors.live(event(1, 'room-b')); // rooms are counted apart
    expect(delivered).toEqual(['room-a#3', 'room-a#4', 'room-b#1']);
    expect(cursors.cursor(ROOM)).toBe(4);
  });

  it('should hold an event that comes ahead of a missing one and report the gap, then fill it in order', () => {
    cursors.seed(ROOM, 1);
    expect(cursors.live(event(4))).toBe(true);
    expect(cursors.live(event(3))).toBe(true);
    expect(delivered).toEqual([]);
    expect(cursors.gaps()).toEqual([ROOM]);

    cursors.live(event(2)); // the missing one arrives live: everything waiting follows
    expect(delivered).toEqual(['room-a#2', 'room-a#3', 'room-a#4']);
    expect(cursors.gaps()).toEqual([]);
  });

  it('should deliver what a sync replays before the live events that waited, each once', () => {
    cursors.seed(ROOM, 1);
    cursors.live(event(5));
    cursors.beginSync([ROOM]);
    cursors.live(event(6)); // during the sync: waits, no new gap reported
    cursors.replay(ROOM, [event(2), event(3), event(4), event(5)]);
    expect(cursors.endSync(ROOM)).toBe(false);
    expect(delivered).toEqual(['room-a#2', 'room-a#3', 'room-a#4', 'room-a#5', 'room-a#6']);
  });

  it('should keep a known cursor when a view arrives, unless told to jump forward', () => {
    cursors.seed(ROOM, 3);
    cursors.seed(ROOM, 9);
    expect(cursors.cursor(ROOM)).toBe(3);
    cursors.live(event(8));
    cursors.seed(ROOM, 9, true);
    expect(cursors.drain(ROOM)).toBe(false);
    expect(cursors.cursor(ROOM)).toBe(9);
    expect(delivered).toEqual([]); // 8 is in the fresh view
    cursors.seed(ROOM, 'not a number');
    expect(cursors.cursor(ROOM)).toBe(9);
  });

  it('should start an unknown room at its first event, or hold it until its view while holding', () => {
    cursors.live(event(7));
    expect(delivered).toEqual(['room-a#7']);

    cursors.hold();
    cursors.live(event(4, 'room-b'));
    cursors.live(event(5, 'room-b'));
    cursors.live(event(2, 'room-c'));
    expect(delivered).toEqual(['room-a#7']);
    expect(cursors.has('room-b')).toBe(false);
    cursors.seed('room-b', 4); // its view: 4 is in it
    cursors.endSync('room-b');
    cursors.release(); // room-c had no view: it starts at its first waiting event
    expect(delivered).toEqual(['room-a#7', 'room-b#5', 'room-c#2']);
  });

  it('should deliver what waits behind a gap that cannot be filled, in order', () => {
    cursors.seed(ROOM, 1);
    cursors.live(event(5));
    cursors.live(event(3));
    cursors.skipGap(ROOM);
    expect(delivered).toEqual(['room-a#3', 'room-a#5']);
    cursors.live(event(6));
    expect(delivered).toEqual(['room-a#3', 'room-a#5', 'room-a#6']);
  });

  it('should list the rooms with a cursor as sync takes them, and forget a room', () => {
    cursors.seed(ROOM, 4);
    cursors.seed('room-b', 0);
    expect(cursors.known()).toEqual([
      { chatRoomId: ROOM, afterEventSeq: 4 },
      { chatRoomId: 'room-b', afterEventSeq: 0 },
    ]);
    cursors.forget(ROOM);
    expect(cursors.known()).toEqual([{ chatRoomId: 'room-b', afterEventSeq: 0 }]);
  });
});
