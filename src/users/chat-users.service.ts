import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { ChatUserProfile } from '../config/chat-options';

/** Most profiles kept; past it the oldest go first. */
const MAX_CACHED = 50_000;

/**
 * The host's user directory (`users.findByIds`), cached briefly: room views
 * name their participants on every read, and adding users checks they
 * exist. Only found users are cached, so a user the host creates is known at once.
 */
@Injectable()
export class ChatUsersService {
  private readonly cache = new Map<string, { profile: ChatUserProfile; until: number }>();

  constructor(private readonly config: ChatConfig) {}

  /** The profiles of the known users among `ids`. */
  async profiles(ids: Iterable<string>): Promise<Map<string, ChatUserProfile>> {
    const now = Date.now();
    const found = new Map<string, ChatUserProfile>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.cache.get(id);
      if (hit && hit.until > now) found.set(id, hit.profile);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const asked = new Set(missing);
    for (const user of await this.config.users.findByIds(missing)) {
      const id = typeof user?.id === 'number' ? String(user.id) : user?.id;
      if (typeof id !== 'string' || !asked.has(id)) continue;
      const profile: ChatUserProfile = {
        id,
        name: typeof user.name === 'string' ? user.name : id,
        avatarUrl: typeof user.avatarUrl === 'string' ? user.avatarUrl : null,
      };
      found.set(id, profile);
      this.remember(profile, now);
    }
    return found;
  }

  /** NOT_FOUND naming the ids the host does not know. */
  async assertExist(ids: string[]): Promise<void> {
    const found = await this.profiles(ids);
    const unknown = [...new Set(ids)].filter((id) => !found.has(id));
    if (unknown.length > 0) throw new AppError(ErrorCode.NOT_FOUND, 'Unknown users', { userIds: unknown });
  }

  private remember(profile: ChatUserProfile, now: number): void {
    if (this.config.usersCacheTtlMs === 0) return;
    if (this.cache.size >= MAX_CACHED) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.delete(profile.id);
    this.cache.set(profile.id, { profile, until: now + this.config.usersCacheTtlMs });
  }
}
