import { createHash } from 'node:crypto';

/**
 * A delivery's id: the same for the same target and event whoever computes
 * it, so a batch read twice (a process stopped before it moved its cursor)
 * inserts no second delivery, and a receiver de-duplicates on it.
 */
export function deliveryId(target: string, chatRoomId: string, eventSeq: number): string {
  const hex = createHash('sha256').update(`${target}\n${chatRoomId}\n${eventSeq}`).digest('hex');
  // Shaped as a version 8 (custom) UUID.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
