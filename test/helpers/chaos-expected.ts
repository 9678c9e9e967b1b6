import type { ParticipantRole } from '../../src/contract/chat.events';
import { threadSummary } from '../../src/messages/message.mapper';
import type { Message } from '../../src/persistence/generated/prisma/client';
import type { PrismaService } from '../../src/persistence/prisma.service';
import { reactionLabels, type MessageShape, type RoomShape } from './chaos-state';
import type { Delivery } from './chaos-user';

/** The chat's tables as they are at the end of the run. */
export interface StoredState {
  rooms: Map<string, { name: string | null; members: Map<string, ParticipantRole> }>;
  messages: Map<string, Message[]>;
  /** messageId → emoji → userIds. */
  reactions: Map<string, Map<string, string[]>>;
  pins: Map<string, { pinnedBy: string; pinnedAt: Date }>;
  /** chatRoomId → eventSeq → the logged event. */
  log: Map<string, Map<number, { type: string; data: unknown; createdAt: Date }>>;
}

export async function readStored(prisma: PrismaService): Promise<StoredState> {
  const [rooms, participants, messages, reactions, pins, events] = await Promise.all([
    prisma.chatRoom.findMany({ select: { id: true, name: true } }),
    prisma.chatRoomParticipant.findMany({ select: { chatRoomId: true, userId: true, role: true } }),
    prisma.message.findMany({ orderBy: [{ chatRoomId: 'asc' }, { seq: 'asc' }] }),
    prisma.messageReaction.findMany({ orderBy: { createdAt: 'asc' } }),
    prisma.pinnedMessage.findMany(),
    prisma.roomEvent.findMany({ orderBy: [{ chatRoomId: 'asc' }, { eventSeq: 'asc' }] }),
  ]);
  const state: StoredState = {
    rooms: new Map(),
    messages: new Map(),
    reactions: new Map(),
    pins: new Map(),
    log: new Map(),
  };
  for (const r of rooms) state.rooms.set(r.id, { name: r.name, members: new Map() });
  for (const p of participants) state.rooms.get(p.chatRoomId)!.members.set(p.userId, p.role);
  for (const m of messages) state.messages.set(m.chatRoomId, [...(state.messages.get(m.chatRoomId) ?? []), m]);
  for (const r of reactions) {
    const byEmoji = state.reactions.get(r.messageId) ?? new Map<string, string[]>();
    byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.userId]);
    state.reactions.set(r.messageId, byEmoji);
  }
  for (const p of pins) state.pins.set(p.messageId, p);
  for (const e of events) {
    if (!state.log.has(e.chatRoomId)) state.log.set(e.chatRoomId, new Map());
    state.log.get(e.chatRoomId)!.set(e.eventSeq, { type: e.type, data: e.data, createdAt: e.createdAt });
  }
  return state;
}

/** The room as `viewerId` should see it, from the tables. */
export function storedShape(stored: StoredState, chatRoomId: string, viewerId: string): RoomShape {
  const room = stored.rooms.get(chatRoomId)!;
  return {
    name: room.name,
    members: [...room.members].sort(([a], [b]) => a.localeCompare(b)),
    messages: (stored.messages.get(chatRoomId) ?? []).map((m): MessageShape => {
      const deleted = m.deletedAt !== null;
      const pin = stored.pins.get(m.id);
      const reactions = [...(stored.reactions.get(m.id) ?? [])].map(([emoji, users]) => ({
        emoji,
        count: users.length,
        me: users.includes(viewerId),
      }));
      return {
        seq: m.seq,
        id: m.id,
        senderId: m.senderId,
        content: deleted ? '' : m.content,
        editedAt: m.editedAt?.toISOString() ?? null,
        deleted,
        threadId: m.threadId,
        thread: threadSummary(m),
        reactions: reactionLabels(reactions),
        pin: pin ? `${pin.pinnedBy}@${pin.pinnedAt.toISOString()}` : null,
      };
    }),
  };
}

/** Readable differences between what a user's app holds of a room and the tables (none: equal). */
export function diffRoom(where: string, app: RoomShape | undefined, db: RoomShape | undefined): string[] {
  if (!app && !db) return [];
  if (!app) return [`${where}: missing in the app (${db!.messages.length} messages in the DB)`];
  if (!db) return [`${where}: held by the app, but the user is not in the room`];
  const out: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (app.name !== db.name) out.push(`${where}: name ${JSON.stringify(app.name)} ≠ DB ${JSON.stringify(db.name)}`);
  if (!same(app.members, db.members)) {
    out.push(`${where}: members ${JSON.stringify(app.members)} ≠ DB ${JSON.stringify(db.members)}`);
  }
  const appBySeq = new Map(app.messages.map((m) => [m.seq, m]));
  const dbBySeq = new Map(db.messages.map((m) => [m.seq, m]));
  for (const seq of [...new Set([...appBySeq.keys(), ...dbBySeq.keys()])].sort((a, b) => a - b)) {
    const [a, d] = [appBySeq.get(seq), dbBySeq.get(seq)];
    if (!a || !d) {
      out.push(`${where} #${seq}: ${a ? 'only in the app' : `missing in the app (${JSON.stringify(d!.content)})`}`);
      continue;
    }
    for (const field of Object.keys(d) as (keyof MessageShape)[]) {
      if (!same(a[field], d[field])) {
        out.push(`${where} #${seq} ${field}: ${JSON.stringify(a[field])} ≠ DB ${JSON.stringify(d[field])}`);
      }
    }
  }
  return out;
}

/**
 * Room events a user's handlers received that were not theirs to receive: the log's membership history says
 * they were not in the room at that event (a member from the event after their `participantsAdded`, or from the
 * start for the room's first members, up to and including their `participantRemoved`). Also: an event delivered
 * twice, or whose type is not the one logged under its eventSeq.
 */
export function deliveryViolations(
  who: { id: string; name: string },
  deliveries: Delivery[],
  stored: StoredState,
  founders: Map<string, string[]>,
  label: (chatRoomId: string) => string,
  startedAt: number,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const time = (ms: number): string => `${((ms - startedAt) / 1000).toFixed(2)} s`;
  for (const d of deliveries) {
    const where = `${who.name} got ${d.type} #${d.eventSeq} of ${label(d.chatRoomId)} at ${time(d.at)}`;
    const key = `${d.chatRoomId} ${d.eventSeq}`;
    if (seen.has(key)) out.push(`${where}: twice`);
    seen.add(key);
    const logged = stored.log.get(d.chatRoomId)?.get(d.eventSeq);
    if (logged?.type !== d.type) out.push(`${where}, but the log has ${logged?.type ?? 'nothing'} there`);
    const { member, change } = membershipAt(who.id, d.chatRoomId, d.eventSeq, stored, founders);
    if (!member) {
      const last = change
        ? `${change.type} #${change.seq} logged at ${time(change.createdAt.getTime())}`
        : 'never in it';
      out.push(`${where} (logged at ${time(logged?.createdAt.getTime() ?? 0)}) while not a member: ${last}`);
    }
  }
  return out;
}

/** Whether the user was in the room when the event `eventSeq` happened, and the last change of that before it. */
function membershipAt(
  userId: string,
  chatRoomId: string,
  eventSeq: number,
  stored: StoredState,
  founders: Map<string, string[]>,
): { member: boolean; change?: { type: string; seq: number; createdAt: Date } } {
  let member = founders.get(chatRoomId)?.includes(userId) ?? false;
  let change: { type: string; seq: number; createdAt: Date } | undefined;
  for (const [seq, event] of stored.log.get(chatRoomId) ?? []) {
    // Their own removal (the event that ends it) is still theirs to hear of: `member` is as it was before it.
    if (seq >= eventSeq) break;
    const added = event.type === 'participantsAdded' && (event.data as { userIds: string[] }).userIds.includes(userId);
    const removed = event.type === 'participantRemoved' && (event.data as { userId: string }).userId === userId;
    if (added || removed) {
      member = added;
      change = { type: event.type, seq, createdAt: event.createdAt };
    }
  }
  return { member, change };
}
