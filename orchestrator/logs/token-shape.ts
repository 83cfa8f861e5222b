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

/** Marks that end a word in prose rather than join two names. */
const TRAILING = ',.:;';


/** The token without one trailing sentence mark. */
function core(token: string): string {
  return token.length > 1 && TRAILING.includes(token[token.length - 1]!) ? token.slice(0, -1) : token;
}

function hasJoiner(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (isJoinerCode(token.charCodeAt(i))) return true;
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
 * side is a variable. An empty piece against a variable also conflicts
 * (`rhost=` against `rhost=<*>`): an absent value is written differently
 * by the program, not printed from the same variable.
 */
export function shapesConflict(a: string, b: string): boolean {
  const ca = core(a);
  const cb = core(b);
  if (ca === WILDCARD || cb === WILDCARD || !hasJoiner(ca) || !hasJoiner(cb)) return false;
  const pa = parts(ca);
  const pb = parts(cb);
  if (pa.length !== pb.length) return true;
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (i % 2 === 1) return true; // a different joiner
    if (!valueLike(x) && !valueLike(y)) return true;
  }
  return false;
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
  if (pa.length !== pb.length) return WILDCARD;
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
