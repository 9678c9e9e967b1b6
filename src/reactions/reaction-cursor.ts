import { AppError } from '../common/app-error';

/** Where a page of reactions ended: the last reaction's time and user (the order is createdAt, userId). */
export interface ReactionCursor {
  createdAt: Date;
  userId: string;
}

/** Opaque to clients: base64url of `[createdAtMs, userId]`. */
export function encodeCursor(cursor: ReactionCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.getTime(), cursor.userId])).toString('base64url');
}

export function decodeCursor(value: string): ReactionCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { createdAt: new Date(parsed[0] as number), userId: parsed[1] };
    }
  } catch {
    // refused below
  }
  throw AppError.validation('cursor is not a cursor this server gave', [
    { field: 'cursor', errors: ['cursor must be the nextCursor of a previous page'] },
  ]);
}
