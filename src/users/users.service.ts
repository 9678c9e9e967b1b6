import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { isUniqueViolation } from '../prisma/prisma-errors';
import { PrismaService } from '../prisma/prisma.service';
import type { User } from '../generated/prisma/client';

export interface PublicUser {
  id: string;
  email: string;
  name: string;
}

export function toPublicUser(user: Pick<User, 'id' | 'email' | 'name'>): PublicUser {
  return { id: user.id, email: user.email, name: user.name };
}

@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async create(data: { email: string; name: string; passwordHash: string }): Promise<User> {
    try {
      return await this.prisma.user.create({ data });
    } catch (error) {
      if (isUniqueViolation(error)) throw AppError.conflict('Email is already registered');
      throw error;
    }
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  async bumpTokenVersion(id: string): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { tokenVersion: { increment: 1 } } });
  }

  /** The current token version of a user, or undefined if there is no such user. */
  async tokenVersion(id: string): Promise<number | undefined> {
    return (await this.prisma.user.findUnique({ where: { id }, select: { tokenVersion: true } }))?.tokenVersion;
  }

  /**
   * What a connecting socket needs, in one round trip: the user's token
   * version (revocation) and the rooms to subscribe to. Undefined: no such user.
   */
  async sessionOf(id: string): Promise<{ tokenVersion: number; chatRoomIds: string[] } | undefined> {
    const rows = await this.prisma.database.query<{ tokenVersion: number; chatRoomIds: string[] }>(
      `SELECT u."tokenVersion",
              COALESCE(array_agg(p."chatRoomId"::text) FILTER (WHERE p."chatRoomId" IS NOT NULL), '{}') AS "chatRoomIds"
         FROM "User" u LEFT JOIN "ChatRoomParticipant" p ON p."userId" = u."id"
        WHERE u."id" = $1::uuid
        GROUP BY u."id"`,
      [id],
    );
    return rows[0];
  }

  /** Ids among `ids` that belong to no user. */
  async findMissing(ids: string[], db: Pick<PrismaService, 'user'> = this.prisma): Promise<string[]> {
    const unique = [...new Set(ids)];
    const found = await db.user.findMany({ where: { id: { in: unique } }, select: { id: true } });
    const existing = new Set(found.map((u) => u.id));
    return unique.filter((id) => !existing.has(id));
  }
}
