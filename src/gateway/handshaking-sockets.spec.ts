import { EventEmitter } from 'node:events';
import type { ChatSocket } from '../realtime/chat-socket';
import { HandshakingSockets } from './handshaking-sockets';

/** A socket whose rooms are a set, as socket.io keeps them. */
function fakeSocket(id: string, userId: string) {
  const rooms = new Set<string>([id]);
  const conn = new EventEmitter();
  const socket = {
    id,
    data: { userId },
    rooms,
    conn,
    join: jest.fn((room: string | string[]) => {
      for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    }),
    leave: jest.fn((room: string) => void rooms.delete(room)),
  };
  return socket as typeof socket & ChatSocket;
}

describe(HandshakingSockets.name, () => {
  let registry: HandshakingSockets;
  beforeEach(() => (registry = new HandshakingSockets()));

  it('should apply the changes that arrive before the socket joined its rooms after them, in order', async () => {
    const socket = fakeSocket('s1', 'u1');
    registry.register(socket);
    registry.change(['u1'], { kind: 'leave', chatRoomId: 'r1' });
    registry.change(['u1'], { kind: 'join', chatRoomId: 'r2' });
    registry.change(['u1'], { kind: 'leave', chatRoomId: 'r2' });
    // The rooms it read before those changes.
    socket.join(['chat:r1', 'chat:r3']);
    expect(socket.rooms.has('chat:r1')).toBe(true);
    await registry.subscribed(socket);
    expect([...socket.rooms].sort()).toEqual(['chat:r3', 's1']);
  });

  it('should apply changes at once after the socket subscribed, and not after its release', async () => {
    const socket = fakeSocket('s1', 'u1');
    registry.register(socket);
    await registry.subscribed(socket);
    registry.change(['u1'], { kind: 'join', chatRoomId: 'r1' });
    await Promise.resolve();
    expect(socket.rooms.has('chat:r1')).toBe(true);
    registry.release(socket);
    registry.change(['u1'], { kind: 'leave', chatRoomId: 'r1' });
    await Promise.resolve();
    expect(socket.rooms.has('chat:r1')).toBe(true);
    expect(registry.size).toBe(0);
  });

  it("should touch only the named users' sockets", async () => {
    const mine = fakeSocket('s1', 'u1');
    const theirs = fakeSocket('s2', 'u2');
    registry.register(mine);
    registry.register(theirs);
    registry.change(['u2'], { kind: 'join', chatRoomId: 'r1' });
    await registry.subscribed(mine);
    await registry.subscribed(theirs);
    expect(mine.rooms.has('chat:r1')).toBe(false);
    expect(theirs.rooms.has('chat:r1')).toBe(true);
  });

  it('should forget a socket whose connection closed mid-handshake', () => {
    const socket = fakeSocket('s1', 'u1');
    registry.register(socket);
    expect(registry.size).toBe(1);
    socket.conn.emit('close');
    expect(registry.size).toBe(0);
  });
});
