/**
 * States named by a word: positions of a template where a handful of plain
 * words take turns (`layout begin` / `layout end`, `Powered On` / `Powered
 * Off`, `from RUNNING to FAILED`). The miner merges such lines into one
 * template, as Drain does, since one word in a long line is too little to
 * keep them apart; but a word that only ever takes a few values is usually
 * written in the program (a state, a direction, a yes or no), while a
 * variable printed into the line (a user, a host, a file) soon shows many.
 * So each position merged from plain words keeps the words it has seen, up
 * to a small limit; lines are then told apart by their words there, until
 * the position shows more words than the limit, when it is a variable and
 * its lines are one group again.
 *
 * Pure: the miner keeps one {@link WordStates} per template.
 */
import { hasVariable } from './log-tokens.ts';

/**
 * Per template position, the words seen there while few, the template's
 * own constant first (a Set keeps insertion order); a position not in the
 * map is a constant or a variable.
 */
export type WordStates = Map<number, Set<string>>;

const MAX_WORD = 40;

/** `,` `:` `;` `.`: the one sentence mark a word may end with (`Yes,`). */
const trailingMark = (c: number): boolean => c === 44 || c === 58 || c === 59 || c === 46;

/**
 * True for a token that is a plain word: letters, with `_`, `-` or `*`
 * inside, and at most one trailing sentence mark (`Yes,`). A token with a
 * digit, a dot or other punctuation is a value or a structure, not a state.
 */
export function plainWord(token: string): boolean {
  const n = token.length;
  if (n === 0 || n > MAX_WORD) return false;
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (letter) continue;
    if (i === 0) return false;
    if (c === 95 || c === 45 || c === 42) continue; // _ - *
    if (i === n - 1 && trailingMark(c)) continue;
    return false;
  }
  return true;
}

/** True for an enum-style name: capitals and `_` only, two characters or more (`RUNNING`, `TIME_TICK`), a trailing mark aside. */
export function enumWord(token: string): boolean {
  let n = token.length;
  if (trailingMark(token.charCodeAt(n - 1))) n--;
  if (n < 2) return false;
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || c === 95)) return false;
  }
  return true;
}

/**
 * The words a position may hold: twice the limit while every word is an
 * enum-style name, since a program prints an enum's constants by name and
 * an enum of states often has more than two (`LOOKING`, `LEADING`,
 * `FOLLOWING`), while user, host and file names are rarely all capitals.
 */
function limitFor(seen: ReadonlySet<string>, next: string, limit: number): number {
  if (!enumWord(next)) return limit;
  for (const w of seen) if (!enumWord(w)) return limit;
  return 2 * limit;
}

/**
 * Learns a line's words at the template's state positions, before the
 * template merges the line: a known position takes the line's word, and a
 * position that would hold more than its limit, or a value that is not a
 * plain word, is a variable from then on. Costs one step per state
 * position, not per token: it runs for every line a template matches.
 */
export function noteWords(states: WordStates, tokens: readonly string[], limit: number): void {
  for (const [i, seen] of states) {
    const m = tokens[i]!;
    if (seen.has(m)) continue;
    if (plainWord(m) && seen.size < limitFor(seen, m, limit)) seen.add(m);
    else states.delete(i);
  }
}

/**
 * Called as the template merges a line, for a constant position the line
 * changes (`was` becomes a variable because the line has `word`; `before`
 * is the template's token before it, as it was): two plain words start a
 * state position holding both, unless the position follows a variable: a
 * word after a number is its unit (`5.2 KB`, `80 B`), which changes with
 * the number's size. `limit` below 2 tracks nothing.
 */
export function startState(states: WordStates, i: number, was: string, word: string, before: string | undefined, limit: number): void {
  if (limit >= 2 && plainWord(was) && plainWord(word) && !(before !== undefined && hasVariable(before))) states.set(i, new Set([was, word]));
}

/** The group of a line in a template: the template's id, with the line's word at each state position (`t7|4=begin`). */
export function groupOf(id: string, states: WordStates | undefined, tokens: readonly string[]): string {
  if (!states || states.size === 0) return id;
  let out = id;
  // In the map's order, not the positions': groupNow writes them in order, and this runs once per line.
  for (const i of states.keys()) out += `|${i}=${tokens[i]}`;
  return out;
}

/**
 * A group as it stands now, in the template's state positions of now:
 * positions that have since become variables are dropped, so lines told
 * apart early by a word that turned out to be a variable come together
 * again; a position that became a state after the line was mined held the
 * template's constant then, which is the state's first word.
 */
export function groupNow(group: string, states: WordStates | undefined): string {
  const bar = group.indexOf('|');
  const id = bar < 0 ? group : group.slice(0, bar);
  if (!states || states.size === 0) return id;
  const had = new Map<number, string>();
  if (bar >= 0) {
    for (const part of group.slice(bar + 1).split('|')) {
      const eq = part.indexOf('=');
      had.set(Number(part.slice(0, eq)), part.slice(eq + 1));
    }
  }
  let out = id;
  for (const i of [...states.keys()].sort((a, b) => a - b)) out += `|${i}=${had.get(i) ?? states.get(i)!.values().next().value}`;
  return out;
}
