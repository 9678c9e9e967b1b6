import { GroupQuota } from './group-quota';

describe(GroupQuota.name, () => {
  let calls: string[];
  let tx: { $executeRaw: jest.Mock; chatRoomParticipant: { groupBy: jest.Mock } };

  beforeEach(() => {
    calls = [];
    tx = {
      $executeRaw: jest.fn(async () => {
        calls.push('lock');
        return 1;
      }),
      chatRoomParticipant: {
        groupBy: jest.fn(async () => {
          calls.push('count');
          return [];
        }),
      },
    };
  });

  /** The values bound into the lock statement: [lock class, user keys]. */
  const lockValues = (): [number, number[]] => tx.$executeRaw.mock.calls[0].slice(1) as [number, number[]];

  it('should lock every named user once, in ascending key order, in one statement before counting', async () => {
    const users = ['zoe', 'al', 'mo', 'al', 'kim'];
    await new GroupQuota('chat', 5).reserve(tx as never, users);

    expect(calls).toEqual(['lock', 'count']);
    const [, keys] = lockValues();
    expect(keys).toHaveLength(4);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    // The same users in another order take the same locks in the same order: no deadlock between two requests.
    tx.$executeRaw.mockClear();
    await new GroupQuota('chat', 5).reserve(tx as never, ['kim', 'mo', 'zoe', 'al']);
    expect(lockValues()[1]).toEqual(keys);
  });

  it("should keep each chat schema's locks apart", async () => {
    await new GroupQuota('chat', 5).reserve(tx as never, ['al']);
    await new GroupQuota('other', 5).reserve(tx as never, ['al']);
    const [first, second] = tx.$executeRaw.mock.calls.map((c: unknown[]) => c[1]);
    expect(first).not.toBe(second);
  });

  it('should count GROUP rooms only', async () => {
    await new GroupQuota('chat', 5).reserve(tx as never, ['al']);
    expect(tx.chatRoomParticipant.groupBy).toHaveBeenCalledWith(
      expect.objectContaining({ where: { userId: { in: ['al'] }, chatRoom: { type: 'GROUP' } } }),
    );
  });

  it('should refuse with LIMIT_REACHED naming the users at the cap, in the order given', async () => {
    tx.chatRoomParticipant.groupBy.mockResolvedValue([
      { userId: 'mo', _count: { _all: 5 } },
      { userId: 'al', _count: { _all: 4 } },
      { userId: 'kim', _count: { _all: 6 } },
    ]);
    await expect(new GroupQuota('chat', 5).reserve(tx as never, ['kim', 'al', 'mo'])).rejects.toMatchObject({
      code: 'LIMIT_REACHED',
      details: { userIds: ['kim', 'mo'], limit: 5 },
    });
  });

  it('should let users below the cap through', async () => {
    tx.chatRoomParticipant.groupBy.mockResolvedValue([{ userId: 'al', _count: { _all: 4 } }]);
    await expect(new GroupQuota('chat', 5).reserve(tx as never, ['al', 'mo'])).resolves.toBeUndefined();
  });
});
