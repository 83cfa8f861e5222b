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

/** The scalar written on a line, unquoted, as text. */
function scalarText(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    try {
      return String(JSON.parse(raw));
    } catch {
      return raw.slice(1, -1);
    }
  }
  if (raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")) return raw.slice(1, -1).replaceAll("''", "'");
  return raw;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Changes the value of one `key: value` line of a Pulumi stack file and
 * nothing else: comments, order, indentation, line endings and every other
 * line stay as they were, and a comment after the value is kept.
 *
 * Refuses, with a {@link YamlPatchError} naming the key, when the key is
 * missing, appears more than once, holds a nested value (a list, a map, a
 * `secure:` secret), or (with `expectFrom`) no longer holds the value the
 * proposal was made against. Pure string transform.
 */
export function patchConfigValue(text: string, key: string, value: ConfigValue, options: { expectFrom?: ConfigValue } = {}): string {
  const lines = text.split('\n');
  const pattern = new RegExp(`^(\\s*)(${escapeRegExp(key)}|"${escapeRegExp(key)}"|'${escapeRegExp(key)}')(\\s*:)(.*?)(\\r?)$`);
  const hits: number[] = [];
  lines.forEach((line, i) => {
    if (pattern.test(line)) hits.push(i);
  });
  if (hits.length === 0) throw new YamlPatchError(key, 'missing', `${key}: not found in the stack file; a playbook only changes keys the file already sets`);
  if (hits.length > 1) throw new YamlPatchError(key, 'duplicate', `${key}: appears ${hits.length} times (lines ${hits.map((i) => i + 1).join(', ')}); refusing to guess which one to change`);

  const at = hits[0]!;
  const m = pattern.exec(lines[at]!)!;
  const [, indent = '', name = '', colon = '', rest = '', cr = ''] = m;
  // Split `  value   # comment` into the value and what follows it.
  const vm = /^(\s*)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^#]*?)(\s+#.*)?$/.exec(rest);
  const gap = vm?.[1] ?? ' ';
  const raw = (vm?.[2] ?? '').trim();
  const comment = vm?.[3] ?? '';
  if (raw === '' || raw === '|' || raw === '>' || raw.startsWith('[') || raw.startsWith('{') || raw.startsWith('&') || raw.startsWith('*') || raw.startsWith('!')) {
    throw new YamlPatchError(key, 'not-scalar', `${key} (line ${at + 1}): holds a nested or special value (a list, a map, a secret, an anchor or a block); only one-line plain values can be patched`);
  }
  if (options.expectFrom !== undefined && scalarText(raw) !== String(options.expectFrom)) {
    throw new YamlPatchError(key, 'stale', `${key} (line ${at + 1}): is ${raw} in the file, not ${String(options.expectFrom)} as the proposal expects; the file changed since`);
  }
  let formatted: string;
  try {
    formatted = formatConfigValue(value, typeof value === 'string' && raw.startsWith('"'));
  } catch (err) {
    throw new YamlPatchError(key, 'bad-value', `${key}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out = [...lines];
  out[at] = `${indent}${name}${colon}${gap === '' ? ' ' : gap}${formatted}${comment}${cr}`;
  return out.join('\n');
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
