import type { Message } from '../persistence/generated/prisma/client';
import type { Attachment, MessageView, ReactionSummary, ReplyPreview, ThreadSummary } from '../contract/chat.events';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Characters (code points) of a quoted message a reply shows. */
export const EXCERPT_LENGTH = 100;

/** What a view adds to the row: reactions (for one viewer), the pin, the quoted message and the mentions. */
export interface MessageExtras {
  reactions: ReactionSummary[];
  pin: { pinnedAt: Date; pinnedBy: string } | null;
  /** The quoted message (`replyToId`); null when it quotes none, or the quoted row is gone. */
  quoted: Pick<Message, 'id' | 'senderId' | 'content' | 'deletedAt'> | null;
  mentionedUserIds: string[];
}

const NONE: MessageExtras = { reactions: [], pin: null, quoted: null, mentionedUserIds: [] };

export function toMessageResponse(message: Message, extras: Partial<MessageExtras> = NONE): MessageView {
  const { reactions, pin, quoted, mentionedUserIds } = { ...NONE, ...extras };
  const deleted = message.deletedAt !== null;
  return {
    id: message.id,
    chatRoomId: message.chatRoomId,
    senderId: message.senderId,
    seq: message.seq,
    content: deleted ? '' : message.content,
    type: message.type,
    attachments: deleted ? [] : ((message.attachments ?? []) as unknown as Attachment[]),
    clientMessageId: message.clientMessageId,
    createdAt: iso(message.createdAt)!,
    editedAt: iso(message.editedAt),
    deletedAt: iso(message.deletedAt),
    reactions: deleted ? [] : reactions,
    pinnedAt: pin && !deleted ? iso(pin.pinnedAt) : null,
    pinnedBy: pin && !deleted ? pin.pinnedBy : null,
    replyTo: quoted && !deleted ? toReplyPreview(quoted) : null,
    threadId: message.threadId ?? null,
    // A deleted root keeps its thread: the replies are still there.
    thread: threadSummary(message),
    mentionedUserIds: deleted ? [] : mentionedUserIds,
  };
}

export function toReplyPreview(quoted: NonNullable<MessageExtras['quoted']>): ReplyPreview {
  const deleted = quoted.deletedAt !== null;
  return { id: quoted.id, senderId: quoted.senderId, excerpt: deleted ? '' : excerpt(quoted.content), deleted };
}

export type ThreadColumns = Pick<Message, 'threadReplyCount' | 'threadLastReplyAt' | 'threadParticipantIds'>;

/** A root's summary as `threadUpdated` says it (also with no replies left). */
export function toThreadSummary(row: ThreadColumns): ThreadSummary {
  return {
    replyCount: row.threadReplyCount,
    lastReplyAt: iso(row.threadLastReplyAt),
    participantIds: row.threadParticipantIds ?? [],
  };
}

/** A root's summary in its view: once it has replies (not deleted); null otherwise. */
export function threadSummary(row: ThreadColumns): ThreadSummary | null {
  return row.threadReplyCount ? toThreadSummary(row) : null;
}

/**
 * The first EXCERPT_LENGTH characters (code points, never half a surrogate
 * pair), cut after the last whole word when one ends in the second half,
 * with `…` when anything was cut. Whitespace runs become one space.
 */
export function excerpt(content: string, max = EXCERPT_LENGTH): string {
  const chars = Array.from(content.replace(/\s+/g, ' ').trim());
  if (chars.length <= max) return chars.join('');
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  const cut = space >= head.length / 2 ? head.slice(0, space) : head;
  return `${cut.trimEnd()}…`;
}
