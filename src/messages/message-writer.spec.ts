import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../persistence/database';
import { applyMigrations } from '../persistence/migrator';
import { PrismaService } from '../persistence/prisma.service';
import { MessageWriter, NewMessage } from './message-writer';

/** Against a real (embedded) PostgreSQL: the SQL is the point. */
describe(MessageWriter.name, () => {
  let db: PGlite;
  let prisma: PrismaService;
  let writer: MessageWriter;
  // The host's user ids, opaque strings; a schema other than the default, so unqualified SQL would fail.
  const [A, B, C] = ['alice', '42', 'user:carol'];
  const SCHEMA = 'chat_writer';
  const ROOM1 = '10000000-0000-4000-8000-000000000001';
  const ROOM2 = '10000000-0000-4000-8000-000000000002';

  beforeAll(async () => {
    db = new PGlite();
    const database = openDatabase({ pglite: db }, SCHEMA);
    await database.withSession((session) => applyMigrations(session, { schema: SCHEMA }));
    prisma = new PrismaService(database);
    for (const id of [ROOM1, ROOM2]) {
      await prisma.chatRoom.create({
        data: { id, type: 'GROUP', name: id, participants: { create: [{ userId: A }, { userId: B }] } },
      });
    }
    writer = new MessageWriter(prisma);
  });
  afterAll(async () => {
    await prisma.onApplicationShutdown();
    await db.close();
  });

  const msg = (
    chatRoomId: string,
    senderId: string,
    content: string,
    clientMessageId: string | null = null,
  ): NewMessage => ({
    chatRoomId,
    senderId,
    content,
    type: 'TEXT',
    attachments: [],
    clientMessageId,
    replyToId: null,
    threadId: null,
    mentions: [],
  });

  it('should number concurrent writes per room without gaps and move each sender’s cursors', async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      writer.write(msg(i % 2 ? ROOM1 : ROOM2, i % 3 ? A : B, `m${i}`)),
    );
    const results = await Promise.all(writes);
    expect(results.every((r) => r.kind === 'stored')).toBe(true);
    for (const room of [ROOM1, ROOM2]) {
      const seqs = (await prisma.message.findMany({ where: { chatRoomId: room }, orderBy: { seq: 'asc' } })).map(
        (m) => m.seq,
      );
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await prisma.chatRoom.findUniqueOrThrow({ where: { id: room } })).lastSeq).toBe(20);
    }
    const cursor = await prisma.chatRoomParticipant.findUniqueOrThrow({
      where: { chatRoomId_userId: { chatRoomId: ROOM1, userId: A } },
    });
    const newestByA = await prisma.message.findFirstOrThrow({
      where: { chatRoomId: ROOM1, senderId: A },
      orderBy: { seq: 'desc' },
    });
    expect(cursor).toMatchObject({ lastReadSeq: newestByA.seq, lastDeliveredSeq: newestByA.seq });
  });

  it('should refuse a sender who is not a participant, without using a seq', async () => {
    const before = (await prisma.chatRoom.findUniqueOrThrow({ where: { id: ROOM1 } })).lastSeq;
    const [refused, stored] = await Promise.all([
      writer.write(msg(ROOM1, C, 'intruder')),
      writer.write(msg(ROOM1, A, 'legit')),
    ]);
    expect(refused).toEqual({ kind: 'refused' });
    expect(stored).toMatchObject({ kind: 'stored', message: { seq: before + 1 } });
  });

  it('should store a clientMessageId once, also when repeated in one batch or later', async () => {
    // The first write keeps the writer busy: the two sends with one clientMessageId queue behind it, in one batch.
    const [, first, second] = await Promise.all([
      writer.write(msg(ROOM1, B, 'ahead')),
      writer.write(msg(ROOM2, A, 'once', 'cid-1')),
      writer.write(msg(ROOM2, A, 'twice', 'cid-1')),
    ]);
    expect(first.kind).toBe('stored');
    expect(second).toMatchObject({ kind: 'duplicate', message: { content: 'once' } });
    const later = await writer.write(msg(ROOM2, A, 'thrice', 'cid-1'));
    expect(later).toMatchObject({ kind: 'duplicate', message: { content: 'once' } });
    expect(await prisma.message.count({ where: { clientMessageId: 'cid-1' } })).toBe(1);
    // Another sender may use the same clientMessageId.
    expect((await writer.write(msg(ROOM2, B, 'mine', 'cid-1'))).kind).toBe('stored');
  });

  it('should write the sends queued behind a write in one statement, a repeated clientMessageId included', async () => {
    const statements = jest.spyOn(prisma, '$queryRaw');
    try {
      const results = await Promise.all([
        writer.write(msg(ROOM1, A, 'ahead')),
        ...Array.from({ length: 5 }, (_, i) => writer.write(msg(i % 2 ? ROOM1 : ROOM2, B, `queued ${i}`))),
        writer.write(msg(ROOM2, A, 'mine', 'cid-2')),
        writer.write(msg(ROOM2, A, 'mine again', 'cid-2')),
      ]);
      expect(results.map((r) => r.kind)).toEqual([...Array<string>(7).fill('stored'), 'duplicate']);
      expect(statements).toHaveBeenCalledTimes(2);
    } finally {
      statements.mockRestore();
    }
  });
});
