import type { SyncEvent } from '../contract/chat.events';

interface RoomState {
  /** The newest eventSeq delivered; undefined while the room is held (seen during a catch-up, not yet known). */
  cursor: number | undefined;
  /** Events that arrived ahead of their turn, by eventSeq. */
  pending: Map<number, SyncEvent>;
  /** A `sync` of this room is under way: live events wait for it. */
  syncing: boolean;
}

/**
 * Per room, the newest eventSeq delivered, and the live events waiting for
 * their turn. Every room event reaches `deliver` once per (room, eventSeq),
 * in eventSeq order, whether it came live or replayed by `sync`.
 */
export class RoomCursors {
  private readonly rooms = new Map<string, RoomState>();
  /** During a catch-up that asks for the rooms joined meanwhile: events of unknown rooms wait for their view. */
  private holding = false;
  private readonly held = new Set<string>();

  constructor(private readonly deliver: (event: SyncEvent) => void) {}

  cursor(chatRoomId: string): number | undefined {
    return this.rooms.get(chatRoomId)?.cursor;
  }

  /** The room has a cursor (from a view, or from the events delivered). */
  has(chatRoomId: string): boolean {
    return this.cursor(chatRoomId) !== undefined;
  }

  /** Every room with a cursor, as `sync` takes them. */
  known(): { chatRoomId: string; afterEventSeq: number }[] {
    const rooms: { chatRoomId: string; afterEventSeq: number }[] = [];
    for (const [chatRoomId, state] of this.rooms) {
      if (state.cursor !== undefined) rooms.push({ chatRoomId, afterEventSeq: state.cursor });
    }
    return rooms;
  }

  /**
   * A room view's `lastEventSeq`. It starts the cursor of a room not known yet; a known room keeps its own (events
   * up to the view may still be on their way, and a gap is filled by `sync`) unless `jump`, which moves it forward
   * (a fresh view replaces what came before: `chatRoomCreated`, a resync). Call `drain` after handling the view.
   */
  seed(chatRoomId: string, lastEventSeq: unknown, jump = false): void {
    if (typeof lastEventSeq !== 'number' || !Number.isInteger(lastEventSeq) || lastEventSeq < 0) return;
    const state = this.rooms.get(chatRoomId);
    if (!state) {
      this.rooms.set(chatRoomId, { cursor: lastEventSeq, pending: new Map(), syncing: false });
    } else if (state.cursor === undefined) {
      state.cursor = lastEventSeq;
    } else if (jump) {
      state.cursor = Math.max(state.cursor, lastEventSeq);
    }
  }

  forget(chatRoomId: string): void {
    this.rooms.delete(chatRoomId);
    this.held.delete(chatRoomId);
  }

  /**
   * A live room event: delivered now, kept for later, or dropped (at or below the cursor: already delivered).
   * True when it came ahead of a missing one and no sync is under way: ask `sync` for the room.
   */
  live(event: SyncEvent): boolean {
    const { chatRoomId } = event.data;
    let state = this.rooms.get(chatRoomId);
    if (!state) {
      // A room nobody gave us a view of: it starts here (or waits for the catch-up's view of it).
      state = this.holding
        ? { cursor: undefined, pending: new Map(), syncing: true }
        : { cursor: event.eventSeq - 1, pending: new Map(), syncing: false };
      this.rooms.set(chatRoomId, state);
      if (this.holding) this.held.add(chatRoomId);
    }
    if (state.cursor !== undefined && event.eventSeq <= state.cursor) return false;
    if (state.syncing || state.cursor === undefined || event.eventSeq > state.cursor + 1) {
      state.pending.set(event.eventSeq, event);
      return !state.syncing && state.cursor !== undefined;
    }
    this.apply(state, event);
    this.drainState(state);
    return false;
  }

  /** Live events of these rooms wait until `endSync`. */
  beginSync(chatRoomIds: Iterable<string>): void {
    for (const chatRoomId of chatRoomIds) {
      const state = this.rooms.get(chatRoomId);
      if (state) state.syncing = true;
    }
  }

  /** Events `sync` replayed, in order: those past the cursor are delivered. */
  replay(chatRoomId: string, events: SyncEvent[]): void {
    const state = this.rooms.get(chatRoomId);
    if (!state) return;
    for (const event of [...events].sort((a, b) => a.eventSeq - b.eventSeq)) {
      if (state.cursor !== undefined && event.eventSeq <= state.cursor) continue;
      this.apply(state, event);
    }
  }

  /** The sync of a room is over: what waited in order is delivered. True when a gap remains. */
  endSync(chatRoomId: string): boolean {
    const state = this.rooms.get(chatRoomId);
    if (!state) return false;
    state.syncing = false;
    return this.drainState(state);
  }

  /** Delivers what waits in order after the cursor. True when a gap remains. */
  drain(chatRoomId: string): boolean {
    const state = this.rooms.get(chatRoomId);
    return state ? this.drainState(state) : false;
  }

  /** A room whose gap cannot be filled (a server without `sync`): what waits is delivered in order, gaps and all. */
  skipGap(chatRoomId: string): void {
    const state = this.rooms.get(chatRoomId);
    if (!state) return;
    state.syncing = false;
    for (const seq of [...state.pending.keys()].sort((a, b) => a - b)) {
      const event = state.pending.get(seq)!;
      state.pending.delete(seq);
      if (state.cursor === undefined || seq > state.cursor) this.apply(state, event);
    }
  }

  /** Events of the room wait for their turn. */
  waiting(chatRoomId: string): boolean {
    return (this.rooms.get(chatRoomId)?.pending.size ?? 0) > 0;
  }

  /** Rooms with events waiting behind a gap (and no sync under way). */
  gaps(): string[] {
    return [...this.rooms].filter(([, s]) => !s.syncing && s.pending.size > 0).map(([id]) => id);
  }

  /** From now on, events of unknown rooms wait (`release` ends it). */
  hold(): void {
    this.holding = true;
  }

  /** Rooms held and never given a view start at their first waiting event. */
  release(): void {
    this.holding = false;
    for (const chatRoomId of this.held) {
      const state = this.rooms.get(chatRoomId);
      if (!state) continue;
      if (state.cursor === undefined) state.cursor = Math.min(...state.pending.keys()) - 1;
      state.syncing = false;
      this.drainState(state);
    }
    this.held.clear();
  }

  private apply(state: RoomState, event: SyncEvent): void {
    state.cursor = event.eventSeq;
    this.deliver(event);
  }

  private drainState(state: RoomState): boolean {
    if (state.cursor === undefined || state.syncing) return state.pending.size > 0;
    for (const seq of state.pending.keys()) if (seq <= state.cursor) state.pending.delete(seq);
    let next = state.pending.get(state.cursor + 1);
    while (next) {
      state.pending.delete(next.eventSeq);
      this.apply(state, next);
      next = state.pending.get(state.cursor + 1);
    }
    return state.pending.size > 0;
  }
}
