/** Reads one header by name, in any case; see {@link readHeaders}. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * Case-insensitive access to request headers.
 *
 * Node lower-cases header names, but callers (tests, other servers) may not, and
 * the same header can then arrive under two spellings. A header counts only when
 * it has exactly one distinct non-empty value: a repeated security header with
 * different values is ambiguous, and is treated as absent rather than guessed.
 */
export function readHeaders(raw: Record<string, string | string[] | undefined>): HeaderLookup {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const values = byName.get(key) ?? new Set<string>();
    for (const v of typeof value === 'string' ? [value] : value) {
      const trimmed = v.trim();
      if (trimmed !== '') values.add(trimmed);
    }
    byName.set(key, values);
  }
  return (name) => {
    const values = byName.get(name.toLowerCase());
    if (values === undefined || values.size !== 1) return undefined;
    const [only] = values;
    return only;
  };
}
