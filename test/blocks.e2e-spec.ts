import type { ErrorBody } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  errorOf,
  expectSilenceOn,
  fieldsOf,
  requestError,
  sendText,
  verifyAll,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { closeAllSockets, request, requestOk } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_BLOCKED = 3;
/** A host user id nobody has: what a blocked user must be unable to tell the blocker from. */
const GHOST = 'no-such-user-42';

/** The error as the unknown user GHOST would have it, with `userId` in its place: byte for byte. */
const asIfUnknown = (unknownError: ErrorBody, userId: string): string =>
  JSON.stringify(unknownError).replace(GHOST, userId);

describe('blocks (e2e)', () => {
  let t: TestApp;
  let bea: ChatUser; // blocks
  let bo: ChatUser; // is blocked
  let cy: ChatUser; // bystander

  const blocksOf = (blockerId: string) =>
    t.prisma.userBlock.findMany({ where: { blockerId }, orderBy: { blockedId: 'asc' } });
  const directKeyOf = (a: string, b: string): string => JSON.stringify(a < b ? [a, b] : [b, a]);

  beforeAll(async () => {
    t = await startTestApp({ chat: { limits: { maxBlockedUsers: MAX_BLOCKED } } });
  });
  beforeEach(async () => {
    [bea, bo, cy] = await createChatUsers(t, 'bea', 'bo', 'cy');
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  describe('blockUser, unblockUser, getBlockedUsers', () => {
    it('should store a block once however often it is asked, list it with the name, and remove it', async () => {
      const first = await requestOk(bea.socket, 'blockUser', { userId: bo.id });
      expect(first).toEqual({ userId: bo.id, name: 'bo', avatarUrl: null, blockedAt: expect.stringMatching(ISO) });
      expect(await requestOk(bea.socket, 'blockUser', { userId: bo.id })).toEqual(first);
      const rest = await http(t.url, 'POST', '/blocks', { token: bea.token, body: { userId: bo.id } });
      expect(rest.status).toBe(201);
      expect(rest.body).toEqual(first);
      expect(await blocksOf(bea.id)).toEqual([
        { blockerId: bea.id, blockedId: bo.id, createdAt: new Date(first.blockedAt) },
      ]);

      expect(await requestOk(bea.socket, 'getBlockedUsers', {})).toEqual([first]);
      expect((await http(t.url, 'GET', '/blocks', { token: bea.token })).body).toEqual([first]);
      // Blocks are one-way and one's own.
      expect(await requestOk(bo.socket, 'getBlockedUsers', {})).toEqual([]);

      expect(await requestOk(bea.socket, 'unblockUser', { userId: bo.id })).toEqual({ userId: bo.id });
      expect(await blocksOf(bea.id)).toEqual([]);
      await requestOk(bea.socket, 'blockUser', { userId: bo.id });
      const removed = await http(t.url, 'DELETE', `/blocks/${encodeURIComponent(bo.id)}`, { token: bea.token });
      expect(removed.status).toBe(200);
      expect(removed.body).toEqual({ userId: bo.id });
      expect(await blocksOf(bea.id)).toEqual([]);
      // Unblocking someone not blocked changes nothing.
      expect(await requestOk(bea.socket, 'unblockUser', { userId: bo.id })).toEqual({ userId: bo.id });
    });

    it('should refuse blocking oneself, an unknown user and bad input, storing nothing', async () => {
      const self = await requestError(bea.socket, 'blockUser', { userId: bea.id }, 'VALIDATION_FAILED');
      expect(fieldsOf(self)).toEqual(['userId']);
      const selfRest = await http(t.url, 'POST', '/blocks', { token: bea.token, body: { userId: bea.id } });
      expect(selfRest.status).toBe(400);
      expect(fieldsOf(selfRest.body)).toEqual(['userId']);

      const unknown = await requestError(bea.socket, 'blockUser', { userId: GHOST }, 'NOT_FOUND');
      expect(unknown.details).toEqual({ userIds: [GHOST] });
      expect(fieldsOf(await requestError(bea.socket, 'blockUser', { userId: 42 }, 'VALIDATION_FAILED'))).toEqual([
        'userId',
      ]);
      expect(fieldsOf(await requestError(bea.socket, 'blockUser', {}, 'VALIDATION_FAILED'))).toEqual(['userId']);
      expect(await blocksOf(bea.id)).toEqual([]);
    });

    it(`should cap a user's blocks at ${MAX_BLOCKED}, still answering blocks already made`, async () => {
      const others = await createChatUsers(t, ...Array.from({ length: MAX_BLOCKED + 1 }, (_, i) => `many${i}`));
      for (const other of others.slice(0, MAX_BLOCKED)) await requestOk(bea.socket, 'blockUser', { userId: other.id });

      const over = await requestError(bea.socket, 'blockUser', { userId: others[MAX_BLOCKED].id }, 'LIMIT_REACHED');
      expect(over.details).toEqual({ userIds: [bea.id], limit: MAX_BLOCKED });
      expect(await requestOk(bea.socket, 'blockUser', { userId: others[0].id })).toMatchObject({
        userId: others[0].id,
      });
      expect(await blocksOf(bea.id)).toHaveLength(MAX_BLOCKED);
    });

    // The embedded database runs one statement at a time and would hide the race.
    (process.env.DATABASE_URL ? it : it.skip)(
      `should hold the cap of ${MAX_BLOCKED} when one user blocks ${MAX_BLOCKED + 5} others at once (PostgreSQL)`,
      async () => {
        const [racer] = await createChatUsers(t, 'racer');
        const others = await createChatUsers(t, ...Array.from({ length: MAX_BLOCKED + 5 }, (_, i) => `raced${i}`));
        const acks = await Promise.all(others.map((o) => request(racer.socket, 'blockUser', { userId: o.id })));
        expect(acks.filter((a) => a.ok)).toHaveLength(MAX_BLOCKED);
        expect(acks.filter((a) => !a.ok).map((a) => errorOf(a).code)).toEqual(Array(5).fill('LIMIT_REACHED'));
        expect(await blocksOf(racer.id)).toHaveLength(MAX_BLOCKED);
      },
    );
  });

  describe('what a block refuses, answered as for an unknown user', () => {
    it('should refuse the blocked user a DIRECT room with the blocker, over the socket and REST, storing and telling nothing', async () => {
      await requestOk(bea.socket, 'blockUser', { userId: bo.id });
      const unknown = errorOf(await request(bo.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [GHOST] }));
      const unknownRest = await http(t.url, 'POST', '/chat-rooms', {
        token: bo.token,
        body: { type: 'DIRECT', participantIds: [GHOST] },
      });
      const silences = await expectSilenceOn([bea.socket], 'chatRoomCreated');

      const blocked = errorOf(await request(bo.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [bea.id] }));
      const blockedSend = errorOf(await request(bo.socket, 'sendMessage', { recipientId: bea.id, content: 'hi' }));
      const blockedRest = await http(t.url, 'POST', '/chat-rooms', {
        token: bo.token,
        body: { type: 'DIRECT', participantIds: [bea.id] },
      });

      expect(unknown).toEqual({ code: 'NOT_FOUND', message: expect.any(String), details: { userIds: [GHOST] } });
      expect(JSON.stringify(blocked)).toBe(asIfUnknown(unknown, bea.id));
      expect(JSON.stringify(blockedSend)).toBe(asIfUnknown(unknown, bea.id));
      expect(blockedRest.status).toBe(unknownRest.status);
      expect(JSON.stringify(blockedRest.body)).toBe(JSON.stringify(unknownRest.body).replace(GHOST, bea.id));
      expect(await t.prisma.chatRoom.count({ where: { directKey: directKeyOf(bea.id, bo.id) } })).toBe(0);
      await verifyAll(silences);

      // One-way: the blocker may still open it.
      await requestOk(bea.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [bo.id] });
    });

    it('should keep an existing DIRECT room but refuse sends from the blocked side until unblocked', async () => {
      const direct = await requestOk(bo.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [bea.id] });
      await sendText(bo, direct.id, 'before the block');
      await requestOk(bea.socket, 'blockUser', { userId: bo.id });
      const unknown = errorOf(await request(bo.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [GHOST] }));
      const silences = await expectSilenceOn([bea.socket, bo.socket], 'newMessage');

      const refused = errorOf(await request(bo.socket, 'sendMessage', { chatRoomId: direct.id, content: 'hello?' }));
      const byRecipient = errorOf(await request(bo.socket, 'sendMessage', { recipientId: bea.id, content: 'hello?' }));
      const rest = await http(t.url, 'POST', `/chat-rooms/${direct.id}/messages`, {
        token: bo.token,
        body: { content: 'hello?' },
      });

      expect(JSON.stringify(refused)).toBe(asIfUnknown(unknown, bea.id));
      expect(JSON.stringify(byRecipient)).toBe(asIfUnknown(unknown, bea.id));
      expect(rest.status).toBe(404);
      expect(rest.body).toMatchObject({ code: 'NOT_FOUND', message: unknown.message });
      expect(await t.prisma.message.count({ where: { chatRoomId: direct.id } })).toBe(1);
      await verifyAll(silences);
      // The room stays, for both, and the blocker may still write in it.
      expect((await requestOk(bo.socket, 'getChatRooms', {})).map((r) => r.id)).toContain(direct.id);
      expect(await sendText(bea, direct.id, 'still here')).toMatchObject({ seq: 2 });

      await requestOk(bea.socket, 'unblockUser', { userId: bo.id });
      expect(await sendText(bo, direct.id, 'thanks')).toMatchObject({ seq: 3 });
    });

    it('should refuse the blocked user adding the blocker to a group, or creating one with them, and leave group messages alone', async () => {
      const shared = await createGroup(cy, [bea, bo], 'Shared');
      const own = await createGroup(bo, [cy], 'Own');
      await requestOk(bea.socket, 'blockUser', { userId: bo.id });
      const unknownAdd = errorOf(await request(bo.socket, 'addParticipants', { chatRoomId: own.id, userIds: [GHOST] }));
      const unknownCreate = errorOf(
        await request(bo.socket, 'createChatRoom', { type: 'GROUP', name: 'G', participantIds: [cy.id, GHOST] }),
      );
      const silences = await expectSilenceOn([bea.socket], 'chatRoomCreated');

      const add = errorOf(await request(bo.socket, 'addParticipants', { chatRoomId: own.id, userIds: [bea.id] }));
      const create = errorOf(
        await request(bo.socket, 'createChatRoom', { type: 'GROUP', name: 'G', participantIds: [cy.id, bea.id] }),
      );
      const mixed = errorOf(
        await request(bo.socket, 'addParticipants', { chatRoomId: own.id, userIds: [GHOST, bea.id] }),
      );

      expect(JSON.stringify(add)).toBe(asIfUnknown(unknownAdd, bea.id));
      expect(JSON.stringify(create)).toBe(asIfUnknown(unknownCreate, bea.id));
      expect(mixed.details).toEqual({ userIds: [GHOST, bea.id] });
      expect(await t.prisma.chatRoomParticipant.count({ where: { chatRoomId: own.id } })).toBe(2);
      expect(await t.prisma.chatRoomParticipant.count({ where: { userId: bea.id } })).toBe(1);
      await verifyAll(silences);

      // Groups they already share are untouched; others may still put the blocker in a group.
      expect(await sendText(bo, shared.id, 'in the group')).toMatchObject({ seq: 1 });
      const cyGroup = await createGroup(cy, [bea], 'Cy');
      expect(cyGroup.participants.map((p) => p.userId)).toContain(bea.id);
    });

    it('should check blocks per pair: a block by someone else changes nothing for the blocked user', async () => {
      await requestOk(cy.socket, 'blockUser', { userId: bo.id });
      const direct = await requestOk(bo.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [bea.id] });
      expect(await sendText(bo, direct.id, 'hi bea')).toMatchObject({ seq: 1 });
    });
  });
});
