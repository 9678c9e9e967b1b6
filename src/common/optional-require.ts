/**
 * Loads an optional peer dependency, or fails with a message that says what
 * to install and why (instead of a bare MODULE_NOT_FOUND).
 */
export function optionalRequire<T>(name: string, neededFor: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String(error).includes(name)) {
      throw new Error(`${neededFor} needs the package ${name}: npm install ${name}`, { cause: error });
    }
    throw error;
  }
}
