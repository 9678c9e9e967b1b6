import { randomUUID } from 'node:crypto';
import type { ChatRoomView, ParticipantRole } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  errorOf,
  expectAlive,
  expectSilence,
  expectSilenceOn,
  fieldsOf,
  inRoom,
  requestError,
  sendText,
  setParticipant,
  UNKNOWN_ID,
  verifyAll,
  unstamped,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { closeAllSockets, connectChat, request, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** userId → role, as a room view shows them. */
const rolesOf = (room: ChatRoomView): Record<string, ParticipantRole> =>
  Object.fromEntries(room.participants.map((p) => [p.userId, p.role]));

describe('chat rooms (e2e)', () => {
  let t: TestApp;
  // Reused across tests: every test makes its own rooms, and roles are per room.
  let olga: ChatUser; // creates the rooms (OWNER)
  let adam: ChatUser; // made ADMIN where a test needs one
  let mia: ChatUser;
  let mo: ChatUser;
  let xena: ChatUser; // the outsider, unless a test adds her
  /** A DIRECT room of olga and mo. */
  let direct: ChatRoomView;

  /** userId → role, as stored. */
  const storedRoles = async (chatRoomId: string): Promise<Record<string, ParticipantRole>> =>
    Object.fromEntries(
      (await t.prisma.chatRoomParticipant.findMany({ where: { chatRoomId } })).map((p) => [p.userId, p.role]),
    );

  /** Everything stored about a room, to compare before and after a refused change. */
  const snapshot = async (chatRoomId: string) => ({
    room: await t.prisma.chatRoom.findUnique({ where: { id: chatRoomId } }),
    participants: await t.prisma.chatRoomParticipant.findMany({
      where: { chatRoomId },
      orderBy: { userId: 'asc' },
    }),
  });

  beforeAll(async () => {
    t = await startTestApp();
    [olga, adam, mia, mo, xena] = await createChatUsers(t, 'olga', 'adam', 'mia', 'mo', 'xena');
    direct = await requestOk(olga.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [mo.id] });
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('createChatRoom', () => {
    it('should create a GROUP room with the creator as OWNER, announce it to every participant and join their sockets', async () => {
      const silentXena = await expectSilence(xena.socket, 'chatRoomCreated');
      const named = (r: ChatRoomView): boolean => r.name === 'Design team';
      const announced = [olga, adam, mia].map((u) => waitForEvent(u.socket, 'chatRoomCreated', 5000, named));

      const room = await requestOk(olga.socket, 'createChatRoom', {
        type: 'GROUP',
        name: '  Design team  ',
        participantIds: [adam.id, mia.id],
      });

      expect(room).toEqual({
        id: expect.any(String),
        type: 'GROUP',
        name: 'Design team',
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
        lastMessageAt: null,
        participants: expect.any(Array),
        lastMessage: null,
        unreadCount: 0,
        unreadMentionCount: 0,
        mutedUntil: null,
        lastEventSeq: 0,
      });
      expect(rolesOf(room)).toEqual({ [olga.id]: 'OWNER', [adam.id]: 'MEMBER', [mia.id]: 'MEMBER' });
      for (const p of room.participants) expect(p.joinedAt).toMatch(ISO);
      for (const event of await Promise.all(announced)) expect(event).toEqual(room);
      await silentXena.verify();

      const stored = await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } });
      expect(stored).toMatchObject({ type: 'GROUP', name: 'Design team', directKey: null, lastSeq: 0 });
      expect(await storedRoles(room.id)).toEqual(rolesOf(room));

      // Every participant's socket was joined to the new room; the outsider's was not.
      const silentMessages = await expectSilence(xena.socket, 'newMessage', inRoom(room.id));
      const delivered = [adam, mia].map((u) => waitForEvent(u.socket, 'newMessage', 5000, inRoom(room.id)));
      const message = await sendText(olga, room.id, 'welcome');
      for (const m of await Promise.all(delivered)) expect(m).toEqual(message);
      await silentMessages.verify();
    });

    it('should create a DIRECT room with exactly one other user and announce it to both', async () => {
      const [p, q] = await createChatUsers(t, 'p', 'q');
      const onP = waitForEvent(p.socket, 'chatRoomCreated');
      const onQ = waitForEvent(q.socket, 'chatRoomCreated');
      const room = await requestOk(p.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [q.id] });

      expect(room).toMatchObject({ type: 'DIRECT', name: null, lastMessage: null, unreadCount: 0 });
      expect(rolesOf(room)).toEqual({ [p.id]: 'MEMBER', [q.id]: 'MEMBER' });
      expect(await onP).toEqual(room);
      expect((await onQ).id).toBe(room.id);
      const stored = await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } });
      expect(stored).toMatchObject({ type: 'DIRECT', name: null });
      expect(stored.directKey).toContain(p.id);
      expect(stored.directKey).toContain(q.id);
      expect(await storedRoles(room.id)).toEqual(rolesOf(room));
    });

    it('should return the existing DIRECT room of a pair, whoever asks, without a broadcast', async () => {
      const [p, q] = await createChatUsers(t, 'p', 'q');
      const first = await requestOk(p.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [q.id] });
      await sendText(p, first.id, 'hi');
      const silent = await expectSilenceOn([p.socket, q.socket], 'chatRoomCreated');

      const again = await requestOk(q.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [p.id] });
      const repeat = await requestOk(p.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [q.id] });

      expect(again.id).toBe(first.id);
      expect(repeat.id).toBe(first.id);
      expect(again.unreadCount).toBe(1); // as q sees it
      expect(again.lastMessage?.content).toBe('hi');
      await verifyAll(silent);
      const rooms = await t.prisma.chatRoom.findMany({
        where: { type: 'DIRECT', participants: { some: { userId: p.id } } },
      });
      expect(rooms.map((r) => r.id)).toEqual([first.id]);
    });

    it('should end racing DIRECT creations for one pair in a single room', async () => {
      const [p, q] = await createChatUsers(t, 'p', 'q');
      const [a, b] = await Promise.all([
        requestOk(p.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [q.id] }),
        requestOk(q.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [p.id] }),
      ]);
      expect(a.id).toBe(b.id);
      expect(await t.prisma.chatRoom.count({ where: { participants: { some: { userId: p.id } } } })).toBe(1);
      expect(await t.prisma.chatRoomParticipant.count({ where: { chatRoomId: a.id } })).toBe(2);
    });

    it.each<[string, (me: ChatUser) => unknown, string[]]>([
      ['a DIRECT room with oneself', (me) => ({ type: 'DIRECT', participantIds: [me.id] }), ['participantIds']],
      [
        'a DIRECT room with two others',
        () => ({ type: 'DIRECT', participantIds: [mia.id, mo.id] }),
        ['participantIds'],
      ],
      ['a DIRECT room with a name', () => ({ type: 'DIRECT', name: 'Us', participantIds: [mia.id] }), ['name']],
      ['a GROUP without a name', () => ({ type: 'GROUP', participantIds: [mia.id] }), ['name']],
      ['a GROUP with a blank name', () => ({ type: 'GROUP', name: '   ', participantIds: [mia.id] }), ['name']],
      [
        'a GROUP with a 101-character name',
        () => ({ type: 'GROUP', name: 'n'.repeat(101), participantIds: [mia.id] }),
        ['name'],
      ],
      ['a GROUP with a non-string name', () => ({ type: 'GROUP', name: 42, participantIds: [mia.id] }), ['name']],
      ['a GROUP with nobody else', () => ({ type: 'GROUP', name: 'Alone', participantIds: [] }), ['participantIds']],
      [
        'a GROUP with 101 others',
        () => ({ type: 'GROUP', name: 'Crowd', participantIds: Array.from({ length: 101 }, () => randomUUID()) }),
        ['participantIds'],
      ],
      [
        'a GROUP naming oneself',
        (me) => ({ type: 'GROUP', name: 'Me too', participantIds: [mia.id, me.id] }),
        ['participantIds'],
      ],
      [
        'duplicate participant ids',
        () => ({ type: 'GROUP', name: 'Dup', participantIds: [mia.id, mia.id] }),
        ['participantIds'],
      ],
      [
        'a participant id that is not a user id (a number)',
        () => ({ type: 'GROUP', name: 'Bad id', participantIds: [42] }),
        ['participantIds'],
      ],
      [
        'participantIds that are not an array',
        () => ({ type: 'GROUP', name: 'x', participantIds: mia.id }),
        ['participantIds'],
      ],
      ['an unknown type', () => ({ type: 'CHANNEL', name: 'x', participantIds: [mia.id] }), ['type']],
      ['an empty payload', () => ({}), ['participantIds', 'type']],
      [
        'an unknown field',
        () => ({ type: 'GROUP', name: 'x', participantIds: [mia.id], ownerId: mia.id }),
        ['ownerId'],
      ],
      ['a string payload', () => 'GROUP', ['body']],
    ])('should refuse %s with VALIDATION_FAILED naming the fields, and store nothing', async (_, payload, fields) => {
      const rooms = await t.prisma.chatRoom.count();
      const participants = await t.prisma.chatRoomParticipant.count();
      const silent = await expectSilenceOn([olga.socket, mia.socket, mo.socket], 'chatRoomCreated');

      const error = await requestError(olga.socket, 'createChatRoom', payload(olga), 'VALIDATION_FAILED');
      expect(fieldsOf(error)).toEqual(fields);

      await verifyAll(silent);
      expect(await t.prisma.chatRoom.count()).toBe(rooms);
      expect(await t.prisma.chatRoomParticipant.count()).toBe(participants);
      await expectAlive(olga.socket);
    });

    it.each([
      ['a GROUP', (): unknown => ({ type: 'GROUP', name: 'Ghosts', participantIds: [mia.id, UNKNOWN_ID] })],
      ['a DIRECT room', (): unknown => ({ type: 'DIRECT', participantIds: [UNKNOWN_ID] })],
    ])('should refuse %s with unknown users with NOT_FOUND naming them, and store nothing', async (_, payload) => {
      const rooms = await t.prisma.chatRoom.count();
      const silent = await expectSilence(mia.socket, 'chatRoomCreated');
      const error = await requestError(olga.socket, 'createChatRoom', payload(), 'NOT_FOUND');
      expect(error.details).toEqual({ userIds: [UNKNOWN_ID] });
      await silent.verify();
      expect(await t.prisma.chatRoom.count()).toBe(rooms);
      await expectAlive(olga.socket);
    });
  });

  describe('joinChatRoom', () => {
    it('should give a participant the room as they see it', async () => {
      const room = await createGroup(olga, [mia], 'Join me');
      await sendText(olga, room.id, 'one');
      const last = await sendText(olga, room.id, 'two');

      const seenByMia = await requestOk(mia.socket, 'joinChatRoom', { chatRoomId: room.id });
      const seenByOlga = await requestOk(olga.socket, 'joinChatRoom', { chatRoomId: room.id });

      expect(seenByMia).toMatchObject({
        id: room.id,
        name: 'Join me',
        unreadCount: 2,
        lastMessage: unstamped(last),
        lastEventSeq: 2,
      });
      expect(seenByMia.lastMessageAt).toBe(last.createdAt);
      expect(seenByOlga).toMatchObject({ id: room.id, unreadCount: 0, lastMessage: unstamped(last) });
      const olgasCursor = await t.prisma.chatRoomParticipant.findUniqueOrThrow({
        where: { chatRoomId_userId: { chatRoomId: room.id, userId: olga.id } },
      });
      expect(olgasCursor.lastReadSeq).toBe(2);
    });

    it('should refuse a non-participant with FORBIDDEN and not subscribe their socket', async () => {
      const room = await createGroup(olga, [mia], 'Members only');
      await requestError(xena.socket, 'joinChatRoom', { chatRoomId: room.id }, 'FORBIDDEN');

      const silent = await expectSilence(xena.socket, 'newMessage', inRoom(room.id));
      const toMia = waitForEvent(mia.socket, 'newMessage', 5000, inRoom(room.id));
      await sendText(olga, room.id, 'secret');
      await toMia;
      await silent.verify();
      expect(await storedRoles(room.id)).toEqual({ [olga.id]: 'OWNER', [mia.id]: 'MEMBER' });
      await expectAlive(xena.socket);
    });

    it.each<[string, string, unknown]>([
      ['an unknown room', 'NOT_FOUND', { chatRoomId: UNKNOWN_ID }],
      ['a room id that is not a uuid', 'VALIDATION_FAILED', { chatRoomId: 'room-1' }],
      ['a missing room id', 'VALIDATION_FAILED', {}],
    ])('should refuse joining %s with %s', async (_, code, payload) => {
      const error = await requestError(olga.socket, 'joinChatRoom', payload, code as 'NOT_FOUND');
      if (code === 'VALIDATION_FAILED') expect(fieldsOf(error)).toEqual(['chatRoomId']);
      await expectAlive(olga.socket);
    });
  });

  describe('leaveChatRoom', () => {
    it("should remove the leaver, tell the room and every one of the leaver's sockets, and stop their messages", async () => {
      const room = await createGroup(olga, [adam, mia], 'Leavers');
      const mia2 = await connectChat(t.url, mia.token);
      const removed = { chatRoomId: room.id, userId: mia.id, removedBy: mia.id, eventSeq: 1 };
      const told = [olga.socket, adam.socket, mia.socket, mia2].map((s) =>
        waitForEvent(s, 'participantRemoved', 5000, inRoom(room.id)),
      );

      expect(await requestOk(mia.socket, 'leaveChatRoom', { chatRoomId: room.id })).toEqual({ chatRoomId: room.id });

      for (const event of await Promise.all(told)) expect(event).toEqual(removed);
      expect(await storedRoles(room.id)).toEqual({ [olga.id]: 'OWNER', [adam.id]: 'MEMBER' });

      const silent = await expectSilenceOn([mia.socket, mia2], 'newMessage', inRoom(room.id));
      const toAdam = waitForEvent(adam.socket, 'newMessage', 5000, inRoom(room.id));
      await sendText(olga, room.id, 'after mia left');
      await toAdam;
      await verifyAll(silent);

      const miasRooms = await requestOk(mia.socket, 'getChatRooms', {});
      expect(miasRooms.map((r) => r.id)).not.toContain(room.id);
      await requestError(mia.socket, 'getMessages', { chatRoomId: room.id }, 'FORBIDDEN');
      mia2.disconnect();
    });

    it('should refuse to leave a DIRECT room with FORBIDDEN and keep both participants', async () => {
      const before = await snapshot(direct.id);
      const silent = await expectSilence(mo.socket, 'participantRemoved');
      await requestError(olga.socket, 'leaveChatRoom', { chatRoomId: direct.id }, 'FORBIDDEN');
      await silent.verify();
      expect(await snapshot(direct.id)).toEqual(before);
      await expectAlive(olga.socket);
    });

    it.each<[string, string, () => unknown]>([
      ['a room the user is not in', 'FORBIDDEN', () => ({ chatRoomId: direct.id })],
      ['an unknown room', 'NOT_FOUND', () => ({ chatRoomId: UNKNOWN_ID })],
      ['a room id that is not a uuid', 'VALIDATION_FAILED', () => ({ chatRoomId: 42 })],
    ])('should refuse leaving %s with %s and change nothing', async (_, code, payload) => {
      const participants = await t.prisma.chatRoomParticipant.count();
      const error = await requestError(xena.socket, 'leaveChatRoom', payload(), code as 'FORBIDDEN');
      if (code === 'VALIDATION_FAILED') expect(fieldsOf(error)).toEqual(['chatRoomId']);
      expect(await t.prisma.chatRoomParticipant.count()).toBe(participants);
      await expectAlive(xena.socket);
    });

    it('should pass ownership to the longest-standing ADMIN when the last OWNER leaves', async () => {
      const room = await createGroup(olga, [mia, adam, mo], 'Succession');
      await setParticipant(t, room.id, mia.id, { role: 'MEMBER', joinedAt: new Date('2020-01-01T00:00:01Z') });
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN', joinedAt: new Date('2020-01-01T00:00:03Z') });
      await setParticipant(t, room.id, mo.id, { role: 'ADMIN', joinedAt: new Date('2020-01-01T00:00:02Z') });
      const updated = waitForEvent(adam.socket, 'chatRoomUpdated', 5000, inRoom(room.id));

      await requestOk(olga.socket, 'leaveChatRoom', { chatRoomId: room.id });

      const expected = { [mia.id]: 'MEMBER', [adam.id]: 'ADMIN', [mo.id]: 'OWNER' };
      expect(await storedRoles(room.id)).toEqual(expected);
      // A delta naming only the promoted participant, not the room.
      expect(await updated).toEqual({
        chatRoomId: room.id,
        updatedAt: room.updatedAt,
        updatedBy: olga.id,
        roles: [{ userId: mo.id, role: 'OWNER' }],
        // Logged right after olga's own removal.
        eventSeq: 2,
      });
      // The new owner can now manage the room.
      await requestOk(mo.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Succeeded' });
    });

    it('should pass ownership to the longest-standing MEMBER when the last OWNER leaves a group without admins', async () => {
      const room = await createGroup(olga, [mia, mo], 'Succession 2');
      await setParticipant(t, room.id, mia.id, { joinedAt: new Date('2020-01-01T00:00:02Z') });
      await setParticipant(t, room.id, mo.id, { joinedAt: new Date('2020-01-01T00:00:01Z') });
      const updated = waitForEvent(mia.socket, 'chatRoomUpdated', 5000, inRoom(room.id));

      await requestOk(olga.socket, 'leaveChatRoom', { chatRoomId: room.id });

      const expected = { [mia.id]: 'MEMBER', [mo.id]: 'OWNER' };
      expect(await storedRoles(room.id)).toEqual(expected);
      expect((await updated).roles).toEqual([{ userId: mo.id, role: 'OWNER' }]);
    });

    it('should promote nobody when an OWNER leaves while another OWNER remains', async () => {
      const room = await createGroup(olga, [mia, adam], 'Two owners');
      await setParticipant(t, room.id, mia.id, { role: 'OWNER' });
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      const silent = await expectSilence(mia.socket, 'chatRoomUpdated', inRoom(room.id));
      await requestOk(olga.socket, 'leaveChatRoom', { chatRoomId: room.id });
      expect(await storedRoles(room.id)).toEqual({ [mia.id]: 'OWNER', [adam.id]: 'ADMIN' });
      await silent.verify();
    });
  });

  describe('addParticipants', () => {
    it('should add users as MEMBERs with the history read, tell the room, announce the room to them and join their sockets', async () => {
      const room = await createGroup(olga, [mia], 'Growing');
      await sendText(olga, room.id, 'before you came');
      const last = await sendText(mia, room.id, 'still before');
      const added = {
        chatRoomId: room.id,
        userIds: [adam.id, mo.id],
        // The newcomers as a view lists them, so the room can show them without fetching itself again.
        participants: [adam, mo].map((u) => ({
          userId: u.id,
          name: u.name,
          avatarUrl: null,
          role: 'MEMBER',
          joinedAt: expect.stringMatching(ISO),
        })),
        addedBy: olga.id,
        eventSeq: 3,
      };
      const toRoom = [olga, mia].map((u) => waitForEvent(u.socket, 'participantsAdded', 5000, inRoom(room.id)));
      const announced = [adam, mo].map((u) => waitForEvent(u.socket, 'chatRoomCreated', 5000, inRoom(room.id)));
      const silentXena = await expectSilence(xena.socket, 'chatRoomCreated', inRoom(room.id));

      const view = await requestOk(olga.socket, 'addParticipants', { chatRoomId: room.id, userIds: [adam.id, mo.id] });

      expect(rolesOf(view)).toEqual({ [olga.id]: 'OWNER', [mia.id]: 'MEMBER', [adam.id]: 'MEMBER', [mo.id]: 'MEMBER' });
      for (const event of await Promise.all(toRoom)) {
        expect(event).toEqual(added);
        expect(event.participants).toEqual(view.participants.filter((p) => [adam.id, mo.id].includes(p.userId)));
      }
      for (const event of await Promise.all(announced)) {
        expect(event).toMatchObject({ id: room.id, name: 'Growing', unreadCount: 0, lastMessage: unstamped(last) });
        expect(rolesOf(event)).toEqual(rolesOf(view));
      }
      await silentXena.verify();

      const stored = await t.prisma.chatRoomParticipant.findMany({ where: { chatRoomId: room.id } });
      expect(stored.map((p) => [p.userId, p.role, p.lastReadSeq]).sort()).toEqual(
        [
          [olga.id, 'OWNER', 1],
          [mia.id, 'MEMBER', 2],
          [adam.id, 'MEMBER', 2],
          [mo.id, 'MEMBER', 2],
        ].sort(),
      );
      const adamsView = await requestOk(adam.socket, 'joinChatRoom', { chatRoomId: room.id });
      expect(adamsView.unreadCount).toBe(0);

      // The added users' sockets were joined: they get the next message.
      const delivered = [adam, mo].map((u) => waitForEvent(u.socket, 'newMessage', 5000, inRoom(room.id)));
      const next = await sendText(mia, room.id, 'welcome aboard');
      for (const m of await Promise.all(delivered)) expect(m).toEqual(next);
    });

    it('should let an ADMIN add participants', async () => {
      const room = await createGroup(olga, [adam], 'Admin adds');
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      const view = await requestOk(adam.socket, 'addParticipants', { chatRoomId: room.id, userIds: [mia.id] });
      expect(rolesOf(view)[mia.id]).toBe('MEMBER');
      expect((await storedRoles(room.id))[mia.id]).toBe('MEMBER');
    });

    it.each<[string, () => ChatUser, boolean]>([
      ['a MEMBER', () => mia, false],
      ['a non-participant', () => xena, false],
      ['anyone, in a DIRECT room', () => olga, true],
    ])('should refuse %s adding participants with FORBIDDEN and change nothing', async (_, actor, inDirect) => {
      const room = inDirect ? direct : await createGroup(olga, [mia], 'No adding');
      const newcomer = inDirect ? mia : adam;
      const before = await snapshot(room.id);
      const silentRoom = await expectSilence(olga.socket, 'participantsAdded', inRoom(room.id));
      const silentNewcomer = await expectSilence(newcomer.socket, 'chatRoomCreated', inRoom(room.id));

      await requestError(
        actor().socket,
        'addParticipants',
        { chatRoomId: room.id, userIds: [newcomer.id] },
        'FORBIDDEN',
      );

      await verifyAll([silentRoom, silentNewcomer]);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(actor().socket);
    });

    it('should refuse adding a user twice with CONFLICT, add none of the batch, and store no duplicate row', async () => {
      const room = await createGroup(olga, [mia], 'No duplicates');
      const before = await snapshot(room.id);
      const silent = await expectSilence(mia.socket, 'participantsAdded', inRoom(room.id));
      const silentAdam = await expectSilence(adam.socket, 'chatRoomCreated', inRoom(room.id));

      const error = await requestError(
        olga.socket,
        'addParticipants',
        { chatRoomId: room.id, userIds: [adam.id, mia.id] },
        'CONFLICT',
      );
      expect(error.details).toEqual({ userIds: [mia.id] });

      await verifyAll([silent, silentAdam]);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(olga.socket);
    });

    it('should let only one of two concurrent adds of the same user succeed', async () => {
      const room = await createGroup(olga, [adam], 'Race to add');
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      const announcements: ChatRoomView[] = [];
      const onMo = (r: ChatRoomView): void => {
        if (r.id === room.id) announcements.push(r);
      };
      mo.socket.on('chatRoomCreated', onMo);

      const acks = await Promise.all([
        request(olga.socket, 'addParticipants', { chatRoomId: room.id, userIds: [mo.id] }),
        request(adam.socket, 'addParticipants', { chatRoomId: room.id, userIds: [mo.id] }),
      ]);

      expect(acks.filter((a) => a.ok)).toHaveLength(1);
      expect(acks.filter((a) => !a.ok).map((a) => errorOf(a).code)).toEqual(['CONFLICT']);
      expect(await t.prisma.chatRoomParticipant.count({ where: { chatRoomId: room.id, userId: mo.id } })).toBe(1);
      await expectAlive(mo.socket);
      mo.socket.off('chatRoomCreated', onMo);
      expect(announcements).toHaveLength(1);
    });

    it('should refuse unknown users with NOT_FOUND naming them, and add none of the batch', async () => {
      const room = await createGroup(olga, [mia], 'Ghost guests');
      const before = await snapshot(room.id);
      const error = await requestError(
        olga.socket,
        'addParticipants',
        { chatRoomId: room.id, userIds: [adam.id, UNKNOWN_ID] },
        'NOT_FOUND',
      );
      expect(error.details).toEqual({ userIds: [UNKNOWN_ID] });
      expect(await snapshot(room.id)).toEqual(before);
    });

    it.each<[string, string, (roomId: string) => unknown, string[] | null]>([
      ['an unknown room', 'NOT_FOUND', () => ({ chatRoomId: UNKNOWN_ID, userIds: [mo.id] }), null],
      ['no users', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, userIds: [] }), ['userIds']],
      [
        'a user id longer than 255',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, userIds: ['m'.repeat(256)] }),
        ['userIds'],
      ],
      ['a user the host does not know', 'NOT_FOUND', (id) => ({ chatRoomId: id, userIds: ['mo'] }), null],
      ['the same user twice', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, userIds: [mo.id, mo.id] }), ['userIds']],
      [
        'a room id that is not a uuid',
        'VALIDATION_FAILED',
        () => ({ chatRoomId: 'x', userIds: [mo.id] }),
        ['chatRoomId'],
      ],
      ['missing fields', 'VALIDATION_FAILED', () => ({}), ['chatRoomId', 'userIds']],
      [
        'an unknown field',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, userIds: [mo.id], role: 'ADMIN' }),
        ['role'],
      ],
    ])('should refuse adding with %s with %s and change nothing', async (_, code, payload, fields) => {
      const room = await createGroup(olga, [mia], 'Bad adds');
      const before = await snapshot(room.id);
      const error = await requestError(olga.socket, 'addParticipants', payload(room.id), code as 'NOT_FOUND');
      if (fields) expect(fieldsOf(error)).toEqual(fields);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(olga.socket);
    });
  });

  describe('removeParticipant', () => {
    it("should remove a MEMBER, tell the room and the removed user, and unsubscribe the removed user's sockets", async () => {
      const room = await createGroup(olga, [adam, mia], 'Removal');
      const removed = { chatRoomId: room.id, userId: mia.id, removedBy: olga.id, eventSeq: 1 };
      const told = [olga, adam, mia].map((u) => waitForEvent(u.socket, 'participantRemoved', 5000, inRoom(room.id)));

      const view = await requestOk(olga.socket, 'removeParticipant', { chatRoomId: room.id, userId: mia.id });

      expect(rolesOf(view)).toEqual({ [olga.id]: 'OWNER', [adam.id]: 'MEMBER' });
      for (const event of await Promise.all(told)) expect(event).toEqual(removed);
      expect(await storedRoles(room.id)).toEqual(rolesOf(view));

      const silent = await expectSilence(mia.socket, 'newMessage', inRoom(room.id));
      const toAdam = waitForEvent(adam.socket, 'newMessage', 5000, inRoom(room.id));
      await sendText(olga, room.id, 'mia is gone');
      await toAdam;
      await silent.verify();
      await requestError(mia.socket, 'sendMessage', { chatRoomId: room.id, content: 'let me in' }, 'FORBIDDEN');
    });

    it('should let an ADMIN remove a MEMBER', async () => {
      const room = await createGroup(olga, [adam, mia], 'Admin removes');
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      const told = waitForEvent(mia.socket, 'participantRemoved', 5000, inRoom(room.id));
      const view = await requestOk(adam.socket, 'removeParticipant', { chatRoomId: room.id, userId: mia.id });
      expect(await told).toEqual({ chatRoomId: room.id, userId: mia.id, removedBy: adam.id, eventSeq: 1 });
      expect(rolesOf(view)).toEqual({ [olga.id]: 'OWNER', [adam.id]: 'ADMIN' });
      expect(await storedRoles(room.id)).toEqual(rolesOf(view));
    });

    it('should let an OWNER remove another OWNER', async () => {
      const room = await createGroup(olga, [mia], 'Co-owners');
      await setParticipant(t, room.id, mia.id, { role: 'OWNER' });
      await requestOk(olga.socket, 'removeParticipant', { chatRoomId: room.id, userId: mia.id });
      expect(await storedRoles(room.id)).toEqual({ [olga.id]: 'OWNER' });
    });

    it.each<[string, string, () => ChatUser, () => ChatUser]>([
      ['an ADMIN removing another ADMIN', 'FORBIDDEN', () => adam, () => mo],
      ['a MEMBER removing a MEMBER', 'FORBIDDEN', () => mia, () => xena],
      ['a non-participant removing a MEMBER', 'FORBIDDEN', () => xena, () => mia],
      ['the last OWNER removing themselves', 'CONFLICT', () => olga, () => olga],
    ])('should refuse %s with %s and change nothing', async (_, code, actor, target) => {
      // olga OWNER, adam ADMIN, mo ADMIN, mia MEMBER, xena MEMBER (xena is an outsider in the non-participant case).
      const others = code === 'FORBIDDEN' && actor() === xena ? [adam, mo, mia] : [adam, mo, mia, xena];
      const room = await createGroup(olga, others, 'Refused removal');
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      await setParticipant(t, room.id, mo.id, { role: 'ADMIN' });
      const before = await snapshot(room.id);
      const silent = await expectSilence(target().socket, 'participantRemoved', inRoom(room.id));

      await requestError(
        actor().socket,
        'removeParticipant',
        { chatRoomId: room.id, userId: target().id },
        code as 'FORBIDDEN',
      );

      await silent.verify();
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(actor().socket);
    });

    it('should refuse an ADMIN removing the only OWNER and change nothing', async () => {
      const room = await createGroup(olga, [adam], 'Coup');
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      const before = await snapshot(room.id);
      const error = errorOf(await request(adam.socket, 'removeParticipant', { chatRoomId: room.id, userId: olga.id }));
      // Both rules forbid it (admins remove members only; the last owner cannot be removed).
      expect(['FORBIDDEN', 'CONFLICT']).toContain(error.code);
      expect(await snapshot(room.id)).toEqual(before);
    });

    it('should refuse removing anyone from a DIRECT room with FORBIDDEN', async () => {
      const before = await snapshot(direct.id);
      await requestError(olga.socket, 'removeParticipant', { chatRoomId: direct.id, userId: mo.id }, 'FORBIDDEN');
      expect(await snapshot(direct.id)).toEqual(before);
    });

    it.each<[string, string, (roomId: string) => unknown, string[] | null]>([
      ['a user who is not a participant', 'NOT_FOUND', (id) => ({ chatRoomId: id, userId: xena.id }), null],
      ['from an unknown room', 'NOT_FOUND', () => ({ chatRoomId: UNKNOWN_ID, userId: mia.id }), null],
      ['an empty user id', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, userId: '' }), ['userId']],
      ['with missing fields', 'VALIDATION_FAILED', () => ({}), ['chatRoomId', 'userId']],
    ])('should refuse removing %s with %s', async (_, code, payload, fields) => {
      const room = await createGroup(olga, [mia], 'Bad removals');
      const before = await snapshot(room.id);
      const error = await requestError(olga.socket, 'removeParticipant', payload(room.id), code as 'NOT_FOUND');
      if (fields) expect(fieldsOf(error)).toEqual(fields);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(olga.socket);
    });
  });

  describe('updateChatRoom', () => {
    it('should rename a GROUP, answer with the room and tell every participant what changed', async () => {
      const room = await createGroup(olga, [mia, adam], 'Old name');
      await sendText(olga, room.id, 'unread for the others');
      const onMia = waitForEvent(mia.socket, 'chatRoomUpdated', 5000, inRoom(room.id));
      const onOlga = waitForEvent(olga.socket, 'chatRoomUpdated', 5000, inRoom(room.id));
      const silentXena = await expectSilence(xena.socket, 'chatRoomUpdated', inRoom(room.id));

      const view = await requestOk(olga.socket, 'updateChatRoom', { chatRoomId: room.id, name: '  New name ' });

      expect(view).toMatchObject({ id: room.id, name: 'New name', unreadCount: 0 });
      expect(Date.parse(view.updatedAt)).toBeGreaterThanOrEqual(Date.parse(room.updatedAt));
      const delta = {
        chatRoomId: room.id,
        name: 'New name',
        updatedAt: view.updatedAt,
        updatedBy: olga.id,
        eventSeq: 2,
      };
      expect(await onMia).toEqual(delta);
      expect(await onOlga).toEqual(delta);
      await silentXena.verify();
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).name).toBe('New name');
      // The full room, unread count included, is one request away.
      expect(await requestOk(mia.socket, 'joinChatRoom', { chatRoomId: room.id })).toMatchObject({
        name: 'New name',
        updatedAt: view.updatedAt,
        unreadCount: 1,
      });
    });

    it('should broadcast nothing when the name does not change', async () => {
      const room = await createGroup(olga, [mia], 'Same name');
      const silent = await expectSilence(mia.socket, 'chatRoomUpdated', inRoom(room.id));
      const view = await requestOk(olga.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Same name' });
      expect(view.updatedAt).toBe(room.updatedAt);
      await silent.verify();
    });

    it('should tell a 300-member room of a rename with one event whose size does not grow with the room', async () => {
      const room = await createGroup(olga, [mia], 'Crowd');
      // 298 more members, straight into the database (through the API it would take 298 registrations).
      const crowd = await Promise.all(
        Array.from({ length: 298 }, (_, i) =>
          t.users.create({ email: `crowd-${i}-${room.id}@example.test`, name: `Crowd ${i}`, passwordHash: 'x' }),
        ),
      );
      await t.prisma.chatRoomParticipant.createMany({
        data: crowd.map((u) => ({ chatRoomId: room.id, userId: u.id })),
      });
      const seen: unknown[] = [];
      const record = (event: { chatRoomId: string }): void => {
        if (event.chatRoomId === room.id) seen.push(event);
      };
      mia.socket.on('chatRoomUpdated', record);
      const arrived = waitForEvent(mia.socket, 'chatRoomUpdated', 5000, inRoom(room.id));

      const view = await requestOk(olga.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Crowd renamed' });
      await arrived;
      // A round trip on mia's socket: anything else sent to her before it has arrived by now.
      await requestOk(mia.socket, 'getChatRooms', {});
      mia.socket.off('chatRoomUpdated', record);

      expect(view.participants).toHaveLength(300);
      expect(seen).toEqual([
        { chatRoomId: room.id, name: 'Crowd renamed', updatedAt: view.updatedAt, updatedBy: olga.id, eventSeq: 1 },
      ]);
      expect(JSON.stringify(seen[0]).length).toBeLessThan(1024);
    });

    it('should let an ADMIN rename a GROUP', async () => {
      const room = await createGroup(olga, [adam], 'Before admin');
      await setParticipant(t, room.id, adam.id, { role: 'ADMIN' });
      const onOlga = waitForEvent(olga.socket, 'chatRoomUpdated', 5000, inRoom(room.id));
      const view = await requestOk(adam.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'After admin' });
      expect(view.name).toBe('After admin');
      expect((await onOlga).name).toBe('After admin');
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).name).toBe('After admin');
    });

    it.each<[string, string, () => ChatUser, (groupId: string) => unknown, string[] | null]>([
      ['by a MEMBER', 'FORBIDDEN', () => mia, (id) => ({ chatRoomId: id, name: 'Mine now' }), null],
      ['by a non-participant', 'FORBIDDEN', () => xena, (id) => ({ chatRoomId: id, name: 'Mine now' }), null],
      ['a DIRECT room', 'FORBIDDEN', () => olga, () => ({ chatRoomId: direct.id, name: 'Us' }), null],
      ['an unknown room', 'NOT_FOUND', () => olga, () => ({ chatRoomId: UNKNOWN_ID, name: 'x' }), null],
      ['to an empty name', 'VALIDATION_FAILED', () => olga, (id) => ({ chatRoomId: id, name: '' }), ['name']],
      ['to a blank name', 'VALIDATION_FAILED', () => olga, (id) => ({ chatRoomId: id, name: '  ' }), ['name']],
      [
        'to a 101-character name',
        'VALIDATION_FAILED',
        () => olga,
        (id) => ({ chatRoomId: id, name: 'x'.repeat(101) }),
        ['name'],
      ],
      ['to a non-string name', 'VALIDATION_FAILED', () => olga, (id) => ({ chatRoomId: id, name: ['x'] }), ['name']],
      ['without a name', 'VALIDATION_FAILED', () => olga, (id) => ({ chatRoomId: id }), ['name']],
      [
        'with an unknown field',
        'VALIDATION_FAILED',
        () => olga,
        (id) => ({ chatRoomId: id, name: 'x', type: 'DIRECT' }),
        ['type'],
      ],
    ])('should refuse renaming %s with %s and change nothing', async (_, code, actor, payload, fields) => {
      const room = await createGroup(olga, [mia], 'Keep this name');
      const target = payload(room.id) as { chatRoomId?: string };
      const watched = target.chatRoomId ?? room.id;
      const before = await snapshot(watched);
      const silent = await expectSilence(olga.socket, 'chatRoomUpdated');

      const error = await requestError(actor().socket, 'updateChatRoom', target, code as 'FORBIDDEN');
      if (fields) expect(fieldsOf(error)).toEqual(fields);

      await silent.verify();
      expect(await snapshot(watched)).toEqual(before);
      await expectAlive(actor().socket);
    });
  });

  describe('getChatRooms', () => {
    it("should list only the user's rooms, most recently active first, with their unread counts", async () => {
      const [u, v, w] = await createChatUsers(t, 'u', 'v', 'w');
      const first = await createGroup(v, [u], 'First');
      const second = await createGroup(v, [u], 'Second');
      const third = await createGroup(v, [u], 'Third');
      await createGroup(v, [w], 'Not for u');
      await sendText(v, first.id, 'bump the first room');
      await sendText(v, first.id, 'and again');
      await sendText(u, second.id, 'my own message');

      const rooms = await requestOk(u.socket, 'getChatRooms', {});

      expect(rooms.map((r) => r.name)).toEqual(['Second', 'First', 'Third']);
      expect(rooms.map((r) => r.unreadCount)).toEqual([0, 2, 0]);
      expect(rooms[1].lastMessage?.content).toBe('and again');
      expect(rooms[2].lastMessage).toBeNull();
      const rest = await http(t.url, 'GET', '/chat-rooms', { token: u.token });
      expect(rest.status).toBe(200);
      expect(rest.body).toEqual(rooms);
      expect(rooms.map((r) => r.id).sort()).toEqual([first.id, second.id, third.id].sort());
    });
  });

  describe('REST /chat-rooms', () => {
    it.each([
      ['GET', '/chat-rooms'],
      ['POST', '/chat-rooms'],
      ['GET', `/chat-rooms/${UNKNOWN_ID}`],
      ['PATCH', `/chat-rooms/${UNKNOWN_ID}`],
      ['POST', `/chat-rooms/${UNKNOWN_ID}/participants`],
      ['DELETE', `/chat-rooms/${UNKNOWN_ID}/participants/${UNKNOWN_ID}`],
    ])('should answer %s %s without a token with 401', async (method, path) => {
      const res = await http(t.url, method, path, method === 'GET' ? {} : { body: {} });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized' });
    });

    it('should create a GROUP with 201 and broadcast it to the participants’ sockets', async () => {
      const announced = [olga, mia].map((u) =>
        waitForEvent(u.socket, 'chatRoomCreated', 5000, (r) => r.name === 'REST group'),
      );
      const res = await http(t.url, 'POST', '/chat-rooms', {
        token: olga.token,
        body: { type: 'GROUP', name: 'REST group', participantIds: [mia.id] },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ type: 'GROUP', name: 'REST group', unreadCount: 0, lastMessage: null });
      expect(rolesOf(res.body)).toEqual({ [olga.id]: 'OWNER', [mia.id]: 'MEMBER' });
      for (const event of await Promise.all(announced)) expect(event).toEqual(res.body);
      expect(await storedRoles(res.body.id)).toEqual(rolesOf(res.body));
    });

    it('should create a DIRECT room with 201, then answer 200 with the same room and broadcast nothing', async () => {
      const [p, q] = await createChatUsers(t, 'p', 'q');
      const onQ = waitForEvent(q.socket, 'chatRoomCreated');
      const created = await http(t.url, 'POST', '/chat-rooms', {
        token: p.token,
        body: { type: 'DIRECT', participantIds: [q.id] },
      });
      expect(created.status).toBe(201);
      expect((await onQ).id).toBe(created.body.id);

      const silent = await expectSilenceOn([p.socket, q.socket], 'chatRoomCreated');
      const existing = await http(t.url, 'POST', '/chat-rooms', {
        token: q.token,
        body: { type: 'DIRECT', participantIds: [p.id] },
      });
      expect(existing.status).toBe(200);
      expect(existing.body.id).toBe(created.body.id);
      await verifyAll(silent);
      expect(await t.prisma.chatRoom.count({ where: { participants: { some: { userId: p.id } } } })).toBe(1);
    });

    it.each<[string, number, string, { body?: unknown; rawBody?: string }, string[] | null]>([
      [
        'a DIRECT room with oneself',
        400,
        'VALIDATION_FAILED',
        { body: { type: 'DIRECT', participantIds: ['SELF'] } },
        ['participantIds'],
      ],
      [
        'a GROUP without a name',
        400,
        'VALIDATION_FAILED',
        { body: { type: 'GROUP', participantIds: ['MIA'] } },
        ['name'],
      ],
      [
        'a room from wrong types',
        400,
        'VALIDATION_FAILED',
        { body: { type: 1, name: 2, participantIds: 'x' } },
        ['name', 'participantIds', 'type'],
      ],
      [
        'a room with an unknown field',
        400,
        'VALIDATION_FAILED',
        { body: { type: 'GROUP', name: 'x', participantIds: ['MIA'], x: 1 } },
        ['x'],
      ],
      ['a room from a body that is not an object', 400, 'VALIDATION_FAILED', { rawBody: '["GROUP"]' }, ['body']],
      [
        'a room with an unknown user',
        404,
        'NOT_FOUND',
        { body: { type: 'GROUP', name: 'x', participantIds: [UNKNOWN_ID] } },
        null,
      ],
    ])('should refuse creating %s with %d %s and store nothing', async (_, status, code, input, fields) => {
      const replace = (value: unknown): unknown =>
        JSON.parse(JSON.stringify(value).replaceAll('SELF', olga.id).replaceAll('MIA', mia.id));
      const rooms = await t.prisma.chatRoom.count();
      const res = await http(t.url, 'POST', '/chat-rooms', {
        token: olga.token,
        ...(input.rawBody === undefined ? { body: replace(input.body) } : { rawBody: input.rawBody }),
      });
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, code, message: expect.anything() });
      if (fields) expect(fieldsOf(res.body)).toEqual(fields);
      expect(await t.prisma.chatRoom.count()).toBe(rooms);
    });

    it('should get a room for a participant and refuse others with 403, unknown rooms with 404 and bad ids with 400', async () => {
      const room = await createGroup(olga, [mia], 'REST get');
      await sendText(olga, room.id, 'for mia');

      const ok = await http(t.url, 'GET', `/chat-rooms/${room.id}`, { token: mia.token });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ id: room.id, name: 'REST get', unreadCount: 1 });
      expect(ok.body).toEqual(await requestOk(mia.socket, 'joinChatRoom', { chatRoomId: room.id }));

      const forbidden = await http(t.url, 'GET', `/chat-rooms/${room.id}`, { token: xena.token });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', error: 'Forbidden' });

      const missing = await http(t.url, 'GET', `/chat-rooms/${UNKNOWN_ID}`, { token: mia.token });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found' });

      const bad = await http(t.url, 'GET', '/chat-rooms/not-a-uuid', { token: mia.token });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request' });
    });

    it('should rename with PATCH, broadcast chatRoomUpdated, and refuse members and bad names', async () => {
      const room = await createGroup(olga, [mia], 'REST old');
      const onMia = waitForEvent(mia.socket, 'chatRoomUpdated', 5000, inRoom(room.id));
      const ok = await http(t.url, 'PATCH', `/chat-rooms/${room.id}`, {
        token: olga.token,
        body: { name: 'REST new' },
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ id: room.id, name: 'REST new' });
      expect((await onMia).name).toBe('REST new');

      const silent = await expectSilence(olga.socket, 'chatRoomUpdated', inRoom(room.id));
      const member = await http(t.url, 'PATCH', `/chat-rooms/${room.id}`, { token: mia.token, body: { name: 'Mine' } });
      expect(member.status).toBe(403);
      expect(member.body.code).toBe('FORBIDDEN');
      const blank = await http(t.url, 'PATCH', `/chat-rooms/${room.id}`, { token: olga.token, body: { name: ' ' } });
      expect(blank.status).toBe(400);
      expect(fieldsOf(blank.body)).toEqual(['name']);
      const extra = await http(t.url, 'PATCH', `/chat-rooms/${room.id}`, {
        token: olga.token,
        body: { name: 'x', chatRoomId: room.id },
      });
      expect(extra.status).toBe(400);
      expect(fieldsOf(extra.body)).toEqual(['chatRoomId']);
      await silent.verify();
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).name).toBe('REST new');
    });

    it('should add participants with 200, broadcast like the socket path, and answer 409 for a duplicate', async () => {
      const room = await createGroup(olga, [mia], 'REST add');
      const toMia = waitForEvent(mia.socket, 'participantsAdded', 5000, inRoom(room.id));
      const toMo = waitForEvent(mo.socket, 'chatRoomCreated', 5000, inRoom(room.id));
      const ok = await http(t.url, 'POST', `/chat-rooms/${room.id}/participants`, {
        token: olga.token,
        body: { userIds: [mo.id] },
      });
      expect(ok.status).toBe(200);
      expect(rolesOf(ok.body)).toEqual({ [olga.id]: 'OWNER', [mia.id]: 'MEMBER', [mo.id]: 'MEMBER' });
      expect(await toMia).toEqual({
        chatRoomId: room.id,
        userIds: [mo.id],
        participants: [ok.body.participants.find((p: { userId: string }) => p.userId === mo.id)],
        addedBy: olga.id,
        eventSeq: 1,
      });
      expect((await toMo).id).toBe(room.id);

      const again = await http(t.url, 'POST', `/chat-rooms/${room.id}/participants`, {
        token: olga.token,
        body: { userIds: [mo.id] },
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ statusCode: 409, code: 'CONFLICT', error: 'Conflict' });
      const member = await http(t.url, 'POST', `/chat-rooms/${room.id}/participants`, {
        token: mia.token,
        body: { userIds: [adam.id] },
      });
      expect(member.status).toBe(403);
      const invalid = await http(t.url, 'POST', `/chat-rooms/${room.id}/participants`, {
        token: olga.token,
        body: { userIds: [''] },
      });
      expect(invalid.status).toBe(400);
      expect(fieldsOf(invalid.body)).toEqual(['userIds']);
      expect(await storedRoles(room.id)).toEqual(rolesOf(ok.body));
    });

    it('should remove a participant with DELETE, broadcast like the socket path, and refuse bad requests', async () => {
      const room = await createGroup(olga, [mia, mo], 'REST remove');
      const told = [olga, mia].map((u) => waitForEvent(u.socket, 'participantRemoved', 5000, inRoom(room.id)));
      const ok = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/${mia.id}`, { token: olga.token });
      expect(ok.status).toBe(200);
      expect(rolesOf(ok.body)).toEqual({ [olga.id]: 'OWNER', [mo.id]: 'MEMBER' });
      for (const event of await Promise.all(told)) {
        expect(event).toEqual({ chatRoomId: room.id, userId: mia.id, removedBy: olga.id, eventSeq: 1 });
      }

      const notThere = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/${mia.id}`, {
        token: olga.token,
      });
      expect(notThere.status).toBe(404);
      const byMember = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/${olga.id}`, {
        token: mo.token,
      });
      expect([403, 409]).toContain(byMember.status);
      const lastOwner = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/${olga.id}`, {
        token: olga.token,
      });
      expect(lastOwner.status).toBe(409);
      expect(lastOwner.body.code).toBe('CONFLICT');
      const badId = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/${'m'.repeat(256)}`, {
        token: olga.token,
      });
      expect(badId.status).toBe(400);
      expect(badId.body.details).toEqual([{ field: 'userId', errors: [expect.any(String)] }]);
      const notMember = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/mo`, { token: olga.token });
      expect(notMember.status).toBe(404);
      expect(await storedRoles(room.id)).toEqual({ [olga.id]: 'OWNER', [mo.id]: 'MEMBER' });
    });
  });
});
