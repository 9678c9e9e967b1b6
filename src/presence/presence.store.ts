import { Injectable } from '@nestjs/common';

/**
 * Who is connected, by socket. The in-process store serves one node; with
 * REDIS_URL a Redis-backed store replaces it so presence is cluster-wide.
 */
export abstract class PresenceStore {
  /** Records a socket; true when it is the user's first (they came online). */
  abstract add(userId: string, socketId: string): Promise<boolean>;
  /** Forgets a socket; true when it was the user's last (they went offline). */
  abstract remove(userId: string, socketId: string): Promise<boolean>;
  abstract onlineAmong(userIds: string[]): Promise<string[]>;
  abstract countOnline(): Promise<number>;
  /** Users who went offline without a disconnect seen here (their node died). Default: never happens. */
  onUsersOffline(_listener: (userIds: string[]) => void): void {}
  /** Graceful shutdown: forget this node's sockets; returns the users who went offline. */
  async leaveCluster(): Promise<string[]> {
    return [];
  }
}

@Injectable()
export class LocalPresenceStore extends PresenceStore {
  private readonly sockets = new Map<string, Set<string>>();

  async add(userId: string, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId);
    if (set) {
      set.add(socketId);
      return false;
    }
    this.sockets.set(userId, new Set([socketId]));
    return true;
  }

  async remove(userId: string, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId);
    if (!set || !set.delete(socketId)) return false;
    if (set.size > 0) return false;
    this.sockets.delete(userId);
    return true;
  }

  async onlineAmong(userIds: string[]): Promise<string[]> {
    return userIds.filter((id) => this.sockets.has(id));
  }

  async countOnline(): Promise<number> {
    return this.sockets.size;
  }

  override async leaveCluster(): Promise<string[]> {
    const users = [...this.sockets.keys()];
    this.sockets.clear();
    return users;
  }
}
