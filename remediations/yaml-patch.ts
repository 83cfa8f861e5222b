import { Composer, CST, isScalar, LineCounter, Parser, visit, type Pair, type Scalar } from 'yaml';
import type { ConfigPatchProposal, ConfigValue } from './proposal.ts';

/** Why a stack file could not be patched. */
export type YamlPatchReason = 'missing' | 'duplicate' | 'not-scalar' | 'stale' | 'bad-value';

/** A stack file that cannot be patched safely: the text is left as it was. */
export class YamlPatchError extends Error {
  override readonly name = 'YamlPatchError';
  constructor(
    readonly key: string,
    readonly reason: YamlPatchReason,
    message: string,
  ) {
    super(message);
  }
}

const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/**
 * A config value as YAML: numbers and booleans bare; a string bare when it
 * reads back as the same string (`small`, `t3.large`, `v1.0.0`), else double
 * quoted (`"1"`, `"2026-11-29T00:00:00.000Z"`, anything with spaces or `:`).
 */
export function formatConfigValue(value: ConfigValue, preferQuotes = false): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new YamlPatchError('', 'bad-value', `cannot write ${value} to a stack file`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (!preferQuotes && /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(value) && !RESERVED.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * Changes the value of one `key: value` entry of a Pulumi stack file and
 * nothing else: comments, order, indentation, line endings and every other
 * line stay as they were, and a comment after the value is kept. The file is
 * read with the `yaml` package's parser (its concrete syntax tree keeps every
 * byte), the value token is rewritten in place, and the tree is written back.
 *
 * Refuses, with a {@link YamlPatchError} naming the key, when the key is
 * missing, appears more than once, holds a nested value (a list, a map, a
 * `secure:` secret, an alias, a tagged or block scalar), or (with
 * `expectFrom`) no longer holds the value the proposal was made against.
 * Pure string transform.
 */
export function patchConfigValue(text: string, key: string, value: ConfigValue, options: { expectFrom?: ConfigValue } = {}): string {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  // Duplicate keys are reported below with their lines, so the composer must not stop at them.
  const docs = Array.from(new Composer({ keepSourceTokens: true, uniqueKeys: false }).compose(tokens));
  const lineOf = (node: { range?: [number, number, number] | null }) => lines.linePos(node.range?.[0] ?? 0).line;
  const hits: Pair[] = [];
  for (const doc of docs) {
    visit(doc, {
      Pair(_, pair) {
        if (isScalar(pair.key) && String(pair.key.value) === key) hits.push(pair);
      },
    });
  }
  if (hits.length === 0) throw new YamlPatchError(key, 'missing', `${key}: not found in the stack file; a playbook only changes keys the file already sets`);
  if (hits.length > 1) {
    throw new YamlPatchError(key, 'duplicate', `${key}: appears ${hits.length} times (lines ${hits.map((p) => lineOf(p.key as Scalar)).join(', ')}); refusing to guess which one to change`);
  }

  const pair = hits[0]!;
  const line = lineOf(pair.key as Scalar);
  const node = pair.value;
  const plainOrQuoted = isScalar(node) && !node.anchor && !node.tag && node.srcToken && CST.isScalar(node.srcToken) && !(node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
  if (!plainOrQuoted || node.source === '' || node.value === null) {
    throw new YamlPatchError(key, 'not-scalar', `${key} (line ${line}): holds a nested or special value (a list, a map, a secret, an anchor or a block); only one-line plain values can be patched`);
  }
  const current = CST.resolveAsScalar(node.srcToken as CST.FlowScalar).value;
  if (options.expectFrom !== undefined && current !== String(options.expectFrom)) {
    throw new YamlPatchError(key, 'stale', `${key} (line ${line}): is ${current} in the file, not ${String(options.expectFrom)} as the proposal expects; the file changed since`);
  }
  let formatted: string;
  try {
    formatted = formatConfigValue(value, typeof value === 'string' && node.type === 'QUOTE_DOUBLE');
  } catch (err) {
    throw new YamlPatchError(key, 'bad-value', `${key}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // formatConfigValue decided the style: bare, or double quoted as JSON writes it (which YAML reads the same).
  if (formatted.startsWith('"')) CST.setScalarValue(node.srcToken as CST.FlowScalar, JSON.parse(formatted) as string, { type: 'QUOTE_DOUBLE' });
  else CST.setScalarValue(node.srcToken as CST.FlowScalar, formatted, { type: 'PLAIN' });
  return tokens.map((t) => CST.stringify(t)).join('');
}

/**
 * Applies every change of a config-patch proposal to the text of its stack
 * file, each checked against its `from` value. All or nothing: the first
 * refusal throws and no partial text is returned.
 */
export function applyConfigPatch(text: string, proposal: Pick<ConfigPatchProposal, 'changes'>): string {
  let out = text;
  for (const c of proposal.changes) out = patchConfigValue(out, c.key, c.to, { expectFrom: c.from });
  return out;
}
