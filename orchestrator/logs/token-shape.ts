/**
 * The shape of a punctuated token, and when two such tokens cannot come
 * from one log statement.
 *
 * A token like `user=root`, `WWEN[enable]`, `LOGIN(uid=<*>)` or
 * `Foo::sync:` is built of names joined by punctuation. The names next to
 * a joiner are almost always written in the format string (a key, a flag,
 * a function): variables are what the digit and value masks already turned
 * into `<*>`. So two such tokens at the same position that differ in a
 * piece neither side masked, or in their punctuation, mark two statements,
 * however many other positions agree. Plain words (`payments`,
 * `checkout`) carry no such signal and are left to the similarity score.
 *
 * One trailing sentence mark (`done,` `failed.` `name:`) is not structure:
 * it follows a word in prose, whatever the word.
 */
import { isJoinerCode, WILDCARD } from './log-tokens.ts';

/** Marks that end a word in prose rather than join two names: `,` `.` `:` `;`. */
function isTrailingCode(code: number): boolean {
  return code === 44 || code === 46 || code === 58 || code === 59;
}

/** Where the token ends once one trailing sentence mark is set aside. */
function coreEnd(token: string): number {
  return token.length > 1 && isTrailingCode(token.charCodeAt(token.length - 1)) ? token.length - 1 : token.length;
}

/** The token without one trailing sentence mark. */
function core(token: string): string {
  const end = coreEnd(token);
  return end === token.length ? token : token.slice(0, end);
}

/** True when a joiner occurs before `end`; no string is built, since most calls answer no. */
function hasJoiner(token: string, end = token.length): boolean {
  for (let i = 0; i < end; i++) if (isJoinerCode(token.charCodeAt(i))) return true;
  return false;
}

/**
 * A piece that may have been printed from a variable: masked already, or a
 * qualified name (`com.example.app`, `host.domain`, `a/b/c`): dots and
 * slashes between names are how hosts, packages and paths are written.
 */
function valueLike(piece: string): boolean {
  return piece.includes(WILDCARD) || piece.includes('.') || piece.includes('/');
}

/** How programs print a value that is absent: `null`, `None`, `nil`, `undefined`. */
const ABSENT = new Set(['null', 'NULL', 'Null', 'None', 'none', 'nil', 'undefined']);

/**
 * True when two `key=value` tokens share their key and one value is printed
 * absent (`ws=null` beside `ws=WorkSource{<*>}`): the value's own structure
 * is the value's, so an absent one does not make a second statement.
 */
function absentValueOfKey(pa: readonly string[], pb: readonly string[]): boolean {
  if (pa[1] !== '=' || pb[1] !== '=' || pa[0] !== pb[0] || pa[0] === '') return false;
  return (pa.length === 3 && ABSENT.has(pa[2]!)) || (pb.length === 3 && ABSENT.has(pb[2]!));
}

/**
 * The template token for two `key=value` tokens of one key whose values
 * are built differently: the key stays and the whole value is the wildcard
 * (`ws=<*>,`), so the next line's `ws=null,` still fits it; other tokens
 * become the bare wildcard.
 */
function keyedWildcard(a: string, b: string, pa: readonly string[], pb: readonly string[]): string {
  if (pa[1] !== '=' || pb[1] !== '=' || pa[0] !== pb[0] || pa[0] === '') return WILDCARD;
  const mark = a.at(-1) === b.at(-1) && coreEnd(a) < a.length && coreEnd(b) < b.length ? a.at(-1)! : '';
  return `${pa[0]}=${WILDCARD}${mark}`;
}

/**
 * True when piece `i` of a token's parts is a value quoted after a key
 * (`tag="View Lock"`: `tag` `=` `` `"` `View Lock` `"`): logfmt quotes a
 * value because it is free text, so whatever is inside is printed; but not
 * under a message key (`msg="…"`), whose text is the statement.
 */
function quotedValue(p: readonly string[], i: number): boolean {
  return i >= 4 && p[i - 1] === '"' && p[i + 1] === '"' && p[i - 2] === '' && p[i - 3] === '=' && !MESSAGE_KEYS.has(p[i - 4]!);
}

/**
 * The keys under which structured loggers (logfmt, slog, zap, logrus,
 * pino, bunyan, winston) write the message itself: their quoted text is
 * the statement, not a value printed into it.
 */
const MESSAGE_KEYS = new Set(['msg', 'message', 'MSG', 'Message', 'MESSAGE']);

/** The token cut at its joiners: pieces and joiners alternate, starting with a piece (maybe empty). */
function parts(token: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < token.length; i++) {
    if (isJoinerCode(token.charCodeAt(i))) {
      out.push(token.slice(start, i), token[i]!);
      start = i + 1;
    }
  }
  out.push(token.slice(start));
  return out;
}

/**
 * True when two differing tokens at one position cannot belong to one
 * statement: both are punctuated after their trailing mark is set aside,
 * and either their punctuation differs or a piece differs where neither
 * side reads as a value (a variable, a qualified name or a path).
 */
export function shapesConflict(a: string, b: string): boolean {
  // The wildcard and plain words hold no joiner: the common answer, found without building a string.
  if (!hasJoiner(a, coreEnd(a)) || !hasJoiner(b, coreEnd(b))) return false;
  const ca = core(a);
  const cb = core(b);
  const pa = parts(ca);
  const pb = parts(cb);
  if (pa.length !== pb.length) return !absentValueOfKey(pa, pb);
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (i % 2 === 1) return true; // a different joiner
    if (!valueLike(x) && !valueLike(y) && !quotedValue(pa, i)) return true;
  }
  return false;
}

/**
 * True when two differing tokens are one statement's token printed with
 * different values: both punctuated alike, and every piece where they differ
 * reads as a value on one side at least (`name=com.android.phone,` and
 * `name=android,`). Such a position is a variable, like a masked number.
 */
export function differInValuesOnly(a: string, b: string): boolean {
  return hasJoiner(a, coreEnd(a)) && hasJoiner(b, coreEnd(b)) && !shapesConflict(a, b);
}

/**
 * True when a token holds a variable or a joiner (a trailing sentence mark
 * aside): only such a template token can be fitted by another token or
 * differ from it in values only. The miner keeps this per template
 * position, so a plain word that differs costs no scan of its characters.
 */
export function structuredToken(token: string): boolean {
  return token.includes(WILDCARD) || hasJoiner(token, coreEnd(token));
}

/**
 * The template token for two tokens of one statement: equal tokens stay,
 * punctuated tokens of the same shape keep their shared pieces and get the
 * wildcard where they differ (`name=<*>,`), anything else is the wildcard.
 */
export function mergeTokens(a: string, b: string): string {
  if (a === b) return a;
  if (a === WILDCARD || b === WILDCARD || !hasJoiner(a) || !hasJoiner(b)) return WILDCARD;
  const pa = parts(a);
  const pb = parts(b);
  if (pa.length !== pb.length) return keyedWildcard(a, b, pa, pb);
  let out = '';
  for (let i = 0; i < pa.length; i++) {
    if (i % 2 === 1 && pa[i] !== pb[i]) return WILDCARD;
    out += pa[i] === pb[i] ? pa[i] : WILDCARD;
  }
  return out;
}

/**
 * True when a whole token reads as a value rather than a word of the format
 * string: it holds a variable, or is a qualified name or path
 * (`com.example.job:`, `/var/run/x`), a trailing sentence mark aside.
 */
export function valueToken(token: string): boolean {
  return valueLike(core(token));
}

/**
 * True when a token could have been printed by a partly variable template
 * token: the template's constant pieces appear in order and each `<*>`
 * stands for any text, the empty text included (`()` fits `(<*>)`,
 * `id=7f` fits `id=<*>`). A value left empty is still that value: `from
 * host ()` and `from host (name.example.org)` are one statement.
 */
export function fitsTemplateToken(template: string, token: string): boolean {
  let at = template.indexOf(WILDCARD);
  if (at < 0) return template === token;
  if (!token.startsWith(template.slice(0, at))) return false;
  let pos = at;
  for (;;) {
    const from = at + WILDCARD.length;
    at = template.indexOf(WILDCARD, from);
    const piece = template.slice(from, at < 0 ? undefined : at);
    if (at < 0) return token.length - piece.length >= pos && token.endsWith(piece);
    const found = token.indexOf(piece, pos);
    if (found < 0) return false;
    pos = found + piece.length;
  }
}
