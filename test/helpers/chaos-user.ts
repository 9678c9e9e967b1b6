import { ChatClient, ChatError, type ChatClientOptions } from '../../src/client';
import type { ChatRoomView, MessageView, RoomEventType, SyncEvent } from '../../src/contract/chat.events';
import { LocalRoom } from './chaos-state';
import { ROOM_EVENT_TYPES } from './room-events';

/** A room event as the handlers received it. */
export interface Delivery {
  chatRoomId: string;
  eventSeq: number;
  type: RoomEventType;
  /** When it reached the handlers (Date.now()). */
  at: number;
}

interface Slot {
  /** Bumped by every (re)load and drop: a load of an older generation changes nothing. */
  generation: number;
  /** What the app shows; undefined while loading, and once the user is out of the room. */
  room?: LocalRoom;
  /** Set while a snapshot loads: the events that arrive meanwhile, applied after it. */
  waiting?: SyncEvent[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One user's app on the typed ChatClient: its state comes only from what
 * the client's handlers deliver (live events, and what `sync` replays
 * through the same handlers) plus the reloads the protocol asks for — a
 * room it is given (`chatRoomCreated`) or told to reload (`resync`) is
 * loaded with getChatRooms + getMessages, bracketed by the room's
 * lastEventSeq so the snapshot is exactly the state at one eventSeq, and
 * the events after it are applied on top. `participantRemoved` of the user
 * and `roomLeft` drop the room.
 */
export class ChaosUser {
  readonly client: ChatClient;
  readonly deliveries: Delivery[] = [];
  /** What the event stream should never do, as seen by this user. */
  readonly problems: string[] = [];
  /** The client's `error` events (failed syncs while the connection dropped are expected). */
  readonly clientErrors: string[] = [];
  readonly counts = {
    snapshots: 0,
    unstableSnapshots: 0,
    resyncs: 0,
    roomsLeft: 0,
    removals: 0,
    reconnects: 0,
  };
  /** Per room, events its handlers got while the app did not hold the room (never given it, or after leaving it). */
  readonly notHeld = new Map<string, number>();
  private readonly slots = new Map<string, Slot>();
  private readonly loads = new Set<Promise<void>>();
  private closed = false;

  /** @param label names a room in what the user reports (its id otherwise) */
  constructor(
    readonly id: string,
    readonly name: string,
    options: ChatClientOptions,
    private readonly label: (chatRoomId: string) => string = (id) => id,
  ) {
    this.client = new ChatClient(options);
    for (const type of ROOM_EVENT_TYPES) {
      this.client.on(type, (data: SyncEvent['data']) =>
        this.onRoomEvent({ type, data, eventSeq: data.eventSeq } as SyncEvent),
      );
    }
    this.client.on('chatRoomCreated', (view) => this.load(view.id));
    this.client.on('resync', ({ chatRoomId }) => {
      this.counts.resyncs += 1;
      this.load(chatRoomId);
    });
    this.client.on('roomLeft', ({ chatRoomId }) => {
      this.counts.roomsLeft += 1;
      this.drop(chatRoomId);
    });
    this.client.on('connected', ({ reconnect }) => {
      if (reconnect) this.counts.reconnects += 1;
    });
    this.client.on('error', (error) => this.clientErrors.push(error.message));
  }

  /** Connects and loads the room list (after which the client announces rooms joined while away). */
  async start(): Promise<void> {
    await this.client.connect();
    for (const view of await this.client.getChatRooms()) this.load(view.id);
    await this.idle();
  }

  close(): void {
    this.closed = true;
    this.client.close();
  }

  /** The rooms the app holds now (loaded, and the user still in them). */
  rooms(): Map<string, LocalRoom> {
    const held = new Map<string, LocalRoom>();
    for (const [id, slot] of this.slots) if (slot.room) held.set(id, slot.room);
    return held;
  }

  /** Resolves once no snapshot is loading. */
  async idle(): Promise<void> {
    while (this.loads.size > 0) await Promise.all([...this.loads]);
  }

  private problem(chatRoomId: string, what: string): void {
    this.problems.push(`${this.name} in ${this.label(chatRoomId)}: ${what}`);
  }

  private onRoomEvent(event: SyncEvent): void {
    const { chatRoomId } = event.data;
    this.deliveries.push({ chatRoomId, eventSeq: event.eventSeq, type: event.type, at: Date.now() });
    const slot = this.slots.get(chatRoomId);
    // Not (or no longer) the user's room as far as the app knows: nothing to show. Whether it should have come at
    // all is judged against the database's membership history at the end (chaos-expected.ts).
    if (!slot?.room && !slot?.waiting) {
      this.notHeld.set(chatRoomId, (this.notHeld.get(chatRoomId) ?? 0) + 1);
      return;
    }
    if (slot.waiting) {
      slot.waiting.push(event);
      return;
    }
    if (!slot.room!.apply(event)) this.removed(slot);
  }

  private removed(slot: Slot): void {
    this.counts.removals += 1;
    slot.room = undefined;
    slot.generation += 1;
  }

  private drop(chatRoomId: string): void {
    const slot = this.slots.get(chatRoomId);
    if (!slot) return;
    slot.generation += 1;
    slot.room = undefined;
    slot.waiting = undefined;
  }

  /** (Re)loads a room; the events that arrive meanwhile wait, then those after the snapshot apply. */
  private load(chatRoomId: string): void {
    let slot = this.slots.get(chatRoomId);
    if (!slot) this.slots.set(chatRoomId, (slot = { generation: 0 }));
    const generation = ++slot.generation;
    slot.room = undefined;
    slot.waiting = [];
    const run = this.loadLoop(chatRoomId, slot, generation).finally(() => this.loads.delete(run));
    this.loads.add(run);
  }

  private async loadLoop(chatRoomId: string, slot: Slot, generation: number): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (attempt > 0) await sleep(Math.min(25 * attempt, 300));
      if (this.closed || slot.generation !== generation) return;
      let snapshot: LocalRoom | 'gone' | 'moved';
      try {
        snapshot = await this.snapshot(chatRoomId);
      } catch (error) {
        // Offline, refused meanwhile (removed between the reads), timed out: the next attempt sees.
        if (error instanceof ChatError) continue;
        throw error;
      }
      if (slot.generation !== generation) return;
      if (snapshot === 'moved') {
        this.counts.unstableSnapshots += 1;
        continue;
      }
      const waiting = slot.waiting ?? [];
      slot.waiting = undefined;
      if (snapshot === 'gone') return; // not in the room (any more): nothing to hold
      this.counts.snapshots += 1;
      slot.room = snapshot;
      for (const event of waiting) if (slot.room && !slot.room.apply(event)) this.removed(slot);
      return;
    }
    this.problem(chatRoomId, 'could not load a stable snapshot in 200 attempts');
  }

  /**
   * The room at one eventSeq: its view, its messages, and the view again; 'moved' when an event came between (the
   * room's lastEventSeq changes in the transaction of every room event), 'gone' when the user is not in it.
   */
  private async snapshot(chatRoomId: string): Promise<LocalRoom | 'gone' | 'moved'> {
    const find = async (): Promise<ChatRoomView | undefined> =>
      (await this.client.getChatRooms()).find((r) => r.id === chatRoomId);
    const before = await find();
    if (!before) return 'gone';
    const messages: MessageView[] = [];
    for (let afterSeq = 0; ;) {
      const page = await this.client.getMessages({ chatRoomId, afterSeq, limit: 100 });
      messages.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      afterSeq = page.messages[page.messages.length - 1].seq;
    }
    const after = await find();
    if (!after) return 'gone';
    if (after.lastEventSeq !== before.lastEventSeq) return 'moved';
    return LocalRoom.fromSnapshot(this.id, before, messages, (what) => this.problem(chatRoomId, what));
  }
}
