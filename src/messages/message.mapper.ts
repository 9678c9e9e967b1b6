import type { Message } from '../persistence/generated/prisma/client';
import type { Attachment, MessageView } from '../contract/chat.events';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toMessageResponse(message: Message): MessageView {
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
  };
}
