/**
 * THE wire contract of the chat namespace: every event name and payload,
 * shared by the gateway, the services' emitter, the tests and the docs.
 * Dates travel as ISO-8601 strings; user ids are the host's, as strings.
 */
import type { ErrorBody, ErrorCode, FieldError } from './errors';

export type { ErrorBody, ErrorCode, FieldError };

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (response: Ack<T>) => void;

export type ChatRoomType = 'DIRECT' | 'GROUP';
export type ParticipantRole = 'OWNER' | 'ADMIN' | 'MEMBER';
export type MessageType = 'TEXT' | 'IMAGE' | 'FILE' | 'SYSTEM';

export interface Attachment {
  url: string;
  name?: string;
  mimeType?: string;
  size?: number;
}

export interface MessageView {
  id: string;
  chatRoomId: string;
  senderId: string;
  seq: number;
  /** Empty once deleted. */
  content: string;
  type: MessageType;
  /** Empty once deleted. */
  attachments: Attachment[];
  clientMessageId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /**
   * Counts per emoji, in the order each was first used. `me`: the viewer reacted with it. In broadcasts
   * (`newMessage`, `messageUpdated`), which have no single viewer, `me` is false: keep your own from
   * `reactionAdded`/`reactionRemoved`. Empty once deleted.
   */
  reactions: ReactionSummary[];
  /** When and by whom the message was pinned; null when it is not. */
  pinnedAt: string | null;
  pinnedBy: string | null;
  /** The message this one quotes (`sendMessage { replyToId }`); null when it quotes none. */
  replyTo: ReplyPreview | null;
  /** The root message of the thread this one is a reply in; null in the main timeline. */
  threadId: string | null;
  /** On a thread's root, once it has replies; null otherwise (and on the replies themselves). */
  thread: ThreadSummary | null;
  /** The room members the sender mentioned (`sendMessage { mentions }`), in the order given. Empty once deleted. */
  mentionedUserIds: string[];
}

/** A quoted message, as a reply shows it. */
export interface ReplyPreview {
  id: string;
  senderId: string;
  /** The first 100 characters of its content (whole words where possible); empty once it is deleted. */
  excerpt: string;
  deleted: boolean;
}

/** A thread root's replies so far (deleted replies are not counted). */
export interface ThreadSummary {
  replyCount: number;
  lastReplyAt: string | null;
  /** Who replied in the thread, in the order they first did. */
  participantIds: string[];
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  me: boolean;
}

export interface ParticipantView {
  userId: string;
  /** The user's display name from the host's directory (the id when the host no longer knows the user). */
  name: string;
  avatarUrl: string | null;
  role: ParticipantRole;
  joinedAt: string;
}

export interface ChatRoomView {
  id: string;
  type: ChatRoomType;
  name: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string | null;
  participants: ParticipantView[];
  /** As seen by the receiving user. */
  lastMessage: MessageView | null;
  /** Messages by others after the receiving user's read cursor (deleted ones included). */
  unreadCount: number;
  /** Messages after the receiving user's read cursor that mention them (deleted ones not counted). */
  unreadMentionCount: number;
  /** Until when the receiving user muted the room (`9999-12-31T23:59:59.999Z`: until unmuted); null when not muted. */
  mutedUntil: string | null;
  /** The room's newest event: pass it as `afterEventSeq` to `sync` to get every change after this view. */
  lastEventSeq: number;
}

export interface MessagePage {
  /** Ascending by seq. */
  messages: MessageView[];
  /** More messages exist in the direction paged (older by default and with beforeSeq, newer with afterSeq). */
  hasMore: boolean;
}

// ---- the room event log (sync) ----

/**
 * The broadcasts that are room events: appended to the room's log in the
 * same transaction as the change, numbered per room by a gap-free
 * `eventSeq`, and replayed by `sync`. Each live broadcast of these types
 * carries `chatRoomId` and `eventSeq`.
 */
export const ROOM_EVENT_TYPES = [
  'newMessage',
  'messageUpdated',
  'messageDeleted',
  'threadUpdated',
  'reactionAdded',
  'reactionRemoved',
  'messagePinned',
  'messageUnpinned',
  'chatRoomUpdated',
  'participantsAdded',
  'participantRemoved',
] as const;
export type RoomEventType = (typeof ROOM_EVENT_TYPES)[number];

/**
 * A room event's live payload: its own fields (`chatRoomId` among them) and
 * `eventSeq`, the change's number in the room's log (1, 2, 3… with no gaps).
 */
export type Stamped<T extends { chatRoomId: string }> = T & { eventSeq: number };
/** An ack of a change that may have changed nothing (a repeat): `eventSeq` only when it was logged. */
export type MaybeStamped<T extends { chatRoomId: string }> = T & { eventSeq?: number };

/** One room event as `sync` replays it: the `type` and payload (`data`) of the live broadcast it stands for. */
export type SyncEvent = {
  [K in RoomEventType]: { eventSeq: number; type: K; data: Parameters<ServerToClientEvents[K]>[0] };
}[RoomEventType];

export interface SyncPayload {
  /** The rooms the client holds, each with the newest eventSeq it applied (0: none). At most 500 per call. */
  rooms: { chatRoomId: string; afterEventSeq: number }[];
  /** Events per room, 1–500, default 100 (`hasMore` says when a room has more: sync again from the last one). */
  limit?: number;
}

export interface RoomSync {
  chatRoomId: string;
  /** The room's events after the cursor, in order (up to `limit`). */
  events: SyncEvent[];
  hasMore: boolean;
  /**
   * The cursor is older than the log keeps (or the user was away from the room meanwhile): `events` is empty;
   * reload the room (`joinChatRoom`, `getMessages`) and continue from its `lastEventSeq`.
   */
  resync: boolean;
  /** The user is not in the room (any more): no events; drop the room. */
  left: boolean;
}

export interface SyncResult {
  /** One per requested room, in the order asked. */
  rooms: RoomSync[];
  /** Rooms the user is in that were not asked about (joined meanwhile): whole views, with their `lastEventSeq`. */
  joined: ChatRoomView[];
  /** The user's read and delivered cursors in every room they are in now. */
  readStates: ReadState[];
}

// ---- client → server payloads ----

export interface CreateChatRoomPayload {
  type: ChatRoomType;
  name?: string;
  participantIds: string[];
}
export interface ChatRoomRef {
  chatRoomId: string;
}
export interface AddParticipantsPayload {
  chatRoomId: string;
  userIds: string[];
}
export interface RemoveParticipantPayload {
  chatRoomId: string;
  userId: string;
}
export interface UpdateChatRoomPayload {
  chatRoomId: string;
  name: string;
}
export interface SendMessagePayload {
  chatRoomId?: string;
  recipientId?: string;
  content: string;
  type?: Exclude<MessageType, 'SYSTEM'>;
  attachments?: Attachment[];
  clientMessageId?: string;
  /** Quote a message of the same room. */
  replyToId?: string;
  /** Reply in the thread of this root message of the same room (a thread's replies cannot have threads). */
  threadId?: string;
  /** Room members to mention (at most 50, distinct). */
  mentions?: string[];
}
export interface EditMessagePayload {
  messageId: string;
  content: string;
}
export interface MessageRef {
  messageId: string;
}
export interface GetMessagesPayload {
  chatRoomId: string;
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
  /** Leave thread replies out: the main timeline only. */
  excludeThreadReplies?: boolean;
}
/** A thread's replies, paged like `getMessages` (by their room seq). */
export interface GetThreadPayload {
  /** The thread's root message. */
  messageId: string;
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
}
export interface SearchMessagesPayload {
  /** Words to find (web-search syntax: `"a phrase"`, `or`, `-word`); word forms match (English, Russian). */
  query: string;
  /** Only this room; default every room the user belongs to. */
  chatRoomId?: string;
  /** 1–50, default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface TypingPayload {
  chatRoomId: string;
  isTyping: boolean;
}
export interface GetOnlineUsersPayload {
  /** Default: everyone the caller shares a room with. */
  userIds?: string[];
}
export interface MarkMessagePayload {
  chatRoomId: string;
  messageId: string;
}
export interface MuteChatRoomPayload {
  chatRoomId: string;
  /** ISO 8601, in the future; absent: until unmuted. */
  until?: string;
}
export interface ReactionPayload {
  messageId: string;
  /** One emoji (a grapheme: keycaps, flags and ZWJ sequences included) or a `:short_code:` of at most 64 characters. */
  emoji: string;
}
export interface GetReactionsPayload extends ReactionPayload {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** 1–100, default 50. */
  limit?: number;
}

// ---- server → client payloads ----

/**
 * Room changes travel as deltas, sent once to the room: their size depends on
 * what changed, never on how many people are in the room. The full room, as
 * one user sees it, is `joinChatRoom`'s ack or `GET /chat-rooms/:id`.
 */
export interface ParticipantsAddedEvent {
  chatRoomId: string;
  userIds: string[];
  /** The added participants, as a room view lists them (same order as `userIds`). */
  participants: ParticipantView[];
  addedBy: string;
}
export interface ParticipantRoleChange {
  userId: string;
  role: ParticipantRole;
}
/** What changed in a room; a field that is absent did not change. */
export interface ChatRoomUpdatedEvent {
  chatRoomId: string;
  /** The room's `updatedAt` after the change. */
  updatedAt: string;
  /** Who changed it (for a role passed on by a leaving owner: the leaver). */
  updatedBy: string;
  /** The new name of a GROUP. */
  name?: string;
  /** Participants whose role changed, with their new role. */
  roles?: ParticipantRoleChange[];
}
export interface ParticipantRemovedEvent {
  chatRoomId: string;
  userId: string;
  removedBy: string;
}
export interface MessageDeletedEvent {
  chatRoomId: string;
  messageId: string;
}

export interface UserTypingEvent {
  chatRoomId: string;
  userId: string;
  isTyping: boolean;
}
export interface UserStatusEvent {
  userId: string;
  isOnline: boolean;
  /** When the user was last seen: now while online (in the event: when they came online), their last disconnect once offline. */
  lastSeenAt: string | null;
}
export type DeliveryStatus = 'delivered' | 'read';
export interface MessageStatusEvent {
  chatRoomId: string;
  /** The message the cursor moved to; every earlier message of the room is covered too. */
  messageId: string;
  userId: string;
  status: DeliveryStatus;
  at: string;
}
/** A user you blocked (`blockUser`'s ack, `getBlockedUsers`). */
export interface BlockedUser {
  userId: string;
  /** From the host's directory (the id when the host no longer knows the user). */
  name: string;
  avatarUrl: string | null;
  blockedAt: string;
}
/** `muteChatRoom`/`unmuteChatRoom`'s ack and `chatRoomMuteChanged`: `mutedUntil` as in ChatRoomView. */
export interface MuteState {
  chatRoomId: string;
  mutedUntil: string | null;
}
export interface ReadState {
  chatRoomId: string;
  lastDeliveredSeq: number;
  lastReadSeq: number;
  unreadCount: number;
}
/** `reactionAdded` / `reactionRemoved`, and their acks. */
export interface ReactionEvent {
  chatRoomId: string;
  messageId: string;
  userId: string;
  emoji: string;
}
/** `threadUpdated`: a thread root's summary after a reply was added or deleted. */
export interface ThreadUpdatedEvent {
  chatRoomId: string;
  /** The root message. */
  messageId: string;
  thread: ThreadSummary;
}
export interface SearchPage {
  /** Newest first. */
  messages: MessageView[];
  /** Pass it as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}
export interface ReactionUser {
  userId: string;
  /** From the host's directory (the id when the host no longer knows the user). */
  name: string;
  avatarUrl: string | null;
  reactedAt: string;
}
export interface ReactionPage {
  /** Oldest reaction first. */
  users: ReactionUser[];
  /** Pass it as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}
/** `messagePinned` / `messageUnpinned`, and `pinMessage`'s ack. */
export interface MessagePinEvent {
  chatRoomId: string;
  messageId: string;
  pinnedBy: string;
  pinnedAt: string;
  /** `messageUnpinned` only: who unpinned it (also by deleting the message). */
  unpinnedBy?: string;
}
export interface NotificationEvent<T = unknown> {
  type: string;
  payload: T;
  createdAt: string;
}

export interface ClientToServerEvents {
  createChatRoom: (payload: CreateChatRoomPayload, ack: AckCallback<ChatRoomView>) => void;
  joinChatRoom: (payload: ChatRoomRef, ack: AckCallback<ChatRoomView>) => void;
  leaveChatRoom: (payload: ChatRoomRef, ack: AckCallback<ChatRoomRef>) => void;
  addParticipants: (payload: AddParticipantsPayload, ack: AckCallback<ChatRoomView>) => void;
  removeParticipant: (payload: RemoveParticipantPayload, ack: AckCallback<ChatRoomView>) => void;
  updateChatRoom: (payload: UpdateChatRoomPayload, ack: AckCallback<ChatRoomView>) => void;
  /** The stored message, with its newMessage event's eventSeq (also when clientMessageId repeats). */
  sendMessage: (payload: SendMessagePayload, ack: AckCallback<Stamped<MessageView>>) => void;
  editMessage: (payload: EditMessagePayload, ack: AckCallback<Stamped<MessageView>>) => void;
  deleteMessage: (payload: MessageRef, ack: AckCallback<MaybeStamped<MessageDeletedEvent>>) => void;
  getMessages: (payload: GetMessagesPayload, ack: AckCallback<MessagePage>) => void;
  getThread: (payload: GetThreadPayload, ack: AckCallback<MessagePage>) => void;
  /** Everything that changed in the user's rooms since the client's cursors (see SyncResult). */
  sync: (payload: SyncPayload, ack: AckCallback<SyncResult>) => void;
  searchMessages: (payload: SearchMessagesPayload, ack: AckCallback<SearchPage>) => void;
  getChatRooms: (payload: Record<string, never>, ack: AckCallback<ChatRoomView[]>) => void;
  typing: (payload: TypingPayload, ack: AckCallback<TypingPayload>) => void;
  getOnlineUsers: (payload: GetOnlineUsersPayload, ack: AckCallback<{ userIds: string[] }>) => void;
  markAsDelivered: (payload: MarkMessagePayload, ack: AckCallback<ReadState>) => void;
  markAsRead: (payload: MarkMessagePayload, ack: AckCallback<ReadState>) => void;
  markAsUnread: (payload: MarkMessagePayload, ack: AckCallback<ReadState>) => void;
  muteChatRoom: (payload: MuteChatRoomPayload, ack: AckCallback<MuteState>) => void;
  unmuteChatRoom: (payload: ChatRoomRef, ack: AckCallback<MuteState>) => void;
  blockUser: (payload: { userId: string }, ack: AckCallback<BlockedUser>) => void;
  unblockUser: (payload: { userId: string }, ack: AckCallback<{ userId: string }>) => void;
  getBlockedUsers: (payload: Record<string, never>, ack: AckCallback<BlockedUser[]>) => void;
  addReaction: (payload: ReactionPayload, ack: AckCallback<MaybeStamped<ReactionEvent>>) => void;
  removeReaction: (payload: ReactionPayload, ack: AckCallback<MaybeStamped<ReactionEvent>>) => void;
  getReactions: (payload: GetReactionsPayload, ack: AckCallback<ReactionPage>) => void;
  pinMessage: (payload: MessageRef, ack: AckCallback<MaybeStamped<MessagePinEvent>>) => void;
  unpinMessage: (payload: MessageRef, ack: AckCallback<MaybeStamped<MessageDeletedEvent>>) => void;
  getPinnedMessages: (payload: ChatRoomRef, ack: AckCallback<MessageView[]>) => void;
}

export interface ServerToClientEvents {
  /** To the users who were just given the room (created, or added): the only full view broadcast. */
  chatRoomCreated: (room: ChatRoomView) => void;
  chatRoomUpdated: (event: Stamped<ChatRoomUpdatedEvent>) => void;
  participantsAdded: (event: Stamped<ParticipantsAddedEvent>) => void;
  participantRemoved: (event: Stamped<ParticipantRemovedEvent>) => void;
  newMessage: (message: Stamped<MessageView>) => void;
  messageUpdated: (message: Stamped<MessageView>) => void;
  messageDeleted: (event: Stamped<MessageDeletedEvent>) => void;
  /** A thread root's summary changed: a reply was added (after its `newMessage`) or deleted. */
  threadUpdated: (event: Stamped<ThreadUpdatedEvent>) => void;
  userTyping: (event: UserTypingEvent) => void;
  userStatus: (event: UserStatusEvent) => void;
  messageStatus: (event: MessageStatusEvent) => void;
  /** To the user's own sockets only: their read cursor moved back (markAsUnread). */
  readStateChanged: (state: ReadState) => void;
  /** To the user's own sockets only: they muted or unmuted a room. */
  chatRoomMuteChanged: (state: MuteState) => void;
  reactionAdded: (event: Stamped<ReactionEvent>) => void;
  reactionRemoved: (event: Stamped<ReactionEvent>) => void;
  messagePinned: (event: Stamped<MessagePinEvent>) => void;
  messageUnpinned: (event: Stamped<MessagePinEvent>) => void;
  notification: (event: NotificationEvent) => void;
  /** An error for an event that was sent without an ack callback. */
  exception: (error: ErrorBody) => void;
}

/** Between the processes of one deployment (through the Redis adapter), never to clients. */
export interface InterServerEvents {
  /** `disconnectUser(userId)` ran: end the user's sockets, those still in their handshake included. */
  sessionsRevoked: (userId: string) => void;
  /** A process lost Redis for a while: every process re-checks its sockets' rooms and sessions. */
  resync: () => void;
  /** Users joined or left a room: sockets still in their handshake, which `socketsJoin`/`socketsLeave` skip, follow. */
  membershipChanged: (userIds: string[], change: MembershipChange) => void;
}

/** One change of room membership, for the sockets of some users. */
export interface MembershipChange {
  kind: 'join' | 'leave';
  chatRoomId: string;
}

/** socket.io room names: one per chat room, one per user (all of that user's sockets). */
const ROOM_PREFIX = 'chat:';
/** Lower case, as the chat writes its ids: an id host code passed in upper case still names the same channel. */
export const roomChannel = (chatRoomId: string): string => `${ROOM_PREFIX}${chatRoomId.toLowerCase()}`;
/** The chat room id of a socket.io room name, or undefined for other rooms (user channels, socket ids). */
export const chatRoomIdOf = (channel: string): string | undefined =>
  channel.startsWith(ROOM_PREFIX) ? channel.slice(ROOM_PREFIX.length) : undefined;
export const userChannel = (userId: string): string => `user:${userId}`;
