import { AppError } from './app-error';

/** Where a page ended, for lists ordered by (time, key): the last item's time and key (a user or message id). */
export interface PageCursor {
  at: Date;
  key: string;
}

/** Opaque to clients: base64url of `[atMs, key]`. */
export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.getTime(), cursor.key])).toString('base64url');
}

/** The cursor, or VALIDATION_FAILED on `cursor` for anything this server did not give out. */
export function decodePageCursor(value: string): PageCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      const at = new Date(parsed[0] as number);
      if (!Number.isNaN(at.getTime())) return { at, key: parsed[1] };
    }
  } catch {
    // refused below
  }
  throw badCursor();
}

export function badCursor(): AppError {
  return AppError.validation('cursor is not a cursor this server gave', [
    { field: 'cursor', errors: ['cursor must be the nextCursor of a previous page'] },
  ]);
}
