import type { ChatUserProfile } from '../config/chat-options';
import type { ChatRoom, ChatRoomParticipant } from '../persistence/generated/prisma/client';
import type { ChatRoomView, MessageView, ParticipantView } from '../contract/chat.events';

export type RoomWithParticipants = ChatRoom & { participants: ChatRoomParticipant[] };

/**
 * Unread = messages after the viewer's read cursor. Sending moves the
 * sender's own cursor to their message, so everything after the cursor is
 * by others: no message scan is needed. Deleted messages keep their seq and
 * are counted (they show as "message deleted").
 */
export function unreadCount(
  room: Pick<ChatRoom, 'lastSeq'>,
  participant: Pick<ChatRoomParticipant, 'lastReadSeq'> | undefined,
): number {
  return participant ? Math.max(0, room.lastSeq - participant.lastReadSeq) : 0;
}

/** `mutedUntil` of a room muted until unmuted. */
export const MUTED_FOREVER = new Date('9999-12-31T23:59:59.999Z');

/** The viewer's mute, while it lasts. */
export function mutedUntil(
  participant: Pick<ChatRoomParticipant, 'mutedUntil'> | undefined,
  now = new Date(),
): string | null {
  const until = participant?.mutedUntil;
  return until && until > now ? until.toISOString() : null;
}

export function toChatRoomResponse(
  room: RoomWithParticipants,
  viewerId: string,
  lastMessage: MessageView | null,
  profiles: ReadonlyMap<string, ChatUserProfile>,
  unreadMentionCount: number,
): ChatRoomView {
  const participants = [...room.participants].sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime());
  return {
    id: room.id,
    type: room.type,
    name: room.name,
    createdAt: room.createdAt.toISOString(),
    updatedAt: room.updatedAt.toISOString(),
    lastMessageAt: room.lastMessageAt?.toISOString() ?? null,
    participants: participants.map((p) => toParticipantResponse(p, profiles)),
    lastMessage,
    unreadCount: unreadCount(
      room,
      room.participants.find((p) => p.userId === viewerId),
    ),
    unreadMentionCount,
    lastEventSeq: room.lastEventSeq,
    mutedUntil: mutedUntil(room.participants.find((p) => p.userId === viewerId)),
  };
}

export function toParticipantResponse(
  participant: Pick<ChatRoomParticipant, 'userId' | 'role' | 'joinedAt'>,
  profiles: ReadonlyMap<string, ChatUserProfile>,
): ParticipantView {
  const profile = profiles.get(participant.userId);
  return {
    userId: participant.userId,
    name: profile?.name ?? participant.userId,
    avatarUrl: profile?.avatarUrl ?? null,
    role: participant.role,
    joinedAt: participant.joinedAt.toISOString(),
  };
}
