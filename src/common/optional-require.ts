/** The optional peers each optional feature needs, installed together. */
export const OPTIONAL_PEERS = {
  redis: ['redis', '@socket.io/redis-adapter'],
  embedded: ['@electric-sql/pglite', 'pglite-prisma-adapter'],
} as const;

/**
 * Loads an optional peer dependency, or fails with a message that says what
 * to install and why (instead of a bare MODULE_NOT_FOUND). `peers` is the
 * feature's whole set, so one `npm install` line fixes it.
 */
export function optionalRequire<T>(name: string, neededFor: string, peers: readonly string[] = [name]): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String(error).includes(name)) {
      throw new Error(`${neededFor} needs the package ${name}: npm install ${peers.join(' ')}`, { cause: error });
    }
    throw error;
  }
}
