import { hasVariable, maskedTokens, WILDCARD } from './log-tokens.ts';
import { groupNow as wordGroupNow, groupOf, noteWords, startState, type WordStates } from './word-states.ts';
import { differInValuesOnly, fitsTemplateToken, mergeTokens, structuredToken, shapesConflict, valueToken } from './token-shape.ts';

/**
 * A streaming log-template miner in the style of Drain (He et al., ICWS
 * 2017): messages are masked and tokenised, routed through a fixed-depth
 * tree by token count and their leading tokens, and matched against the few
 * templates at that leaf by positional similarity; a match above the
 * threshold merges into the template (differing positions become `<*>`),
 * anything else starts a new template. Three departures from Drain, each
 * for a kind of line rather than a system: similarity is counted over the
 * template's constant positions only (shared variables prove nothing);
 * punctuated tokens whose names differ (`user=root`, `user=guest`) keep two
 * statements apart (./token-shape.ts); and a message with no match in its
 * leaf looks across its length group when the leading tokens it differs in
 * are qualified names, which a program prints from a variable.
 *
 * Memory is bounded: at most `maxTemplates` templates are kept, the least
 * recently seen is dropped when a new one would exceed the cap (and counted
 * in `dropped`), and tree nodes left empty are pruned with it.
 */
export interface TemplateMinerOptions {
  /** Leading tokens used to route a message (Drain's depth minus two). @defaultValue 2 */
  leadingTokens?: number;
  /** Minimum share of the template's constant positions a message must repeat to join it. @defaultValue 0.7 (the choice of every leave-one-system-out fold on nine Loghub systems, `bench:logs --loso`; see bench/log-templates.ts) */
  similarity?: number;
  /** Children per tree node before new tokens share the wildcard child. @defaultValue 100 */
  maxChildren?: number;
  /** Templates kept; the least recently seen goes first. @defaultValue 1000 */
  maxTemplates?: number;
  /**
   * Plain words a merged position may show and still be read as a state
   * that tells lines apart in {@link TemplateMatch.group} (./word-states.ts);
   * below 2, none is. @defaultValue 2 (the choice on all nine Loghub systems and of seven of the nine leave-one-out folds, `bench:logs --loso`)
   */
  wordStates?: number;
}

/** One mined template. */
export interface LogTemplate {
  /** Stable for the template's life, also across merges: `t<n>`. */
  id: string;
  /** The template text, variables written `<*>`. */
  template: string;
  /** Messages matched so far. */
  count: number;
}

/** What became of one message. */
export interface TemplateMatch {
  templateId: string;
  template: string;
  /** True exactly once per template: on the message that created it. */
  isNew: boolean;
  /** Messages the template has matched, this one included. */
  count: number;
  /**
   * The finer group of the line: the template id, with the line's word at
   * each of the template's state positions (./word-states.ts); the id
   * itself when there are none. {@link TemplateMiner.groupNow} gives what
   * it has become since.
   */
  group: string;
}

/** Counters for the bench and the service's own metrics. */
export interface TemplateMinerStats {
  lines: number;
  templates: number;
  /** Templates dropped to keep within `maxTemplates`. */
  dropped: number;
}

interface Cluster {
  id: string;
  tokens: string[];
  /** `tokens` joined, kept so a match does not join them again. */
  text: string;
  /** 1 where the template token is structured (see {@link structuredToken}), 0 where it is a plain word. */
  structured: Uint8Array;
  count: number;
  /** Neighbours in the recency list (least recently seen first). */
  older: Cluster | undefined;
  newer: Cluster | undefined;
  leaf: TreeNode;
  /** The template's state positions, when `wordStates` is on. */
  states: WordStates | undefined;
}

interface TreeNode {
  parent: TreeNode | undefined;
  key: string;
  children: Map<string, TreeNode>;
  clusters: Cluster[];
}

const newNode = (parent: TreeNode | undefined, key: string): TreeNode => ({ parent, key, children: new Map(), clusters: [] });

/**
 * The positional similarity of a template and a message of the same length:
 * the share of the template's constant positions the message repeats.
 * Positions where both hold the same variable (`<*>`, `id=<*>`), or where
 * the message fits a partly variable template token (`()` in `(<*>)`, see
 * {@link fitsTemplateToken}) or differs from it only in a value
 * (`name=a.b,` and `name=c,`, see {@link differInValuesOnly}), say nothing about whether two lines are one
 * statement, so they are left out; a bare `<*>` facing a word still counts
 * against the match, or a template of wildcards would take in every line of
 * its length that reaches its leaf. A short
 * line of numbers and one word would otherwise match anything of its length.
 * A position whose punctuated tokens cannot be one statement's (see
 * {@link shapesConflict}) rules the template out: the score is -1. So
 * does a count of differing positions that already keeps the score under
 * `floor` (the score is at most 1 - differing / length), which ends the
 * comparison early when a leaf holds many unlike templates.
 */
function similarity(template: readonly string[], structured: Uint8Array, tokens: readonly string[], floor: number): number {
  let same = 0;
  let counted = template.length;
  // The epsilon keeps a score of exactly `floor` (4 of 5 at 0.8) from being cut by rounding: (1 - 0.8) * 5 < 1.
  const maxDiffering = (1 - floor) * template.length + 1e-9;
  let differing = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const m = tokens[i]!;
    if (t === m) {
      if (hasVariable(t)) counted--;
      else same++;
    } else if (structured[i] === 1 && t !== WILDCARD && (hasVariable(t) ? fitsTemplateToken(t, m) : differInValuesOnly(t, m))) counted--;
    else if (++differing > maxDiffering) return -1;
  }
  // Shapes are checked only for a template that passed the count, as most compared templates do not.
  if (differing > 0) {
    for (let i = 0; i < template.length; i++) {
      const t = template[i]!;
      if (t !== tokens[i] && t !== WILDCARD && shapesConflict(t, tokens[i]!)) return -1;
    }
  }
  return counted === 0 ? 1 : same / counted;
}

/** How many of a message's differing positions the template already holds a variable for: the tie-break between equally similar templates. */
function wildcardsUsed(template: readonly string[], tokens: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < template.length; i++) if (template[i] !== tokens[i] && hasVariable(template[i]!)) n++;
  return n;
}

/**
 * True when every leading (routing) token where a template and a message
 * differ reads as a printed value on both sides (see {@link valueToken}):
 * only then was the tree's split on that token a split on a variable.
 */
function leadingDiffersInValues(template: readonly string[], tokens: readonly string[], leading: number): boolean {
  for (let i = 0; i < leading && i < template.length; i++) {
    const t = template[i]!;
    if (t !== tokens[i] && t !== WILDCARD && !(valueToken(t) && valueToken(tokens[i]!))) return false;
  }
  return true;
}

/**
 * Merges one more message into a cluster's template: positions that differ
 * become (partly) wildcards, and a plain word that does may start a word
 * state (./word-states.ts; `wordLimit` below 2: none).
 */
function mergeInto(c: Cluster, tokens: readonly string[], wordLimit: number): void {
  let changed = false;
  let before: string | undefined; // the template's previous token as it was before this merge
  for (let i = 0; i < c.tokens.length; i++) {
    const t = c.tokens[i]!;
    if (t !== tokens[i] && t !== WILDCARD) {
      const merged = mergeTokens(t, tokens[i]!);
      if (merged !== t) {
        if (c.states) startState(c.states, i, t, tokens[i]!, before, wordLimit);
        c.tokens[i] = merged;
        c.structured[i] = structuredToken(merged) ? 1 : 0;
        changed = true;
      }
    }
    before = t;
  }
  if (changed) c.text = c.tokens.join(' ');
}

/** Templates a look across a length group compares at most (see `bestAcross`). */
const ACROSS_BUDGET = 64;

/** A template miner with the options above; see {@link TemplateMinerOptions} for defaults. */
// eslint-disable-next-line max-lines-per-function -- a factory on the hot path: the template table and its indexes are locals its methods share; read through an object they would cost throughput, as they did for the detector
export function createTemplateMiner(options: TemplateMinerOptions = {}) {
  const leadingTokens = options.leadingTokens ?? 2;
  const threshold = options.similarity ?? 0.7;
  const maxChildren = options.maxChildren ?? 100;
  const maxTemplates = options.maxTemplates ?? 1000;
  const wordLimit = options.wordStates ?? 2;
  const byId = new Map<string, Cluster>();
  const root = newNode(undefined, '');
  // The kept templates as a doubly linked list, least recently seen first: a match moves its template
  // to the end by relinking two neighbours, with nothing allocated, and the cap drops the head.
  let oldest: Cluster | undefined;
  let newest: Cluster | undefined;
  let kept = 0;
  let nextId = 1;
  let lines = 0;
  let dropped = 0;

  /** The leaf a message is routed to, made when `create` is set and missing. */
  function leafFor(tokens: readonly string[], create: boolean): TreeNode | undefined {
    let node = root;
    // The path is the token count, then the leading tokens (a variable one as the wildcard), built key by key without an array.
    const depth = Math.min(leadingTokens, tokens.length);
    for (let d = -1; d < depth; d++) {
      const key = d < 0 ? String(tokens.length) : hasVariable(tokens[d]!) ? WILDCARD : tokens[d]!;
      // A full node sends new tokens to its wildcard child (Drain's max-children rule); lengths are never capped.
      const full = node !== root && node.children.size >= maxChildren;
      // A lookup also takes the wildcard child, where templates whose leading token varies live (Drain's rule).
      let child = node.children.get(key) ?? (full || !create ? node.children.get(WILDCARD) : undefined);
      if (!child) {
        if (!create) return undefined;
        const k = full ? WILDCARD : key;
        child = newNode(node, k);
        node.children.set(k, child);
      }
      node = child;
    }
    return node;
  }

  /** Takes a cluster off its leaf and prunes the branch it leaves empty. */
  function detach(cluster: Cluster): void {
    const leaf = cluster.leaf;
    leaf.clusters.splice(leaf.clusters.indexOf(cluster), 1);
    let node: TreeNode | undefined = leaf;
    while (node?.parent && node.clusters.length === 0 && node.children.size === 0) {
      node.parent.children.delete(node.key);
      node = node.parent;
    }
  }

  function unlink(c: Cluster): void {
    if (c.older) c.older.newer = c.newer;
    else oldest = c.newer;
    if (c.newer) c.newer.older = c.older;
    else newest = c.older;
    c.older = c.newer = undefined;
  }

  function append(c: Cluster): void {
    c.older = newest;
    if (newest) newest.newer = c;
    else oldest = c;
    newest = c;
  }

  /** Removes a cluster for good, counting the drop. */
  function evict(cluster: Cluster): void {
    unlink(cluster);
    byId.delete(cluster.id);
    kept--;
    detach(cluster);
    dropped++;
  }

  /**
   * The best template of the message's length outside its own leaf: a
   * statement whose leading token is a name printed from a variable
   * (`com.example.job-a: …`) starts in a leaf per value, and only a look
   * across the length group finds that it is one statement. Run only when
   * the message's leaf has no match, so a steady stream pays nothing; at
   * most {@link ACROSS_BUDGET} templates are compared, so a burst of lines
   * that are all new costs a bounded time each.
   */
  function bestAcross(tokens: readonly string[], skip: TreeNode | undefined): Cluster | undefined {
    const group = root.children.get(String(tokens.length));
    if (!group || leadingTokens === 0) return undefined;
    let found: Cluster | undefined;
    let bestScore = -1;
    const stack: TreeNode[] = [group];
    let budget = ACROSS_BUDGET;
    while (stack.length && budget > 0) {
      const node = stack.pop()!;
      for (const child of node.children.values()) stack.push(child);
      if (node === skip) continue;
      for (const c of node.clusters) {
        if (!leadingDiffersInValues(c.tokens, tokens, leadingTokens)) continue;
        if (budget-- <= 0) break;
        const score = similarity(c.tokens, c.structured, tokens, threshold);
        if (score > bestScore) {
          found = c;
          bestScore = score;
        }
      }
    }
    return found && bestScore >= threshold ? found : undefined;
  }

  /** Moves a cluster whose template changed to the leaf its template now routes to (a varying leading token: the wildcard's). */
  function rehome(cluster: Cluster): void {
    const home = leafFor(cluster.tokens, true)!;
    if (home === cluster.leaf) return;
    detach(cluster);
    cluster.leaf = home;
    home.clusters.push(cluster);
  }

  function best(leaf: TreeNode, tokens: readonly string[]): Cluster | undefined {
    let found: Cluster | undefined;
    let bestScore = -1;
    let bestWildcards = -1;
    for (const c of leaf.clusters) {
      const score = similarity(c.tokens, c.structured, tokens, threshold);
      if (score < bestScore || score < 0) continue;
      // Wildcards only break ties, so they are counted only for one.
      const wildcards = score > bestScore || found === undefined ? -1 : wildcardsUsed(c.tokens, tokens);
      if (score > bestScore || wildcards > bestWildcards) {
        found = c;
        bestScore = score;
        bestWildcards = wildcards === -1 ? wildcardsUsed(c.tokens, tokens) : wildcards;
      }
    }
    return found && bestScore >= threshold ? found : undefined;
  }

  /** Mines one message: the template it joined or started. */
  function add(message: string): TemplateMatch {
    lines++;
    const tokens = maskedTokens(message);
    const seen = leafFor(tokens, false);
    const local = seen && best(seen, tokens);
    const match = local ?? bestAcross(tokens, seen);
    if (match) {
      if (match.states && match.states.size > 0) noteWords(match.states, tokens, wordLimit);
      mergeInto(match, tokens, wordLimit);
      if (!local) rehome(match);
      match.count++;
      if (match !== newest) {
        unlink(match);
        append(match);
      }
      return { templateId: match.id, template: match.text, isNew: false, count: match.count, group: groupOf(match.id, match.states, tokens) };
    }
    // Evict before routing: the eviction may prune the very branch this message goes to.
    if (kept >= maxTemplates) evict(oldest!);
    const home = leafFor(tokens, true)!;
    const states = wordLimit >= 2 ? new Map() : undefined;
    const structured = Uint8Array.from(tokens, (t) => (structuredToken(t) ? 1 : 0));
    const cluster: Cluster = { id: `t${nextId++}`, tokens, text: tokens.join(' '), structured, count: 1, older: undefined, newer: undefined, leaf: home, states };
    home.clusters.push(cluster);
    byId.set(cluster.id, cluster);
    append(cluster);
    kept++;
    return { templateId: cluster.id, template: cluster.text, isNew: true, count: 1, group: cluster.id };
  }

  /** The template a message would join, without learning from it. */
  function match(message: string): LogTemplate | undefined {
    const tokens = maskedTokens(message);
    const leaf = leafFor(tokens, false);
    const c = leaf && best(leaf, tokens);
    return c && { id: c.id, template: c.text, count: c.count };
  }

  /** The templates kept, least recently seen first. */
  function templates(): LogTemplate[] {
    const out: LogTemplate[] = [];
    for (let c = oldest; c; c = c.newer) out.push({ id: c.id, template: c.text, count: c.count });
    return out;
  }

  function stats(): TemplateMinerStats {
    return { lines, templates: kept, dropped };
  }

  /** A line's {@link TemplateMatch.group} as it stands now: words at positions since found to be variables are dropped. */
  function groupNow(group: string): string {
    const bar = group.indexOf('|');
    return wordGroupNow(group, byId.get(bar < 0 ? group : group.slice(0, bar))?.states);
  }

  return { add, match, templates, stats, groupNow };
}

/** A template miner, as {@link createTemplateMiner} builds it. */
export type TemplateMiner = ReturnType<typeof createTemplateMiner>;
