import { Injectable } from '@nestjs/common';

/**
 * Tells whoever holds live sessions (the chat gateway's sockets) that a
 * user's tokens were revoked, without the auth module knowing about sockets.
 */
@Injectable()
export class SessionRevocations {
  private readonly listeners: ((userId: string) => void)[] = [];

  onRevoked(listener: (userId: string) => void): void {
    this.listeners.push(listener);
  }

  revoked(userId: string): void {
    for (const listener of this.listeners) listener(userId);
  }
}
