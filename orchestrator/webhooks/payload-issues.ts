import type { z } from 'zod';

/** At most this many problems are listed; the rest are counted. */
const MAX_LISTED = 10;

/**
 * One line naming each field that is missing or wrong, for example
 * `repository.clone_url: expected string (missing); number: expected number (got string)`.
 * Only field paths, expected types and the kind of value found are named, never values.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  const lines = issues.slice(0, MAX_LISTED).map((issue) => `${pathOf(issue.path)}: ${problemOf(issue, input)}`);
  if (issues.length > MAX_LISTED) lines.push(`and ${issues.length - MAX_LISTED} more`);
  return lines.join('; ');
}

function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

function problemOf(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'invalid_type') {
    const found = valueAt(input, issue.path);
    return `expected ${issue.expected} (${found === undefined ? 'missing' : `got ${kindOf(found)}`})`;
  }
  return issue.message;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let here = input;
  for (const key of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<PropertyKey, unknown>)[key];
  }
  return here;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
