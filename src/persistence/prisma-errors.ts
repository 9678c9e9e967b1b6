/** Prisma's known-request error codes we act on, without importing its runtime classes. */
function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

interface ErrorLike {
  code?: unknown;
  originalCode?: unknown;
  cause?: unknown;
  meta?: { code?: unknown; driverAdapterError?: unknown };
}

/**
 * The PostgreSQL SQLSTATE behind an error, wherever the layers put it: raw
 * queries through a driver adapter fail as P2010 with
 * `meta.driverAdapterError.cause.originalCode`; the driver itself uses `code`.
 */
export function sqlState(error: unknown): string | undefined {
  const seen: unknown[] = [error];
  for (let i = 0; i < seen.length && i < 10; i++) {
    const e = seen[i] as ErrorLike | null;
    if (!e || typeof e !== 'object') continue;
    for (const candidate of [e.originalCode, e.meta?.code, e.code]) {
      if (typeof candidate === 'string' && /^[0-9][0-9A-Z]{4}$/.test(candidate)) return candidate;
    }
    seen.push(e.cause, e.meta?.driverAdapterError);
  }
  return undefined;
}

/** A unique constraint was violated: P2002 from Prisma's query API, SQLSTATE 23505 from raw SQL or the driver. */
export function isUniqueViolation(error: unknown): boolean {
  return prismaCode(error) === 'P2002' || sqlState(error) === '23505';
}

/** The row to update or delete was not there. */
export function isRecordNotFound(error: unknown): boolean {
  return prismaCode(error) === 'P2025';
}
