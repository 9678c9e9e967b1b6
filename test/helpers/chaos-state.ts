import type {
  ChatRoomView,
  MessageView,
  ParticipantRole,
  ReactionSummary,
  SyncEvent,
  ThreadSummary,
} from '../../src/contract/chat.events';

/**
 * What a user's app shows of one room, in a form that compares exactly with
 * the database (chaos-expected.ts builds the same from the tables).
 */
export interface RoomShape {
  name: string | null;
  /** userId → role, by userId. */
  members: [string, ParticipantRole][];
  /** By seq. */
  messages: MessageShape[];
}

export interface MessageShape {
  seq: number;
  id: string;
  senderId: string;
  /** '' once deleted. */
  content: string;
  editedAt: string | null;
  deleted: boolean;
  threadId: string | null;
  /** A root's summary while it has replies (as a view shows it), else null. */
  thread: ThreadSummary | null;
  /** `emoji×count`, with `+me` when the viewer reacted, sorted. */
  reactions: string[];
  /** `pinnedBy@pinnedAt`, or null. */
  pin: string | null;
}

interface Reaction {
  count: number;
  me: boolean;
}

interface LocalMessage {
  id: string;
  seq: number;
  senderId: string;
  content: string;
  editedAt: string | null;
  deleted: boolean;
  threadId: string | null;
  thread: ThreadSummary | null;
  reactions: Map<string, Reaction>;
  pin: { pinnedBy: string; pinnedAt: string } | null;
}

/** One room as the app holds it: built from a loaded snapshot and/or the room events after it. */
export class LocalRoom {
  name: string | null;
  readonly members = new Map<string, ParticipantRole>();
  readonly messages = new Map<string, LocalMessage>();

  /**
   * @param appliedSeq the newest eventSeq reflected (the snapshot's, then each event applied)
   * @param problem reports what the stream should never do (a gap, an event about an unknown message…)
   */
  constructor(
    private readonly self: string,
    view: Pick<ChatRoomView, 'name' | 'participants'>,
    public appliedSeq: number,
    private readonly problem: (what: string) => void,
  ) {
    this.name = view.name;
    for (const p of view.participants) this.members.set(p.userId, p.role);
  }

  /** A room loaded from a view and its messages (getMessages), consistent at `view.lastEventSeq`. */
  static fromSnapshot(
    self: string,
    view: ChatRoomView,
    messages: MessageView[],
    problem: (what: string) => void,
  ): LocalRoom {
    const room = new LocalRoom(self, view, view.lastEventSeq, problem);
    for (const m of messages) {
      room.messages.set(m.id, {
        ...fromView(m),
        thread: m.thread,
        reactions: new Map(m.reactions.map((r) => [r.emoji, { count: r.count, me: r.me }])),
        pin: m.pinnedAt && m.pinnedBy ? { pinnedBy: m.pinnedBy, pinnedAt: m.pinnedAt } : null,
      });
    }
    return room;
  }

  /**
   * Applies the room's next event. Events at or below `appliedSeq` are already in the snapshot and skipped.
   * Returns false when the event removed this user from the room: the app drops it.
   */
  apply(event: SyncEvent): boolean {
    if (event.eventSeq <= this.appliedSeq) return true;
    if (event.eventSeq !== this.appliedSeq + 1) {
      this.problem(`gap: applied #${this.appliedSeq}, then got ${event.type} #${event.eventSeq}`);
    }
    this.appliedSeq = event.eventSeq;
    const at = `${event.type} #${event.eventSeq}`;
    switch (event.type) {
      case 'newMessage': {
        const m = event.data;
        if (this.messages.has(m.id)) this.problem(`${at}: message ${m.id} was already there`);
        this.messages.set(m.id, { ...fromView(m), thread: null, reactions: new Map(), pin: null });
        break;
      }
      case 'messageUpdated': {
        const known = this.message(event.data.id, at);
        if (!known) break;
        this.checkAgrees(known, event.data, at);
        Object.assign(known, fromView(event.data));
        break;
      }
      case 'messageDeleted': {
        const known = this.message(event.data.messageId, at);
        if (known) Object.assign(known, { deleted: true, content: '', reactions: new Map() });
        break;
      }
      case 'threadUpdated': {
        const root = this.message(event.data.messageId, at);
        if (root) root.thread = event.data.thread;
        break;
      }
      case 'reactionAdded': {
        const known = this.message(event.data.messageId, at);
        if (!known) break;
        const r = known.reactions.get(event.data.emoji) ?? { count: 0, me: false };
        known.reactions.set(event.data.emoji, {
          count: r.count + 1,
          me: r.me || event.data.userId === this.self,
        });
        break;
      }
      case 'reactionRemoved': {
        const known = this.message(event.data.messageId, at);
        const r = known?.reactions.get(event.data.emoji);
        if (!known || !r) {
          this.problem(`${at}: no ${event.data.emoji} to remove`);
          break;
        }
        if (r.count <= 1) known.reactions.delete(event.data.emoji);
        else known.reactions.set(event.data.emoji, { count: r.count - 1, me: r.me && event.data.userId !== this.self });
        break;
      }
      case 'messagePinned': {
        const known = this.message(event.data.messageId, at);
        if (known) known.pin = { pinnedBy: event.data.pinnedBy, pinnedAt: event.data.pinnedAt };
        break;
      }
      case 'messageUnpinned': {
        const known = this.message(event.data.messageId, at);
        if (known) known.pin = null;
        break;
      }
      case 'chatRoomUpdated':
        if (event.data.name !== undefined) this.name = event.data.name;
        for (const { userId, role } of event.data.roles ?? []) this.members.set(userId, role);
        break;
      case 'participantsAdded':
        for (const p of event.data.participants) this.members.set(p.userId, p.role);
        break;
      case 'participantRemoved':
        this.members.delete(event.data.userId);
        return event.data.userId !== this.self;
    }
    return true;
  }

  shape(): RoomShape {
    return {
      name: this.name,
      members: [...this.members].sort(([a], [b]) => a.localeCompare(b)),
      messages: [...this.messages.values()]
        .sort((a, b) => a.seq - b.seq)
        .map((m) => ({
          seq: m.seq,
          id: m.id,
          senderId: m.senderId,
          content: m.content,
          editedAt: m.editedAt,
          deleted: m.deleted,
          threadId: m.threadId,
          thread: m.thread && m.thread.replyCount > 0 ? m.thread : null,
          reactions: reactionLabels([...m.reactions].map(([emoji, r]) => ({ emoji, ...r }))),
          pin: m.pin ? `${m.pin.pinnedBy}@${m.pin.pinnedAt}` : null,
        })),
    };
  }

  private message(id: string, at: string): LocalMessage | undefined {
    const known = this.messages.get(id);
    if (!known) this.problem(`${at}: unknown message ${id}`);
    return known;
  }

  /**
   * A messageUpdated carries the message as the room saw it at that event (the edit reads it under the room's
   * lock): its counts, pin and thread must be those the events before it built.
   */
  private checkAgrees(known: LocalMessage, view: MessageView, at: string): void {
    const mine = reactionLabels([...known.reactions].map(([emoji, r]) => ({ emoji, count: r.count, me: false })));
    const theirs = reactionLabels(view.reactions);
    if (mine.join() !== theirs.join())
      this.problem(`${at}: reactions [${theirs.join()}], events built [${mine.join()}]`);
    const pin = known.pin ? `${known.pin.pinnedBy}@${known.pin.pinnedAt}` : null;
    const viewPin = view.pinnedAt ? `${view.pinnedBy}@${view.pinnedAt}` : null;
    if (pin !== viewPin) this.problem(`${at}: pin ${viewPin}, events built ${pin}`);
    const thread = known.thread?.replyCount ? known.thread : null;
    if (JSON.stringify(thread) !== JSON.stringify(view.thread)) {
      this.problem(`${at}: thread ${JSON.stringify(view.thread)}, events built ${JSON.stringify(thread)}`);
    }
  }
}

/** The fields a message view sets outright. */
function fromView(m: MessageView): Omit<LocalMessage, 'thread' | 'reactions' | 'pin'> {
  return {
    id: m.id,
    seq: m.seq,
    senderId: m.senderId,
    content: m.content,
    editedAt: m.editedAt,
    deleted: m.deletedAt !== null,
    threadId: m.threadId,
  };
}

export function reactionLabels(reactions: ReactionSummary[]): string[] {
  return reactions
    .filter((r) => r.count > 0)
    .map((r) => `${r.emoji}×${r.count}${r.me ? '+me' : ''}`)
    .sort();
}
