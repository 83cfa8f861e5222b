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
 * Value masks, applied to a token before its pieces: values that contain
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

/** Joiners inside a whitespace token; the pieces between them are masked one by one. Not `<` or `>`: they would cut the wildcard itself. */
export const JOINERS = '=:,;()[]{}"\'|';

/** The joiners by character code, so the hot loops test a code without building a one-character string. */
const JOINER_CODES = new Uint8Array(128);
for (const c of JOINERS) JOINER_CODES[c.charCodeAt(0)] = 1;

/** True when the character code is one of {@link JOINERS}. */
export function isJoinerCode(code: number): boolean {
  return code < 128 && JOINER_CODES[code] === 1;
}

const LT = 60; // '<', the wildcard's first character
const QUOTE = 34; // '"'
const EQUALS = 61; // '='

/**
 * Masks one whitespace token, keeping its joiners so a template stays
 * readable: each piece between joiners that holds a digit, or a value the
 * message masks replaced (`blk_-<*>`), becomes the wildcard. One pass over
 * the characters: this is the miner's hottest loop.
 */
function maskToken(token: string): string {
  if (token === WILDCARD) return token;
  const masked = token.includes(':') || token.includes('-') || token.includes('.') ? token.replace(MESSAGE_MASK, WILDCARD) : token;
  let out = '';
  let pieceStart = 0;
  let variable = false;
  for (let i = 0; i <= masked.length; i++) {
    const code = i < masked.length ? masked.charCodeAt(i) : -1;
    if (code === -1 || isJoinerCode(code)) {
      out += variable ? WILDCARD : masked.slice(pieceStart, i);
      if (code !== -1) out += masked[i];
      pieceStart = i + 1;
      variable = false;
    } else if (code >= 48 && code <= 57) variable = true;
    else if (code === LT && masked.startsWith(WILDCARD, i)) {
      variable = true;
      i += WILDCARD.length - 1;
    }
  }
  return out;
}

/** Whitespace as `\s` has it; the ASCII cases are decided without a regular expression. */
const UNICODE_SPACE = /\s/;
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return UNICODE_SPACE.test(String.fromCharCode(code));
}

/**
 * The masked tokens of a message: whitespace split, then for each token
 * holding a digit the value masks and the per-piece digit rule. Every mask
 * matches within one whitespace token, so applying them per token is the
 * same as applying them to the message, and tokens without a digit (most
 * words) are left at once. Empty input gives no tokens. One pass over the
 * characters finds the tokens and their digits together: this runs once per
 * log line, so it is written without a split or a per-token test.
 */
export function maskedTokens(message: string): string[] {
  const out: string[] = [];
  let start = -1;
  let digit = false;
  let anyDigit = false;
  let quoted = false;
  for (let i = 0; i <= message.length; i++) {
    const code = i < message.length ? message.charCodeAt(i) : 32;
    if (isSpace(code)) {
      // A value quoted after `key=` (`tag="View Lock"`, as logfmt writes one) is one printed value: its spaces do not split the token.
      if (quoted && i < message.length) continue;
      if (start >= 0) {
        const token = message.slice(start, i);
        out.push(digit ? maskToken(token) : token);
        anyDigit ||= digit;
        start = -1;
        digit = false;
      }
    } else {
      if (start < 0) start = i;
      else if (code === QUOTE) {
        // Opened only right after `=` and when it closes within the line; a quoted text standing alone (`"GET /a HTTP/1.1"`) is words, split as usual.
        if (quoted) quoted = false;
        else if (message.charCodeAt(i - 1) === EQUALS && message.indexOf('"', i + 1) > i) quoted = true;
      }
      if (code >= 48 && code <= 57) digit = true;
    }
  }
  // A date needs a number, so a line without a digit has none to mask; nor has it a variable to run.
  if (anyDigit) {
    maskDateWords(out);
    joinVariableRuns(out);
  }
  return out;
}

/**
 * Month and weekday names, in English, short and long: the words of a
 * printed date (`Fri Jun 17 07:07:00 2005`, `17 Jun`). Next to a number they
 * are the date's parts, values like the number beside them.
 */
const CALENDAR_WORDS = new Set(
  ('jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december ' +
    'mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday')
    .split(' ')
    // Lower, Capitalised and UPPER spellings, each also with a trailing comma, so a token is looked up as it is, with no string built.
    .flatMap((w) => [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase()])
    .flatMap((w) => [w, `${w},`]),
);

/** The first letters of calendar words, by character code: most tokens are passed over on their first letter. */
const CALENDAR_INITIALS = new Uint8Array(128);
for (const w of CALENDAR_WORDS) CALENDAR_INITIALS[w.charCodeAt(0)] = 1;

/** True when a token, one trailing comma aside, is a month or weekday name. */
function isCalendarWord(token: string): boolean {
  return CALENDAR_WORDS.has(token);
}

/**
 * Masks month and weekday names that stand next to a variable: a date
 * printed in the message, whose words change with the day as its numbers
 * do. Right to left, so `Fri Jun 17` masks `Jun` by `17` and then `Fri` by
 * `Jun`. A calendar word among words (`may not`) is left alone.
 */
function maskDateWords(tokens: string[]): void {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.length > 10 || t.length < 3 || CALENDAR_INITIALS[t.charCodeAt(0) & 127] !== 1 || !isCalendarWord(t)) continue;
    if ((i + 1 < tokens.length && hasVariable(tokens[i + 1]!)) || (i > 0 && hasVariable(tokens[i - 1]!))) tokens[i] = WILDCARD;
  }
}

/**
 * Makes each run of bare variables one: a value printed in parts (`Fri Jun
 * 17`) or a list of values (`delete blk_1 blk_2`, `channels 1 2 3 … 161`)
 * whose length varies from line to line; kept apart, each length would be
 * a template of its own. In place.
 */
function joinVariableRuns(tokens: string[]): void {
  let n = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === WILDCARD && n > 0 && tokens[n - 1] === WILDCARD) continue;
    tokens[n++] = t;
  }
  tokens.length = n;
}

/** True when a token holds a variable part (the parse tree routes such tokens to the wildcard child). */
export function hasVariable(token: string): boolean {
  return token.includes(WILDCARD);
}
