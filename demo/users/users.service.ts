import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError, type ChatUserProfile } from 'nest-chat-gateway';
import { DemoDatabase } from '../database/demo-database';

export interface User {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  tokenVersion: number;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
}

export function toPublicUser(user: Pick<User, 'id' | 'email' | 'name'>): PublicUser {
  return { id: user.id, email: user.email, name: user.name };
}

const COLUMNS = `"id"::text AS "id", "email", "name", "passwordHash", "tokenVersion"`;

/** The demo's users, in its own "User" table: what the chat knows of them comes through `findByIds`. */
@Injectable()
export class UsersService {
  constructor(private readonly db: DemoDatabase) {}

  async create(data: { email: string; name: string; passwordHash: string }): Promise<User> {
    try {
      const [user] = await this.db.query<User>(
        `INSERT INTO "User" ("id", "email", "name", "passwordHash") VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [randomUUID(), data.email, data.name, data.passwordHash],
      );
      return user;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw AppError.conflict('Email is already registered');
      throw error;
    }
  }

  async findByEmail(email: string): Promise<User | null> {
    return (await this.db.query<User>(`SELECT ${COLUMNS} FROM "User" WHERE "email" = $1`, [email]))[0] ?? null;
  }

  async findById(id: string): Promise<User | null> {
    if (!isUuid(id)) return null;
    return (await this.db.query<User>(`SELECT ${COLUMNS} FROM "User" WHERE "id" = $1::uuid`, [id]))[0] ?? null;
  }

  /** The chat's user directory: the profiles of the known users among `ids`. */
  async findByIds(ids: string[]): Promise<ChatUserProfile[]> {
    const uuids = ids.filter(isUuid);
    if (uuids.length === 0) return [];
    return this.db.query<ChatUserProfile>(
      `SELECT "id"::text AS "id", "name" FROM "User" WHERE "id" = ANY($1::uuid[])`,
      [uuids],
    );
  }

  async bumpTokenVersion(id: string): Promise<void> {
    await this.db.query(
      `UPDATE "User" SET "tokenVersion" = "tokenVersion" + 1, "updatedAt" = now() WHERE "id" = $1::uuid`,
      [id],
    );
  }

  /** The current token version of a user, or undefined if there is no such user. */
  async tokenVersion(id: string): Promise<number | undefined> {
    return (await this.findById(id))?.tokenVersion;
  }

  async count(where: { email?: string } = {}): Promise<number> {
    const [row] = where.email
      ? await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "User" WHERE "email" = $1`, [where.email])
      : await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "User"`);
    return row.n;
  }
}

/** The demo's ids are UUIDs; anything else names nobody (and must not reach a ::uuid cast). */
function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
