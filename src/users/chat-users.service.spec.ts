import { AppError } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { ChatUserProfile } from '../config/chat-options';
import { ChatUsersService } from './chat-users.service';

describe(ChatUsersService.name, () => {
  /** The host's users, as its directory knows them now; tests add to it. */
  let known: Map<string, ChatUserProfile>;
  let findByIds: jest.Mock<Promise<ChatUserProfile[]>, [string[]]>;

  function service(usersCacheTtlMs?: number): ChatUsersService {
    return new ChatUsersService(
      new ChatConfig({
        authenticate: () => null,
        users: { findByIds },
        database: { dataDir: '/tmp/chat-users-spec' },
        usersCacheTtlMs,
      }),
    );
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    known = new Map(['alice', 'bob', 'carol'].map((id) => [id, { id, name: `User ${id}` }]));
    findByIds = jest.fn(async (ids: string[]) => ids.flatMap((id) => known.get(id) ?? []));
  });
  afterEach(() => jest.useRealTimers());

  it('should ask the directory once for all the ids it does not hold, each once', async () => {
    const users = service();
    const found = await users.profiles(['alice', 'bob', 'alice', 'nobody']);
    expect(findByIds).toHaveBeenCalledTimes(1);
    expect(findByIds).toHaveBeenCalledWith(['alice', 'bob', 'nobody']);
    expect([...found.keys()]).toEqual(['alice', 'bob']);
    expect(found.get('alice')).toEqual({ id: 'alice', name: 'User alice', avatarUrl: null });
  });

  it('should serve cached users within usersCacheTtlMs and ask only for the others', async () => {
    const users = service(1000);
    await users.profiles(['alice']);
    jest.advanceTimersByTime(999);
    const found = await users.profiles(['alice', 'bob']);
    expect(findByIds).toHaveBeenCalledTimes(2);
    expect(findByIds).toHaveBeenLastCalledWith(['bob']);
    expect(found.get('alice')).toMatchObject({ name: 'User alice' });
  });

  it('should not ask the directory at all when every id is cached', async () => {
    const users = service(1000);
    await users.profiles(['alice', 'bob']);
    known.set('alice', { id: 'alice', name: 'Renamed' });
    const found = await users.profiles(['bob', 'alice']);
    expect(findByIds).toHaveBeenCalledTimes(1);
    expect(found.get('alice')).toMatchObject({ name: 'User alice' });
  });

  it('should ask again once usersCacheTtlMs has passed, and see changes', async () => {
    const users = service(1000);
    await users.profiles(['alice']);
    known.set('alice', { id: 'alice', name: 'Renamed' });
    jest.advanceTimersByTime(1000);
    const found = await users.profiles(['alice']);
    expect(findByIds).toHaveBeenCalledTimes(2);
    expect(findByIds).toHaveBeenLastCalledWith(['alice']);
    expect(found.get('alice')).toMatchObject({ name: 'Renamed' });
  });

  it('should never cache an unknown id: a user the host creates later is found at once', async () => {
    const users = service(60_000);
    expect((await users.profiles(['dave'])).has('dave')).toBe(false);
    known.set('dave', { id: 'dave', name: 'Dave' });
    expect((await users.profiles(['dave'])).get('dave')).toMatchObject({ name: 'Dave' });
    expect(findByIds).toHaveBeenCalledTimes(2);
  });

  it('should ask the directory every time when usersCacheTtlMs is 0', async () => {
    const users = service(0);
    await users.profiles(['alice']);
    await users.profiles(['alice']);
    expect(findByIds).toHaveBeenCalledTimes(2);
  });

  it('should take numeric ids from the directory as their decimal strings', async () => {
    findByIds.mockResolvedValue([{ id: 42 as unknown as string, name: 'Answer' }]);
    const users = service();
    const found = await users.profiles(['42']);
    expect(found.get('42')).toEqual({ id: '42', name: 'Answer', avatarUrl: null });
    await expect(users.assertExist(['42'])).resolves.toBeUndefined();
  });

  it('should ignore users the directory returns that were not asked for, and not cache them', async () => {
    findByIds.mockResolvedValueOnce([
      { id: 'alice', name: 'User alice' },
      { id: 'mallory', name: 'Mallory' },
    ]);
    const users = service();
    const found = await users.profiles(['alice']);
    expect([...found.keys()]).toEqual(['alice']);
    await users.profiles(['mallory']);
    expect(findByIds).toHaveBeenLastCalledWith(['mallory']);
  });

  it('should fill in a missing name with the id and keep a given avatarUrl', async () => {
    findByIds.mockResolvedValue([{ id: 'alice', avatarUrl: 'https://cdn.test/a.png' } as ChatUserProfile]);
    const found = await service().profiles(['alice']);
    expect(found.get('alice')).toEqual({ id: 'alice', name: 'alice', avatarUrl: 'https://cdn.test/a.png' });
  });

  it('should drop the oldest profiles first once 50000 are cached', async () => {
    const ids = Array.from({ length: 50_001 }, (_, i) => `u${i}`);
    findByIds.mockImplementation(async (asked) => asked.map((id) => ({ id, name: id })));
    const users = service();
    await users.profiles(ids);
    await users.profiles(['u1', 'u50000']);
    expect(findByIds).toHaveBeenCalledTimes(1);
    await users.profiles(['u0']);
    expect(findByIds).toHaveBeenLastCalledWith(['u0']);
  });

  describe('assertExist', () => {
    it('should pass when every user exists', async () => {
      await expect(service().assertExist(['alice', 'bob'])).resolves.toBeUndefined();
    });

    it('should throw NOT_FOUND listing exactly the unknown ids, each once', async () => {
      const error = (await service()
        .assertExist(['alice', 'x', 'bob', 'y', 'x'])
        .catch((e: unknown) => e)) as AppError;
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe('NOT_FOUND');
      expect(error.details).toEqual({ userIds: ['x', 'y'] });
    });
  });
});
