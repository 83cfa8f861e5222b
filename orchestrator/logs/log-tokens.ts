/**
 * Tokenising and masking of one log message, before template mining.
 *
 * One configuration for every source: no per-system expressions. The masks
 * are the kinds of value that vary between two emissions of the same log
 * statement in almost any program: addresses, identifiers, numbers. A token
 * is split on punctuation that commonly joins a name to its value
 * (`size=42`, `port:8080`, `(3)`), and each piece holding a digit becomes the
 * wildcard: a digit is the one signal that holds across systems that a piece
 * was printed from a variable rather than written in the format string.
 */

/** The wildcard that stands for a variable, in tokens and templates. */
export const WILDCARD = '<*>';

/**
 * Whole-message masks, applied before splitting: values that contain
 * whitespace-free punctuation the piece splitter would cut into several
 * pieces of different counts (an IPv6 address has a varying number of `:`).
 */
const MESSAGE_MASKS: readonly RegExp[] = [
  // UUIDs, in any case.
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/,
  // IPv6 (at least three groups, so clock times like 12:30:01 stay for the piece rule).
  /\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/,
  // IPv4 with an optional port.
  /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/,
  // Hexadecimal literals and long hex runs (hashes, object addresses, trace ids).
  /\b0x[0-9a-f]+\b/,
  /\b[0-9a-f]{16,}\b/,
];

/** The masks as one alternation: one pass over the message instead of one per mask. */
const MESSAGE_MASK = new RegExp(MESSAGE_MASKS.map((r) => `(?:${r.source})`).join('|'), 'gi');

/** Whether a message may hold anything a mask matches: each needs a digit (or `0x`). */
const ANY_DIGIT = /\d/;

/** Joiners inside a whitespace token; the pieces between them are masked one by one. Not `<` or `>`: they would cut the wildcard itself. */
const PIECE_SPLIT = /([=:,;()[\]{}"'|])/;

const DIGIT = /\d/;

/** Masks one whitespace token, keeping its joiners so a template stays readable. */
function maskToken(token: string): string {
  if (token === WILDCARD) return token;
  if (!DIGIT.test(token) && !token.includes(WILDCARD)) return token;
  const pieces = token.split(PIECE_SPLIT);
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    // Odd indices are the captured joiners. A piece that holds a masked value
    // (`blk_-<*>`) is a variable as a whole, like one that holds a digit.
    if (i % 2 === 1 || p === WILDCARD || (!DIGIT.test(p) && !p.includes(WILDCARD))) out += p;
    else out += WILDCARD;
  }
  return out;
}

/**
 * The masked tokens of a message: whole-message masks, then whitespace
 * split, then the per-piece digit rule. Empty input gives no tokens.
 */
export function maskedTokens(message: string): string[] {
  const text = ANY_DIGIT.test(message) ? message.replace(MESSAGE_MASK, WILDCARD) : message;
  const raw = text.trim().split(/\s+/);
  if (raw.length === 1 && raw[0] === '') return [];
  return raw.map(maskToken);
}

/** True when a token holds a variable part (the parse tree routes such tokens to the wildcard child). */
export function hasVariable(token: string): boolean {
  return token.includes(WILDCARD);
}
