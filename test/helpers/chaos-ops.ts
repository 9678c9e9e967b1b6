import { ChatError } from '../../src/client';
import type { ChaosUser } from './chaos-user';
import type { LocalRoom } from './chaos-state';

/** Seeded PRNG (mulberry32), so a failing run's choices can be replayed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EMOJI = ['👍', '❤️', '🎉', '😂', ':ship_it:'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

type Op =
  'send' | 'reply' | 'edit' | 'delete' | 'react' | 'unreact' | 'pin' | 'unpin' | 'rename' | 'add' | 'remove' | 'leave';

/** How often each operation is picked (before it falls back to a send when it has nothing to act on). */
const WEIGHTS: [Op, number][] = [
  ['send', 30],
  ['reply', 8],
  ['edit', 12],
  ['delete', 6],
  ['react', 14],
  ['unreact', 6],
  ['pin', 5],
  ['unpin', 4],
  ['rename', 3],
  ['add', 5],
  ['remove', 3],
  ['leave', 4],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((n, [, w]) => n + w, 0);

/** Error codes a chaos run causes by itself: acting on what the actor has not heard changed yet, or mid-outage. */
const EXPECTED_REFUSALS = new Set([
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'LIMIT_REACHED',
  'TIMEOUT',
  'DISCONNECTED',
  'UNAVAILABLE',
]);

/**
 * Random operations by the users themselves, chosen from what each one's
 * app holds (so most are allowed): sends and thread replies, edits,
 * deletions, reactions, pins, renames and membership changes (adding,
 * removing, leaving: the last owner leaving passes ownership on, the
 * protocol's one role change). Sends go through the client's outbox and
 * are not awaited: they are retried until acked, across the chaos.
 */
export class ChaosOps {
  /** Acked operations by name. */
  readonly done = new Map<string, number>();
  /** Refused or failed operations by error code. */
  readonly refused = new Map<string, number>();
  /** Refusals a chaos run should never cause (a bad payload, an internal error). */
  readonly unexpected: string[] = [];
  private readonly sends = new Set<Promise<void>>();
  private sent = 0;

  constructor(
    private readonly users: ChaosUser[],
    private readonly random: () => number,
  ) {}

  /** One operation by a random connected user; resolves when it is acked or refused (a send: once queued). */
  async step(): Promise<void> {
    const online = this.users.filter((u) => u.client.connected);
    if (online.length === 0) return;
    const actor = this.pick(online);
    const rooms = [...actor.rooms()];
    if (rooms.length === 0) return;
    const [chatRoomId, room] = this.pick(rooms);
    let op = WEIGHTS[0][0];
    for (let roll = this.random() * TOTAL_WEIGHT, i = 0; i < WEIGHTS.length; roll -= WEIGHTS[i][1], i++) {
      if (roll < WEIGHTS[i][1]) {
        op = WEIGHTS[i][0];
        break;
      }
    }
    const call = this.operation(op, actor, chatRoomId, room) ?? this.operation('send', actor, chatRoomId, room)!;
    await this.track(call.name, call.run());
  }

  /** Sends not acked or refused yet. */
  get pendingSends(): number {
    return this.sends.size;
  }

  get total(): number {
    return [...this.done.values()].reduce((a, b) => a + b, 0);
  }

  /** The operation, if the actor's view of the room offers something to do it on. */
  private operation(
    op: Op,
    actor: ChaosUser,
    chatRoomId: string,
    room: LocalRoom,
  ): { name: Op; run: () => Promise<unknown> } | undefined {
    const c = actor.client;
    const role = room.members.get(actor.id);
    const group = room.name !== null;
    const manager = group && (role === 'OWNER' || role === 'ADMIN');
    const messages = [...room.messages.values()];
    const live = messages.filter((m) => !m.deleted);
    const text = (): string => `${actor.name}-${++this.sent} ${this.pick(WORDS)}`;
    const some = <T>(items: T[]): T | undefined => (items.length > 0 ? this.pick(items) : undefined);
    const members = [...room.members.keys()];
    switch (op) {
      case 'send':
        return { name: op, run: () => this.send(op, c.sendMessage({ chatRoomId, content: text() })) };
      case 'reply': {
        const root = some(messages.filter((m) => m.threadId === null));
        if (!root) return undefined;
        const reply = { chatRoomId, content: text(), threadId: root.id };
        return { name: op, run: () => this.send(op, c.sendMessage(reply)) };
      }
      case 'edit': {
        const mine = some(live.filter((m) => m.senderId === actor.id));
        return mine && { name: op, run: () => c.editMessage({ messageId: mine.id, content: `${text()} (edited)` }) };
      }
      case 'delete': {
        const target = some(manager && this.random() < 0.3 ? live : live.filter((m) => m.senderId === actor.id));
        return target && { name: op, run: () => c.deleteMessage({ messageId: target.id }) };
      }
      case 'react': {
        const target = some(live);
        const emoji = target && some(EMOJI.filter((e) => !target.reactions.get(e)?.me));
        return !target || emoji === undefined
          ? undefined
          : { name: op, run: () => c.addReaction({ messageId: target.id, emoji }) };
      }
      case 'unreact': {
        const target = some(live.filter((m) => [...m.reactions.values()].some((r) => r.me)));
        const emoji = target && some([...target.reactions].filter(([, r]) => r.me).map(([e]) => e));
        return !target || emoji === undefined
          ? undefined
          : { name: op, run: () => c.removeReaction({ messageId: target.id, emoji }) };
      }
      case 'pin': {
        if (group && !manager) return undefined;
        const target = some(live.filter((m) => !m.pin));
        return target && { name: op, run: () => c.pinMessage({ messageId: target.id }) };
      }
      case 'unpin': {
        if (group && !manager) return undefined;
        const target = some(live.filter((m) => m.pin));
        return target && { name: op, run: () => c.unpinMessage({ messageId: target.id }) };
      }
      case 'rename':
        if (!manager) return undefined;
        return { name: op, run: () => c.updateChatRoom({ chatRoomId, name: `${room.name?.split(' ')[0]} ${text()}` }) };
      case 'add': {
        const outsider = manager && some(this.users.filter((u) => !room.members.has(u.id)));
        return outsider
          ? { name: op, run: () => c.addParticipants({ chatRoomId, userIds: [outsider.id] }) }
          : undefined;
      }
      case 'remove': {
        if (!manager || members.length < 3) return undefined;
        const removable = members.filter((id) => id !== actor.id && room.members.get(id) !== 'OWNER');
        const target = some(role === 'ADMIN' ? removable.filter((id) => room.members.get(id) === 'MEMBER') : removable);
        return target ? { name: op, run: () => c.removeParticipant({ chatRoomId, userId: target }) } : undefined;
      }
      case 'leave':
        if (!group || members.length < 3) return undefined;
        return { name: op, run: () => c.leaveChatRoom({ chatRoomId }) };
    }
  }

  /** Queues a send; the step resolves at once (the outbox resends it until acked, then it counts). */
  private async send(name: Op, stored: Promise<unknown>): Promise<'queued'> {
    const tracked = this.track(name, stored).finally(() => this.sends.delete(tracked));
    this.sends.add(tracked);
    return 'queued';
  }

  private async track(name: string, call: Promise<unknown>): Promise<void> {
    try {
      if ((await call) === 'queued') return;
      this.done.set(name, (this.done.get(name) ?? 0) + 1);
    } catch (error) {
      const code = error instanceof ChatError ? error.code : 'THROWN';
      this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
      if (!EXPECTED_REFUSALS.has(code)) this.unexpected.push(`${name}: ${code} ${(error as Error).message}`);
    }
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
}
