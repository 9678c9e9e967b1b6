import type {
  Ack,
  ChatRoomView,
  ErrorBody,
  MessageView,
  ParticipantRole,
  Stamped,
  ServerToClientEvents,
} from '../../src/contract/chat.events';
import { registerUser } from './http';
import { ChatClient, connectChat, recordNone, request, requestOk } from './socket';
import type { TestApp } from './test-app';

/** A registered user with one connected `/chat` socket. */
export interface ChatUser {
  id: string;
  email: string;
  name: string;
  token: string;
  socket: ChatClient;
}

/** Registers `names.length` users at once and connects one socket for each. */
export async function createChatUsers(t: TestApp, ...names: string[]): Promise<ChatUser[]> {
  return Promise.all(
    names.map(async (name) => {
      const registered = await registerUser(t.url, name);
      const socket = await connectChat(t.url, registered.token);
      return { ...registered.user, token: registered.token, socket };
    }),
  );
}

/** A GROUP room created by `owner` (OWNER) with `members` (MEMBERs), through the socket. */
export function createGroup(owner: ChatUser, members: ChatUser[], name = 'Team'): Promise<ChatRoomView> {
  return requestOk(owner.socket, 'createChatRoom', {
    type: 'GROUP',
    name,
    participantIds: members.map((m) => m.id),
  });
}

/** Sends a text message through the socket and returns the stored message. */
export function sendText(user: ChatUser, chatRoomId: string, content: string): Promise<Stamped<MessageView>> {
  return requestOk(user.socket, 'sendMessage', { chatRoomId, content });
}

/**
 * Gives a participant a role (and optionally a join time) directly in the
 * database: there is no API to appoint admins, so tests set them up here.
 */
export async function setParticipant(
  t: TestApp,
  chatRoomId: string,
  userId: string,
  data: { role?: ParticipantRole; joinedAt?: Date },
): Promise<void> {
  await t.prisma.chatRoomParticipant.update({ where: { chatRoomId_userId: { chatRoomId, userId } }, data });
}

/** Asserts a failed ack and returns its error. */
export function errorOf<T>(ack: Ack<T>): ErrorBody {
  if (ack.ok) throw new Error(`expected a failed ack, got ${JSON.stringify(ack.data)}`);
  return ack.error;
}

/** The field names of a VALIDATION_FAILED error, sorted. */
export function fieldsOf(error: { details?: unknown }): string[] {
  const details = error.details as { field: string }[] | undefined;
  if (!Array.isArray(details)) throw new Error(`no field details in ${JSON.stringify(error)}`);
  return details.map((d) => d.field).sort();
}

/** Sends `event` and expects a failed ack with `code`; returns the error. */
export async function requestError(
  socket: ChatClient,
  event: Parameters<typeof request>[1],
  payload: unknown,
  code: ErrorBody['code'],
): Promise<ErrorBody> {
  const error = errorOf(await request(socket, event, payload));
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  return error;
}

/** Asserts the socket is still connected and answering (a getChatRooms round trip succeeds). */
export async function expectAlive(socket: ChatClient): Promise<void> {
  expect(socket.connected).toBe(true);
  const ack = await request(socket, 'getChatRooms', {});
  expect(ack.ok).toBe(true);
}

type ServerEvent = keyof ServerToClientEvents;
type PayloadOf<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

export interface Silence {
  /**
   * Asserts that nothing matching arrived since `expectSilence` was called:
   * a round trip on the watched socket first (socket.io keeps a socket's
   * packets in order, so anything broadcast to it before has arrived by the
   * time the ack does), then a short margin. For events sent at once, not
   * batched ones such as `userStatus` (use recordNone's default wait).
   */
  verify(marginMs?: number): Promise<void>;
}

/**
 * Starts recording `event` on `socket` before an action, so an event that
 * arrives before the action's positive outcome is awaited is not missed.
 * A round trip first lets events of earlier actions arrive, so they are
 * not mistaken for this action's.
 */
export async function expectSilence<E extends ServerEvent>(
  socket: ChatClient,
  event: E,
  predicate: (payload: PayloadOf<E>) => boolean = () => true,
): Promise<Silence> {
  if (socket.connected) await request(socket, 'getChatRooms', {});
  const none = recordNone(socket, event, predicate);
  return { verify: (marginMs = 50) => none.verify(marginMs) };
}

/** expectSilence on several sockets at once. */
export function expectSilenceOn<E extends ServerEvent>(
  sockets: ChatClient[],
  event: E,
  predicate?: (payload: PayloadOf<E>) => boolean,
): Promise<Silence[]> {
  return Promise.all(sockets.map((s) => expectSilence(s, event, predicate)));
}

/** Verifies several silences at once (their margins overlap). */
export async function verifyAll(silences: Silence[], marginMs?: number): Promise<void> {
  await Promise.all(silences.map((s) => s.verify(marginMs)));
}

/** A uuid that belongs to nothing. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Predicate: an event about this chat room. */
export const inRoom =
  (chatRoomId: string) =>
  (payload: { chatRoomId?: string; id?: string }): boolean =>
    (payload.chatRoomId ?? payload.id) === chatRoomId;

/** A stamped payload (an ack or broadcast of a room event) as a view shows it: without its `eventSeq`. */
export function unstamped<T extends object>(payload: T & { eventSeq?: number }): Omit<T, 'eventSeq'> {
  const { eventSeq: _eventSeq, ...view } = payload;
  return view;
}
