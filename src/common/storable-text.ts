/**
 * Whether PostgreSQL can store `s` as text and JSON can carry it: no NUL
 * (PostgreSQL refuses U+0000 in text and jsonb) and no unpaired UTF-16
 * surrogate (not Unicode; the driver would silently store U+FFFD instead).
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The paths (`content`, `attachments[0].name`, as validation errors name
 * fields) of every string in `value` that `isStorableText` refuses. `root`
 * names `value` itself when it is a string. Iterative: the caller bounds the
 * depth, not the stack.
 */
export function unstorableFields(value: unknown, root = 'body'): string[] {
  const found: string[] = [];
  // Children pushed in reverse, so fields come out in the payload's own order.
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isStorableText(node)) found.push(path || root);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path || root}[${i}]`]);
    } else if (node !== null && typeof node === 'object') {
      const entries: [string, unknown][] = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        stack.push([child, path ? `${path}.${key}` : key]);
      }
    }
  }
  return found;
}

/** What a validation error says of a field `isStorableText` refuses. */
export const unstorableMessage = (field: string): string =>
  `${field} must not contain NUL characters or unpaired surrogates`;
