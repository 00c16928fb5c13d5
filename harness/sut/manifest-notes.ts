/**
 * Notes a person leaves in a manifest, which the harness must not take for settings. JSON has no
 * comments, so a key that starts with "//" is one: the schema accepts such keys in every object
 * (except env, whose keys are variable names), and the loader drops them before reading the rest.
 * A value marked <fill in: ...> is one a starter manifest left for its user to write.
 */

const FILL_IN = /<fill in\b[^>]*>/i;

/** A value the user must replace before the manifest can run. */
export const fillIn = (what: string): string => `<fill in: ${what}>`;

/** JSON pointers of every value still marked <fill in: ...>, in document order. */
export function unfilledValues(value: unknown, at = ''): string[] {
  if (typeof value === 'string') return FILL_IN.test(value) ? [at || '/'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unfilledValues(v, `${at}/${i}`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value)
      .filter(([k]) => !isCommentKey(k))
      .flatMap(([k, v]) => unfilledValues(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}

/** A key that only carries a note for the reader. */
export function isCommentKey(key: string): boolean {
  return key.startsWith('//');
}

/** The value with every comment key removed, at any depth. */
export function withoutComments<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutComments) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !isCommentKey(k))
        .map(([k, v]) => [k, withoutComments(v)]),
    ) as T;
  return value;
}
