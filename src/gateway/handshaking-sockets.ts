import { roomChannel, type MembershipChange } from '../contract/chat.events';
import type { ChatSocket } from '../realtime/chat-socket';

interface Entry {
  socket: ChatSocket;
  /** Whether the socket has joined the rooms it loaded; until then, changes wait here in order. */
  subscribed: boolean;
  changes: MembershipChange[];
}

/**
 * The sockets of this process between loading their rooms and `connection`.
 * socket.io adds a socket to its namespace only once every middleware has
 * run, and `socketsJoin`/`socketsLeave` (local or from another process)
 * skip sockets that are not in it: a member removed meanwhile would keep the
 * room, a member added would miss it. Membership changes reach these sockets
 * here instead.
 *
 * A socket is registered before its rooms are read, so a change is either in
 * what it reads or arrives here after; changes that arrive before its joins
 * are applied after them, in order.
 */
export class HandshakingSockets {
  private readonly byUser = new Map<string, Set<Entry>>();
  private readonly bySocket = new Map<string, Entry>();

  /** Before the socket's rooms are read. */
  register(socket: ChatSocket): void {
    const entry: Entry = { socket, subscribed: false, changes: [] };
    // A client that goes away mid-handshake never reaches `connection`.
    socket.conn.once('close', () => this.release(socket));
    this.bySocket.set(socket.id, entry);
    const entries = this.byUser.get(socket.data.userId) ?? new Set<Entry>();
    entries.add(entry);
    this.byUser.set(socket.data.userId, entries);
  }

  /** After the socket joined the rooms it read: the changes since then are applied now, in order. */
  async subscribed(socket: ChatSocket): Promise<void> {
    const entry = this.bySocket.get(socket.id);
    if (!entry) return;
    while (entry.changes.length > 0) await apply(socket, entry.changes.shift()!);
    entry.subscribed = true;
  }

  /** At `connection` (from then on the namespace's own joins and leaves reach it), or when it is refused. */
  release(socket: ChatSocket): void {
    const entry = this.bySocket.get(socket.id);
    if (!entry) return;
    this.bySocket.delete(socket.id);
    const entries = this.byUser.get(socket.data.userId);
    entries?.delete(entry);
    if (entries?.size === 0) this.byUser.delete(socket.data.userId);
  }

  /** A membership change for these users, made on this process or announced by another. */
  change(userIds: string[], change: MembershipChange): void {
    for (const userId of userIds) {
      for (const entry of this.byUser.get(userId) ?? []) {
        if (entry.subscribed) void apply(entry.socket, change);
        else entry.changes.push(change);
      }
    }
  }

  get size(): number {
    return this.bySocket.size;
  }
}

async function apply(socket: ChatSocket, change: MembershipChange): Promise<void> {
  const channel = roomChannel(change.chatRoomId);
  if (change.kind === 'join') await socket.join(channel);
  else await socket.leave(channel);
}
