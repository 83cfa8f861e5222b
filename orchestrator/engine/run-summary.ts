import type { EngineEvent, OpType } from '@pulumi/pulumi/automation/index.js';

/**
 * The structured result of one engine run (preview, up, refresh, destroy),
 * folded from the engine's event stream: what a person reads in a Pulumi
 * preview, as data. Pure: no engine, no I/O.
 */

/** Operations a summary counts; a replacement counts once, as `replace`. */
export const COUNTED_OPS = ['create', 'update', 'replace', 'delete', 'same', 'read', 'refresh', 'import'] as const;
export type CountedOp = (typeof COUNTED_OPS)[number];

export interface PropertyChange {
  /** Property path, for example `capacity` or `tags.owner`. */
  path: string;
  kind: 'add' | 'delete' | 'update';
  /** Whether this change forces a replacement. */
  replace: boolean;
  old?: unknown;
  new?: unknown;
}

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  op: CountedOp;
  changes: PropertyChange[];
}

export interface PolicyViolation {
  policyPack: string;
  policyPackVersion: string;
  policy: string;
  /** `mandatory` stops the run; `advisory` only warns. */
  level: 'mandatory' | 'advisory';
  message: string;
  urn?: string;
}

export interface RunSummary {
  counts: Record<CountedOp, number>;
  /** Every resource the run touched, `same` ones included, in engine order. */
  resources: ResourceChange[];
  policyViolations: PolicyViolation[];
  /** Stack outputs; values not known until apply are `"[unknown]"`. */
  outputs: Record<string, unknown>;
  /** Error diagnostics the engine reported, in order. */
  errors: string[];
  /**
   * The stacks the program read outputs of (its StackReferences), by the
   * name it gave the engine (`organization/project/stack` on a file backend),
   * sorted: what the stack graph learns of a stack's dependencies.
   */
  stackReferences: string[];
}

/** The engine's resource type of a StackReference (a read of another stack's outputs). */
export const STACK_REFERENCE_TYPE = 'pulumi:pulumi:StackReference';

/** The engine's placeholder for a value that is only known after apply. */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

export function emptyCounts(): Record<CountedOp, number> {
  return Object.fromEntries(COUNTED_OPS.map((op) => [op, 0])) as Record<CountedOp, number>;
}

function countedOp(op: OpType): CountedOp | undefined {
  switch (op) {
    case 'create-replacement':
    case 'replace':
      return 'replace';
    case 'read-replacement':
      return 'read';
    case 'import-replacement':
      return 'import';
    case 'create':
    case 'update':
    case 'delete':
    case 'same':
    case 'read':
    case 'refresh':
    case 'import':
      return op;
    // The second half of a replacement and bookkeeping steps are not changes of their own.
    default:
      return undefined;
  }
}

/** Reads `a.b[0].c` out of a value. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.match(/[^.[\]"]+/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function scrubUnknowns(v: unknown): unknown {
  if (v === UNKNOWN) return '[unknown]';
  if (Array.isArray(v)) return v.map(scrubUnknowns);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, scrubUnknowns(x)]));
  }
  return v;
}

/**
 * Top-level keys whose values differ, for providers (dynamic ones among them)
 * that report a change without saying which properties. Keys starting with
 * `__` are the engine's own bookkeeping (a dynamic provider's serialised code).
 */
export function topLevelDiffs(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => !k.startsWith('__') && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}

function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf('::') + 2);
}

function diffKind(kind: string): { kind: PropertyChange['kind']; replace: boolean } {
  const replace = kind.endsWith('-replace');
  const base = kind.replace('-replace', '');
  return { kind: base === 'add' || base === 'delete' ? base : 'update', replace };
}

function propertyChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  detailedDiff: Record<string, { diffKind: unknown }> | undefined,
  diffs: string[],
): PropertyChange[] {
  // Providers that report a change without naming properties (dynamic
  // providers do) get a diff computed here, top level only.
  const detailed = detailedDiff ?? Object.fromEntries((diffs.length ? diffs : topLevelDiffs(before, after)).map((p) => [p, { diffKind: 'update' }]));
  return Object.entries(detailed).map(([path, d]): PropertyChange => {
    const { kind, replace } = diffKind(String(d.diffKind));
    const change: PropertyChange = { path, kind, replace };
    if (kind !== 'add') change.old = scrubUnknowns(valueAt(before, path));
    if (kind !== 'delete') change.new = scrubUnknowns(valueAt(after, path));
    return change;
  });
}

/** Engine-internal resources that are not part of what a person declared. */
function isBookkeeping(type: string): boolean {
  return type === 'pulumi:pulumi:Stack' || type.startsWith('pulumi:providers:');
}

/** Folds an engine event stream into a {@link RunSummary}. */
export function summarizeEvents(events: readonly EngineEvent[]): RunSummary {
  const byUrn = new Map<string, ResourceChange>();
  // Keyed by what they say: `pulumi up` runs the packs in its preview and again in its update.
  const policyViolations = new Map<string, PolicyViolation>();
  const errors: string[] = [];
  let outputs: Record<string, unknown> = {};
  const references = new Set<string>();

  for (const e of events) {
    const pre = e.resourcePreEvent?.metadata;
    if (pre?.type === STACK_REFERENCE_TYPE) {
      // The stack read is its `name` input; a reference left unnamed takes its resource name.
      const name = pre.new?.inputs?.['name'] ?? pre.old?.inputs?.['name'] ?? nameOfUrn(pre.urn);
      if (typeof name === 'string' && name !== '') references.add(name);
    }
    if (pre && !isBookkeeping(pre.type)) {
      const op = countedOp(pre.op);
      if (op) {
        // A refresh learns what changed only when the resource has been read
        // (its outputs event, below); until then it counts as unchanged.
        const changes =
          op === 'refresh' || op === 'same'
            ? []
            : propertyChanges(pre.old?.inputs ?? {}, pre.new?.inputs ?? {}, pre.detailedDiff, pre.diffs ?? []);
        byUrn.set(pre.urn, { urn: pre.urn, type: pre.type, name: nameOfUrn(pre.urn), op: op === 'refresh' ? 'same' : op, changes });
      }
    }
    const out = e.resOutputsEvent?.metadata;
    if (out?.type === 'pulumi:pulumi:Stack' && out.new?.outputs) {
      outputs = scrubUnknowns(out.new.outputs) as Record<string, unknown>;
    }
    if (out && !isBookkeeping(out.type) && byUrn.get(out.urn)?.op === 'same' && (out.op === 'update' || out.op === 'delete')) {
      // Drift found by a refresh: the cloud's state differs from the engine's.
      const found = byUrn.get(out.urn)!;
      found.op = out.op === 'delete' ? 'delete' : 'refresh';
      found.changes = out.op === 'delete' ? [] : propertyChanges(out.old?.outputs ?? {}, out.new?.outputs ?? {}, undefined, []);
    }
    const policy = e.policyEvent;
    if (policy) {
      const violation: PolicyViolation = {
        policyPack: policy.policyPackName,
        policyPackVersion: policy.policyPackVersion,
        policy: policy.policyName,
        level: policy.enforcementLevel === 'mandatory' ? 'mandatory' : 'advisory',
        message: policy.message.trim(),
      };
      if (policy.resourceUrn) violation.urn = policy.resourceUrn;
      policyViolations.set(JSON.stringify(violation), violation);
    }
    const diag = e.diagnosticEvent;
    if (diag?.severity === 'error') errors.push(diag.message.trim());
  }
  const resources = [...byUrn.values()];
  const counts = emptyCounts();
  for (const r of resources) counts[r.op] += 1;
  return { counts, resources, policyViolations: [...policyViolations.values()], outputs, errors, stackReferences: [...references].sort() };
}

/** The resources a run changes (anything but `same`). */
export function changedResources(summary: RunSummary): ResourceChange[] {
  return summary.resources.filter((r) => r.op !== 'same');
}

/** Whether a run reports any change. */
export function hasChanges(summary: RunSummary): boolean {
  return changedResources(summary).length > 0;
}
