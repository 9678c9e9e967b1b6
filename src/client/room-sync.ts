import type { ChatRoomView, ReadState, SyncEvent } from '../contract/chat.events';
import { isTransient } from './chat-error';
import type { RoomCursors } from './room-cursors';
import { backoff, type Timer } from './timing';
import type { ChatClientEvents, PayloadOf, ResultOf } from './types';

/** What RoomSync needs from the client. */
export interface SyncHost {
  request<E extends 'sync' | 'getChatRooms'>(event: E, payload: PayloadOf<E>): Promise<ResultOf<E>>;
  connected(): boolean;
  /** The app loaded its room list (`getChatRooms`): rooms a sync reports as joined are news to it. */
  knowsAllRooms(): boolean;
  emit<K extends keyof ChatClientEvents>(event: K, ...args: Parameters<ChatClientEvents[K]>): void;
}

export interface SyncOptions {
  pageSize: number;
  gapDelayMs: number;
}

/** `sync` takes at most this many rooms at once. */
const MAX_ROOMS_PER_SYNC = 1000;

/**
 * Asks `sync` for what the client missed: every known room after a
 * reconnect (`catchUp`), one room when a live event came ahead of a missing
 * one (a gap). Replayed events reach the same handlers as live ones, once
 * each and in order (RoomCursors); rooms the server no longer replays get
 * `resync`, rooms the user left `roomLeft`, rooms joined meanwhile
 * `chatRoomCreated`.
 */
export class RoomSync {
  /** Bumped when the connection drops: a sync of an older connection changes nothing. */
  private generation = 0;
  private catchingUp = false;
  /** A catch-up failed for a transient reason: the next retry is a whole catch-up again. */
  private catchUpFailed = false;
  private gapTimer?: Timer;
  private failures = 0;

  constructor(
    private readonly cursors: RoomCursors,
    private readonly host: SyncHost,
    private readonly options: SyncOptions,
  ) {}

  /** A live room event. */
  live(event: SyncEvent): void {
    if (this.cursors.live(event)) this.scheduleGaps(this.options.gapDelayMs);
  }

  /** Events wait behind a gap (found outside `live`, e.g. after a view moved a cursor). */
  gapFound(): void {
    this.scheduleGaps(this.options.gapDelayMs);
  }

  /** The connection dropped: syncs under way are abandoned; the catch-up after the reconnect covers them. */
  disconnected(): void {
    this.generation += 1;
    this.catchingUp = false;
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }

  /**
   * After a reconnect: every known room from its cursor (and, once the app loaded its room list, the rooms joined
   * meanwhile). Resolves with the read states of the user's rooms, or undefined when the connection dropped again.
   */
  async catchUp(): Promise<ReadState[] | undefined> {
    const withJoined = this.host.knowsAllRooms();
    const rooms = this.cursors.known().map((r) => r.chatRoomId);
    if (rooms.length === 0 && !withJoined) return [];
    const generation = this.generation;
    this.catchingUp = true;
    this.catchUpFailed = false;
    try {
      return await this.run(rooms, withJoined);
    } finally {
      if (generation === this.generation) {
        this.catchingUp = false;
        if (this.cursors.gaps().length > 0) this.scheduleGaps(0);
      }
    }
  }

  private scheduleGaps(delayMs: number): void {
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      void this.fillGaps();
    }, delayMs);
  }

  private async fillGaps(): Promise<void> {
    // Offline, the catch-up after the reconnect fills them; during a catch-up, its end looks again.
    if (!this.host.connected() || this.catchingUp) return;
    if (this.catchUpFailed) {
      await this.catchUp();
      return;
    }
    const rooms = this.cursors.gaps();
    if (rooms.length > 0) await this.run(rooms, false);
  }

  private async run(rooms: string[], withJoined: boolean): Promise<ReadState[] | undefined> {
    const generation = this.generation;
    const stale = (): boolean => generation !== this.generation;
    const open = new Set(rooms);
    // Rooms with events already waiting: the sync must bring what comes before them (see `end`).
    const before = new Map(
      rooms.filter((id) => this.cursors.waiting(id)).map((id) => [id, this.cursors.cursor(id)] as const),
    );
    this.cursors.beginSync(rooms);
    if (withJoined) this.cursors.hold();
    let readStates: ReadState[] = [];
    try {
      const joined: ChatRoomView[] = [];
      const resync: string[] = [];
      let todo = rooms;
      let first = true;
      do {
        const next: string[] = [];
        for (const chunk of chunks(todo, MAX_ROOMS_PER_SYNC)) {
          const result = await this.host.request('sync', {
            rooms: chunk.map((chatRoomId) => ({ chatRoomId, afterEventSeq: this.cursors.cursor(chatRoomId) ?? 0 })),
            limit: this.options.pageSize,
          });
          if (stale()) return undefined;
          const unanswered = new Set(chunk);
          for (const room of result.rooms) {
            unanswered.delete(room.chatRoomId);
            this.cursors.replay(room.chatRoomId, room.events);
            if (room.left) {
              open.delete(room.chatRoomId);
              this.cursors.forget(room.chatRoomId);
              this.host.emit('roomLeft', { chatRoomId: room.chatRoomId });
            } else if (room.resync) {
              resync.push(room.chatRoomId);
            } else if (room.hasMore) {
              next.push(room.chatRoomId);
            } else {
              open.delete(room.chatRoomId);
              this.end(room.chatRoomId, before.get(room.chatRoomId));
            }
          }
          // One per room asked, says the contract: a room left out is not held up for ever.
          for (const chatRoomId of unanswered) {
            open.delete(chatRoomId);
            this.end(chatRoomId, before.get(chatRoomId));
          }
          if (first) {
            // Every chunk lists the same joined rooms (less its own) and read states: the first one's do.
            joined.push(...result.joined);
            readStates = result.readStates;
            first = false;
          }
        }
        todo = next;
      } while (todo.length > 0);
      if (resync.length > 0) {
        const views = await this.host.request('getChatRooms', {});
        if (stale()) return undefined;
        this.resync(resync, views, open);
      }
      if (withJoined) this.announceJoined(joined);
      this.failures = 0;
      return readStates;
    } catch (error) {
      if (stale()) return undefined;
      this.failed(error, open);
      return readStates;
    } finally {
      if (withJoined && !stale()) this.cursors.release();
    }
  }

  /** Rooms whose events are gone: their fresh views, and what waited after them. */
  private resync(rooms: string[], views: ChatRoomView[], open: Set<string>): void {
    const byId = new Map(views.map((view) => [view.id, view]));
    for (const chatRoomId of rooms) {
      open.delete(chatRoomId);
      const view = byId.get(chatRoomId);
      if (!view) {
        this.cursors.forget(chatRoomId);
        this.host.emit('roomLeft', { chatRoomId });
        continue;
      }
      this.cursors.seed(chatRoomId, view.lastEventSeq, true);
      this.host.emit('resync', { chatRoomId, room: view });
      this.end(chatRoomId);
    }
  }

  /** Rooms the user is in that the client had no view of: `chatRoomCreated`, then their events. */
  private announceJoined(views: ChatRoomView[]): void {
    for (const view of views) {
      if (this.cursors.has(view.id)) continue;
      this.cursors.seed(view.id, view.lastEventSeq);
      this.host.emit('chatRoomCreated', view);
      this.end(view.id);
    }
  }

  /**
   * The room's sync is over: what waited is delivered. A gap that remains is synced again, unless events were
   * already waiting when the sync was asked (`before`: the cursor then) and it brought nothing: a gap-free log,
   * whose events are broadcast after they are stored, cannot do that, so what waits is delivered as it is rather
   * than asked for again and again.
   */
  private end(chatRoomId: string, before?: number): void {
    if (!this.cursors.endSync(chatRoomId)) return;
    if (before === undefined || this.cursors.cursor(chatRoomId) !== before) {
      return this.scheduleGaps(this.options.gapDelayMs);
    }
    this.host.emit('error', new Error(`sync brought nothing after ${chatRoomId}#${before}, yet later events came`));
    this.cursors.skipGap(chatRoomId);
  }

  /**
   * A sync failed while connected. A transient error is retried with a backoff (the waiting events keep waiting);
   * any other (a server without `sync` answers UNKNOWN_EVENT) releases what waits, gaps and all.
   */
  private failed(error: unknown, open: Set<string>): void {
    this.host.emit('error', error instanceof Error ? error : new Error(String(error)));
    if (isTransient(error)) {
      for (const chatRoomId of open) this.cursors.endSync(chatRoomId);
      if (this.catchingUp) this.catchUpFailed = true;
      this.failures += 1;
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
      this.scheduleGaps(backoff(this.failures, 500, 30_000));
    } else {
      for (const chatRoomId of open) this.cursors.skipGap(chatRoomId);
    }
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  if (items.length === 0) yield [];
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
