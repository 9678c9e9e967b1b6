import { decodePageCursor, encodePageCursor } from '../common/page-cursor';

/** Where a page of reactions ended: the last reaction's time and user (the order is createdAt, userId). */
export interface ReactionCursor {
  createdAt: Date;
  userId: string;
}

export const encodeCursor = (cursor: ReactionCursor): string =>
  encodePageCursor({ at: cursor.createdAt, key: cursor.userId });

export function decodeCursor(value: string): ReactionCursor {
  const { at, key } = decodePageCursor(value);
  return { createdAt: at, userId: key };
}
