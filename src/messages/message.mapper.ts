import type { Message } from '../persistence/generated/prisma/client';
import type { Attachment, MessageView, ReactionSummary } from '../contract/chat.events';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** What a view adds to the row: reactions (for one viewer) and the pin. A new message has neither. */
export interface MessageExtras {
  reactions: ReactionSummary[];
  pin: { pinnedAt: Date; pinnedBy: string } | null;
}

const NONE: MessageExtras = { reactions: [], pin: null };

export function toMessageResponse(message: Message, extras: MessageExtras = NONE): MessageView {
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
    reactions: deleted ? [] : extras.reactions,
    pinnedAt: extras.pin && !deleted ? iso(extras.pin.pinnedAt) : null,
    pinnedBy: extras.pin && !deleted ? extras.pin.pinnedBy : null,
  };
}
