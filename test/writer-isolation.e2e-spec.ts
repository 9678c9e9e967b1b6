import { Client } from 'pg';
import { MessageWriter, type NewMessage, type WriteResult } from '../src/messages/message-writer';
import { openDatabase } from '../src/persistence/database';
import { migrateChatSchema } from '../src/persistence/migrate';
import { PrismaService } from '../src/persistence/prisma.service';
import { toAppError } from '../src/common/to-app-error';
import { createTestDatabase, TestDatabase } from './helpers/test-database';

/*
 * The group-commit writer's isolation, on PostgreSQL (the embedded database
 * runs one statement at a time, so no row is ever held by someone else and
 * these cannot happen there): a room whose row another transaction holds
 * delays only its own messages, a row PostgreSQL refuses fails only itself,
 * and a statement the client gave up on is never committed behind its back.
 */
const describePg = process.env.DATABASE_URL ? describe : describe.skip;

describePg('MessageWriter isolation on PostgreSQL (e2e)', () => {
  const ROOMS = [1, 2, 3].map((n) => `20000000-0000-4000-8000-00000000000${n}`);
  const [SLOW, OTHER, THIRD] = ROOMS;
  let database: TestDatabase;
  let prisma: PrismaService;
  let writer: MessageWriter;
  let sql: Client;

  const msg = (chatRoomId: string, content: string, senderId = 'alice', clientMessageId: string | null = null) =>
    ({
      chatRoomId,
      senderId,
      content,
      type: 'TEXT',
      attachments: [],
      clientMessageId,
      replyToId: null,
      threadId: null,
      mentions: [],
    }) satisfies NewMessage;

  /** Holds the room's row, as a slow transaction would, until the returned function is called. */
  async function holdRoom(chatRoomId: string): Promise<() => Promise<void>> {
    const holder = new Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM chat."ChatRoom" WHERE id = $1 FOR UPDATE', [chatRoomId]);
    return async () => {
      await holder.query('COMMIT');
      await holder.end();
    };
  }

  /** Whether the promise has settled by now (after the current I/O turn). */
  async function settled(promise: Promise<unknown>, withinMs: number): Promise<boolean> {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    await new Promise((resolve) => setTimeout(resolve, withinMs));
    return done;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateChatSchema({ database: { url: database.url! } });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });

  beforeEach(async () => {
    // queryTimeoutMs 3000: the server's statement_timeout is 2400 ms.
    prisma = new PrismaService(openDatabase({ url: database.url!, queryTimeoutMs: 3000 }, 'chat'));
    writer = new MessageWriter(prisma);
    await sql.query('TRUNCATE chat."Message", chat."ChatRoomParticipant", chat."ChatRoom" CASCADE');
    for (const id of ROOMS) {
      await prisma.chatRoom.create({
        data: { id, type: 'GROUP', name: id, participants: { create: [{ userId: 'alice' }, { userId: 'bob' }] } },
      });
    }
  });

  afterEach(async () => {
    await prisma.onApplicationShutdown();
  });

  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  async function contents(chatRoomId: string): Promise<string[]> {
    const { rows } = await sql.query<{ content: string }>(
      'SELECT content FROM chat."Message" WHERE "chatRoomId" = $1 ORDER BY seq',
      [chatRoomId],
    );
    return rows.map((r) => r.content);
  }

  it('should write other rooms while one room is held, then the held room in the order sent', async () => {
    const release = await holdRoom(SLOW);
    const slow = [writer.write(msg(SLOW, 's1')), writer.write(msg(SLOW, 's2'))];
    const other = writer.write(msg(OTHER, 'o1', 'bob'));
    // Same batch as the held room, and after it: neither may wait for it.
    await expect(other).resolves.toMatchObject({ kind: 'stored', message: { seq: 1 } });
    const later = [writer.write(msg(THIRD, 't1')), writer.write(msg(SLOW, 's3'))];
    await expect(later[0]).resolves.toMatchObject({ kind: 'stored' });
    expect(await settled(Promise.race(slow), 300)).toBe(false);
    expect(await settled(later[1], 0)).toBe(false);
    await release();
    const results = await Promise.all([...slow, later[1]]);
    expect(results.map((r) => (r.kind === 'stored' ? r.message.seq : r.kind))).toEqual([1, 2, 3]);
    expect(await contents(SLOW)).toEqual(['s1', 's2', 's3']);
    expect(await contents(OTHER)).toEqual(['o1']);
  });

  it('should answer a repeated clientMessageId of a held room with the first message, once it is stored', async () => {
    const release = await holdRoom(SLOW);
    const first = writer.write(msg(SLOW, 'once', 'alice', 'c-1'));
    const again = writer.write(msg(SLOW, 'once', 'alice', 'c-1'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await release();
    const [a, b] = await Promise.all([first, again]);
    expect(a.kind).toBe('stored');
    expect(b).toMatchObject({ kind: 'duplicate', message: { id: (a as { message: { id: string } }).message.id } });
    expect(await contents(SLOW)).toEqual(['once']);
  });

  it.each([
    ['a NUL byte', 'bad\u0000content'],
    ['a lone surrogate', 'bad\ud800content'],
  ])('should fail only the message with %s, storing every other message of its batch', async (_, poison) => {
    // Host code calling the writer past validation: the batch must still isolate the bad row.
    const writes: Promise<WriteResult>[] = [];
    for (let i = 0; i < 12; i++) {
      writes.push(writer.write(msg(ROOMS[i % 3], i === 5 ? poison : `ok${i}`, i % 2 ? 'alice' : 'bob')));
    }
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[5].status).toBe('rejected');
    const stored = (await sql.query<{ n: string }>('SELECT count(*) AS n FROM chat."Message"')).rows[0].n;
    expect(stored).toBe('11');
    for (const room of ROOMS) {
      const seqs = (
        await sql.query<{ seq: number }>('SELECT seq FROM chat."Message" WHERE "chatRoomId" = $1 ORDER BY seq', [room])
      ).rows.map((r) => r.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });

  it('should roll back a write the server timed out, answering UNAVAILABLE, never committing it later', async () => {
    const release = await holdRoom(SLOW);
    const write = writer.write(msg(SLOW, 'too late'));
    const error = await write.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(toAppError(error).code).toBe('UNAVAILABLE');
    await release();
    // The held transaction is gone: a statement still running would commit now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await contents(SLOW)).toEqual([]);
    const { rows } = await sql.query<{ lastSeq: number }>('SELECT "lastSeq" FROM chat."ChatRoom" WHERE id = $1', [
      SLOW,
    ]);
    expect(rows[0].lastSeq).toBe(0);
    // And the room is usable again.
    await expect(writer.write(msg(SLOW, 'now'))).resolves.toMatchObject({ kind: 'stored', message: { seq: 1 } });
  }, 15_000);
});
