import type { ChaosUser } from './chaos-user';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A dropped connection: the transport closes as a network drop closes it. socket.io reconnects at once, or, with
 * `awayMs`, once that long has passed and `whileAway` is done (its reconnection paused meanwhile).
 */
export async function dropConnection(
  user: ChaosUser,
  awayMs = 0,
  whileAway: () => Promise<unknown> = async () => undefined,
): Promise<void> {
  const manager = user.client.socket.io;
  if (!user.client.connected) return;
  if (awayMs === 0) return void manager.engine.close();
  manager.reconnection(false);
  manager.engine.close();
  try {
    await Promise.all([sleep(awayMs), whileAway().catch(() => undefined)]);
  } finally {
    manager.reconnection(true);
    user.client.socket.connect();
  }
}

/**
 * A member is removed from a group and added back while offline: on its return `sync` answers `resync` for the
 * room (its cursor is from before its current membership) and the app reloads it. Done by the room's owner as its
 * app knows the room; false when no owner and member are at hand.
 */
export async function rejoinWhileAway(users: ChaosUser[], random: () => number): Promise<boolean> {
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  const owned = users.flatMap((owner) =>
    [...owner.rooms()]
      .filter(([, room]) => room.name !== null && room.members.get(owner.id) === 'OWNER')
      .map(([chatRoomId, room]) => ({ owner, chatRoomId, room })),
  );
  const choice = pick(owned.filter(({ owner }) => owner.client.connected));
  const victim =
    choice &&
    pick(users.filter((u) => u.client.connected && u !== choice.owner && choice.room.members.get(u.id) === 'MEMBER'));
  if (!choice || !victim) return false;
  const { owner, chatRoomId } = choice;
  await dropConnection(victim, 200 + random() * 500, async () => {
    await owner.client.removeParticipant({ chatRoomId, userId: victim.id });
    await owner.client.addParticipants({ chatRoomId, userIds: [victim.id] });
  });
  return true;
}

/** Resolves once the client reconnected and caught up (`connected { reconnect: true }`) after its transport closed. */
export function reconnected(user: ChaosUser, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${user.name} did not reconnect within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = user.client.on('connected', ({ reconnect }) => {
      if (!reconnect) return;
      clearTimeout(timer);
      off();
      resolve();
    });
    if (user.client.connected) user.client.socket.io.engine.close();
  });
}
