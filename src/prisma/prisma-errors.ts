/** Prisma's known-request error codes we act on, without importing its runtime classes. */
function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A unique constraint was violated (P2002 from Prisma, 23505 from PostgreSQL directly). */
export function isUniqueViolation(error: unknown): boolean {
  const code = prismaCode(error);
  return code === 'P2002' || code === '23505';
}

/** The row to update or delete was not there. */
export function isRecordNotFound(error: unknown): boolean {
  return prismaCode(error) === 'P2025';
}
