import { FakeNamespace } from '../../test/helpers/fake-namespace';
import { ChatConfig } from '../config/chat-config';
import { ChatEmitter } from '../realtime/chat.emitter';
import { TypingService } from './typing.service';
import { LocalTypingStore } from './typing.store';

const TYPIST = 'user-typist';
const MATE = 'user-mate';
const OUTSIDER = 'user-outsider';
const ROOM = '00000000-0000-4000-8000-0000000000f1';
const OTHER_ROOM = '00000000-0000-4000-8000-0000000000f2';
const TIMEOUT_MS = 1000;

describe(TypingService.name, () => {
  let namespace: FakeNamespace;
  let store: LocalTypingStore;
  let service: TypingService;

  /** What each socket was told about typing, as [userId, isTyping]. */
  const seenAt = (socketId: string): [string, boolean][] =>
    namespace.received(socketId, 'userTyping').map((e) => [e.userId, e.isTyping]);

  beforeEach(() => {
    jest.useFakeTimers();
    namespace = new FakeNamespace();
    // The typist has two tabs; the mate shares the room; the outsider is only in another room.
    namespace.connect('typist1', TYPIST, [ROOM, OTHER_ROOM]);
    namespace.connect('typist2', TYPIST, [ROOM]);
    namespace.connect('mate1', MATE, [ROOM]);
    namespace.connect('mate2', MATE, [ROOM]);
    namespace.connect('outsider1', OUTSIDER, [OTHER_ROOM]);
    const emitter = new ChatEmitter();
    emitter.bind(namespace.asNamespace());
    store = new LocalTypingStore();
    const config = new ChatConfig({
      authenticate: () => null,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/chat-unit' },
      typing: { timeoutMs: TIMEOUT_MS },
    });
    service = new TypingService(store, emitter, config);
  });

  afterEach(() => {
    service.onModuleDestroy();
    jest.useRealTimers();
  });

  it('should broadcast typing to every socket of the room’s other users, never to the typist’s own', async () => {
    expect(await service.start(TYPIST, ROOM)).toBe(true);

    expect(namespace.received('mate1', 'userTyping')).toEqual([{ chatRoomId: ROOM, userId: TYPIST, isTyping: true }]);
    expect(namespace.receivers('userTyping')).toEqual(['mate1', 'mate2']);
  });

  it('should not tell the typist’s own sockets when typing ends, by stop or by the timeout', async () => {
    await service.start(TYPIST, ROOM);
    await service.stop(TYPIST, ROOM);
    await service.start(TYPIST, ROOM);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);

    expect(seenAt('mate1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
      [TYPIST, true],
      [TYPIST, false],
    ]);
    expect(namespace.receivers('userTyping')).toEqual(['mate1', 'mate2']);
  });

  it('should end by itself typing.timeoutMs after the start, with one broadcast', async () => {
    await service.start(TYPIST, ROOM);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
    expect(seenAt('mate1')).toEqual([[TYPIST, true]]);

    await jest.advanceTimersByTimeAsync(1);
    expect(seenAt('mate1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
    ]);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS * 5);
    expect(seenAt('mate1')).toHaveLength(2);
    expect(await store.roomsOf(TYPIST)).toEqual([]);
  });

  it('should renew silently: a repeated start broadcasts nothing and moves the timeout', async () => {
    await service.start(TYPIST, ROOM);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS / 2);
    expect(await service.start(TYPIST, ROOM)).toBe(false);
    expect(seenAt('mate1')).toEqual([[TYPIST, true]]);

    // Past the first start's deadline: still typing.
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS / 2 + TIMEOUT_MS / 4);
    expect(seenAt('mate1')).toEqual([[TYPIST, true]]);

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS / 4);
    expect(seenAt('mate1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
    ]);
  });

  it('should end once when asked, and not again when the timeout comes', async () => {
    await service.start(TYPIST, ROOM);
    expect(await service.stop(TYPIST, ROOM)).toBe(true);
    expect(await service.stop(TYPIST, ROOM)).toBe(false);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS * 2);

    expect(seenAt('mate1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
    ]);
  });

  it('should keep rooms apart: typing in one room is not shown in another', async () => {
    await service.start(TYPIST, OTHER_ROOM);
    expect(namespace.receivers('userTyping')).toEqual(['outsider1']);
    await service.stopAllFor(TYPIST);
    expect(seenAt('outsider1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
    ]);
    expect(namespace.receivers('userTyping')).toEqual(['outsider1']);
  });

  it('should end every room of the user on stopAllFor (their last socket went)', async () => {
    await service.start(TYPIST, ROOM);
    await service.start(TYPIST, OTHER_ROOM);
    await service.stopAllFor(TYPIST);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS * 2);

    expect(seenAt('mate1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
    ]);
    expect(seenAt('outsider1')).toEqual([
      [TYPIST, true],
      [TYPIST, false],
    ]);
  });

  it('should leave the expiry to the latest renewal: an older token ends nothing', async () => {
    // Another node renewed after this one (the store holds its token): this node's timer must not end it.
    await service.start(TYPIST, ROOM);
    await store.start(ROOM, TYPIST, 'renewed-elsewhere');
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);

    expect(seenAt('mate1')).toEqual([[TYPIST, true]]);
    expect(await store.roomsOf(TYPIST)).toEqual([ROOM]);
  });
});
