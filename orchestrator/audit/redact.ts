import { Secret } from '../config/secret.ts';
import type { JsonValue } from './audit-entry.ts';

/** What a redacted value becomes. */
export const REDACTED = '[redacted]';

/** Known secret values shorter than this are not searched for: too many false hits in ordinary text. */
const MIN_SECRET_LENGTH = 4;

/**
 * Secrets with a recognisable shape, found even when nobody told us the
 * value: the audit log must hold none, and evidence quotes tool output and
 * error messages, where credentials leak in practice.
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  // `aws_secret_access_key = …`, `"SecretAccessKey": "…"`: keep the name, drop the 40-character value.
  [/((?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/gi, `$1${REDACTED}`],
  // GitHub tokens (classic and fine-grained).
  [/\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g, REDACTED],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`],
  // Passwords in URLs: redis://:pw@host, https://user:pw@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, `$1${REDACTED}@`],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
];

/** Found anywhere inside a word of a key name: `dbPassword`, `clientSecret`, `GITHUB_TOKEN`. */
const SECRET_KEY_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'privatekey', 'authorization', 'cookie'];
/** Only as a whole word, so `passed`, `bypass` and `author` stay readable. */
const SECRET_KEY_WORDS = new Set(['pass', 'pwd', 'auth']);
/** Two adjacent words: `apiKey`, `x-api-key`, `private_key`. */
const SECRET_KEY_PAIRS = new Set(['api key', 'private key']);

/**
 * Whether a key's name says its value is a secret. Matches by words of the
 * name (camelCase, snake_case, kebab-case) rather than one substring regex,
 * so guardrail evidence like `passed: true` is not mistaken for a password.
 */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some(
    (w, i) => SECRET_KEY_WORDS.has(w) || SECRET_KEY_PARTS.some((p) => w.includes(p)) || (i > 0 && SECRET_KEY_PAIRS.has(`${words[i - 1]} ${w}`)),
  );
}

/**
 * A deep, JSON-safe copy of `value` with no secret left in it:
 * - every occurrence of a known secret value (`secrets`, and the value of
 *   any `Secret` found inside `value`) of 4 or more characters, inside any
 *   string or key, becomes `[redacted]`;
 * - the value of a key whose name looks secret (`password`, `apiKey`,
 *   `token`, `authorization`, `credentials`, `privateKey`…) becomes
 *   `[redacted]`, unless it is a boolean or null, which cannot leak one;
 * - `Secret` instances become `[secret]`;
 * - AWS access key ids, AWS secret keys after their name, GitHub tokens,
 *   bearer tokens, passwords in URLs and PEM private keys become `[redacted]`.
 *
 * The copy follows `JSON.stringify` (Dates become ISO strings, `undefined`
 * is left out, non-finite numbers become null), plus: errors keep `name` and
 * `message`, Maps become objects, Sets arrays, cycles `[circular]`. It is
 * what the audit log stores and hashes. `value` is not changed.
 */
export function redactSecrets(value: unknown, secrets: readonly string[] = []): JsonValue {
  const known = [...new Set([...secrets, ...secretsInside(value)])]
    .filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret that contains another is removed whole.
    .sort((a, b) => b.length - a.length);
  const redactString = (s: string): string => {
    for (const secret of known) if (s.includes(secret)) s = s.split(secret).join(REDACTED);
    for (const [pattern, replacement] of SECRET_PATTERNS) s = s.replace(pattern, replacement);
    return s;
  };
  const ancestors = new Set<object>();

  function copy(v: unknown): JsonValue | undefined {
    if (v === null) return null;
    switch (typeof v) {
      case 'string':
        return redactString(v);
      case 'number':
        return Number.isFinite(v) ? v : null;
      case 'boolean':
        return v;
      case 'bigint':
        return redactString(v.toString());
      case 'object':
        break;
      default:
        return undefined; // undefined, function, symbol: left out, as JSON does
    }
    if (v instanceof Secret) return '[secret]';
    if (ancestors.has(v)) return '[circular]';
    ancestors.add(v);
    try {
      if (v instanceof Error) return { name: redactString(v.name), message: redactString(v.message) };
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return copy((v as { toJSON: () => unknown }).toJSON());
      if (Array.isArray(v) || v instanceof Set) return [...v].map((item) => copy(item) ?? null);
      const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
      const out: { [key: string]: JsonValue } = {};
      for (const [k, item] of entries) {
        // Assigning `__proto__` would set the copy's prototype, not a key; zod drops it too.
        if (k === '__proto__') continue;
        const key = redactString(String(k));
        const c = isSecretKey(String(k)) && typeof item !== 'boolean' && item !== null && item !== undefined ? REDACTED : copy(item);
        if (c !== undefined) out[key] = c;
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  }

  return copy(value) ?? null;
}

/** The values of the `Secret`s inside `value`, so the same value written out in plain text elsewhere is caught too. */
function secretsInside(value: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Secret) {
      found.push(v.reveal());
      return;
    }
    const items = v instanceof Map ? [...v.keys(), ...v.values()] : Array.isArray(v) || v instanceof Set ? [...v] : Object.values(v);
    items.forEach(walk);
  };
  walk(value);
  return found;
}
