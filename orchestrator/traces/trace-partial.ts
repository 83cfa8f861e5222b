import { z } from 'zod';
import { addToBucket, addToSketch, createSketch, MAX_BUCKETS, mergeSketch, type LatencySketch } from './latency-sketch.ts';
import { SPAN_KIND, type FlatSpan } from './otlp-spans.ts';

/**
 * One receiving process's share of a trace period, in a form that merges
 * exactly with the shares of other processes: request and error counts add,
 * and latency sketches add bucket by bucket (their bounds are fixed, see
 * latency-sketch.ts), so the merge of the partials is the aggregate that
 * all the spans would have made in one process. Pure.
 *
 * What is tallied, per span, in the period it started in (as the
 * single-process aggregator does):
 * - `s` a service's requests: its server and consumer spans and its root spans;
 * - `e` an edge caller → callee measured by the callee's span, a child whose
 *   parent's service (looked up across processes) is another;
 * - `c` an edge measured by the caller's client span naming `peer.service`,
 *   used at close only when the callee sent no spans for that edge.
 * A child whose parent is not known yet becomes an {@link Orphan}, resolved
 * when the period is closed.
 */
export type EntityKind = 's' | 'e' | 'c';

export interface Entity {
  readonly kind: EntityKind;
  /** `[service]`, or `[caller, callee]` for an edge. */
  readonly names: readonly string[];
  requests: number;
  errors: number;
  readonly sketch: LatencySketch;
  /** A service's stack, when its spans or the config say. */
  stackKey?: string;
}

export interface PeriodPartial {
  /** Start of the period, ms since the epoch. */
  readonly period: number;
  /** Entity id ({@link entityId}) → its tally. */
  readonly entities: Map<string, Entity>;
  /** Spans not counted because a cap on services or edges was reached. */
  dropped: number;
  /** Children whose parent never arrived within the grace window. */
  unresolved: number;
}

/** A child span whose parent's service was not known when it arrived. */
export const OrphanSchema = z.tuple([z.string().min(1), z.string().min(1), z.number().finite(), z.number().nonnegative(), z.boolean()]);
/** `[parentSpanId, service, startMs, durationMs, error]`: what closing needs to count its edge. */
export type Orphan = z.infer<typeof OrphanSchema>;

/** An entity's id, as used for its fields in Redis: JSON, so no service name can make two ids collide. */
export const entityId = (kind: EntityKind, names: readonly string[]): string => JSON.stringify([kind, ...names]);

export const emptyPartial = (period: number): PeriodPartial => ({ period, entities: new Map(), dropped: 0, unresolved: 0 });

function entityOf(p: PeriodPartial, kind: EntityKind, names: readonly string[]): Entity {
  const id = entityId(kind, names);
  let e = p.entities.get(id);
  if (!e) p.entities.set(id, (e = { kind, names, requests: 0, errors: 0, sketch: createSketch() }));
  return e;
}

/** Counts one span for an entity. */
export function tally(p: PeriodPartial, kind: EntityKind, names: readonly string[], durationMs: number, error: boolean, stackKey?: string): void {
  const e = entityOf(p, kind, names);
  e.requests++;
  if (error) e.errors++;
  addToSketch(e.sketch, durationMs);
  if (stackKey) e.stackKey = stackKey;
}

/** The merge of two partials of one period: counts and sketch buckets add. Neither input changes. */
export function mergePartials(a: PeriodPartial, b: PeriodPartial): PeriodPartial {
  if (a.period !== b.period) throw new RangeError(`partials of periods ${a.period} and ${b.period} do not merge`);
  const out = emptyPartial(a.period);
  out.dropped = a.dropped + b.dropped;
  out.unresolved = a.unresolved + b.unresolved;
  for (const e of [...a.entities.values(), ...b.entities.values()]) {
    const into = entityOf(out, e.kind, e.names);
    into.requests += e.requests;
    into.errors += e.errors;
    mergeSketch(into.sketch, e.sketch);
    if (e.stackKey) into.stackKey = e.stackKey;
  }
  return out;
}

/** A batch's spans as partials per period, and the children whose parent is not known yet. */
export interface BatchShares {
  readonly partials: Map<number, PeriodPartial>;
  readonly orphans: Map<number, Orphan[]>;
}

/**
 * Tallies a batch of spans (already rid of repeats). `parentService(i)` is
 * the service of span i's parent when known (from this batch or any
 * process's earlier ones).
 */
export function sharesOfBatch(spans: readonly FlatSpan[], parentService: (i: number) => string | undefined, periodMs: number, stackOf?: (service: string) => string | undefined): BatchShares {
  const partials = new Map<number, PeriodPartial>();
  const orphans = new Map<number, Orphan[]>();
  spans.forEach((s, i) => {
    const period = Math.floor(s.startMs / periodMs) * periodMs;
    let p = partials.get(period);
    if (!p) partials.set(period, (p = emptyPartial(period)));
    const root = s.parentSpanId === undefined;
    if (root || s.kind === SPAN_KIND.server || s.kind === SPAN_KIND.consumer) tally(p, 's', [s.service], s.durationMs, s.error, s.stackKey ?? stackOf?.(s.service));
    if (s.kind === SPAN_KIND.client && s.peerService && s.peerService !== s.service) tally(p, 'c', [s.service, s.peerService], s.durationMs, s.error);
    if (root) return;
    const parent = parentService(i);
    if (parent === undefined) (orphans.get(period) ?? orphans.set(period, []).get(period)!).push([s.parentSpanId!, s.service, s.startMs, s.durationMs, s.error]);
    else if (parent !== s.service) tally(p, 'e', [parent, s.service], s.durationMs, s.error);
  });
  return { partials, orphans };
}

/** A partial as the store's fold script takes it: `[id, kind, stackKey or '', requests, {field: increment}]`. */
export type EncodedEntity = [string, EntityKind, string, number, Record<string, number>];

export function encodePartial(p: PeriodPartial): EncodedEntity[] {
  return [...p.entities].map(([id, e]) => {
    const fields: Record<string, number> = { n: e.requests };
    if (e.errors) fields['x'] = e.errors;
    for (const [b, n] of e.sketch.buckets) fields[`b${b}`] = n;
    return [id, e.kind, e.stackKey ?? '', e.requests, fields];
  });
}

const EntityIdSchema = z.union([z.tuple([z.enum(['s']), z.string().min(1)]), z.tuple([z.enum(['e', 'c']), z.string().min(1), z.string().min(1)])]);
const COUNT = /^(0|[1-9]\d{0,14})$/;
/** Fields of the period hash that are not an entity's: the dropped and unresolved counts, and the caps' counters. */
const TOTALS: Record<string, 'dropped' | 'unresolved' | undefined> = { '!dropped': 'dropped', '!unresolved': 'unresolved' };

/** What was made of a period hash read back, with the fields that could not be read (named, so a warning can say which). */
export interface DecodedPartial {
  readonly partial: PeriodPartial;
  readonly malformed: string[];
}

/**
 * A period hash read back from Redis (`<field> <entity id>` → count, `k <id>` → stack), validated field by field: a field that does not
 * parse is left out and named, never a crash; another process's newer format cannot take this one down.
 */
export function decodePartial(period: number, hash: Readonly<Record<string, string>>): DecodedPartial {
  const p = emptyPartial(period);
  const malformed: string[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('#')) continue;
    const total = TOTALS[field];
    if (total) {
      if (COUNT.test(value)) p[total] += Number(value);
      else malformed.push(field);
      continue;
    }
    if (!readEntityField(p, field, value)) malformed.push(field);
  }
  return { partial: p, malformed };
}

function readEntityField(p: PeriodPartial, field: string, value: string): boolean {
  const space = field.indexOf(' ');
  if (space < 1) return false;
  const what = field.slice(0, space);
  let names: z.infer<typeof EntityIdSchema>;
  try {
    const parsed = EntityIdSchema.safeParse(JSON.parse(field.slice(space + 1)));
    if (!parsed.success) return false;
    names = parsed.data;
  } catch {
    return false;
  }
  const [kind, ...rest] = names;
  if (what === 'k') {
    if (value.length === 0) return false;
    entityOf(p, kind, rest).stackKey = value;
    return true;
  }
  const bucket = /^b\d{1,3}$/.test(what) ? Number(what.slice(1)) : undefined;
  if (!COUNT.test(value) || !(what === 'n' || what === 'x' || (bucket !== undefined && bucket < MAX_BUCKETS))) return false;
  const e = entityOf(p, kind, rest);
  const n = Number(value);
  if (what === 'n') e.requests += n;
  else if (what === 'x') e.errors += n;
  else addToBucket(e.sketch, bucket!, n);
  return true;
}

/** Orphans as the store keeps them, one JSON text each. */
export const encodeOrphan = (o: Orphan): string => JSON.stringify(o);

/** An orphan read back, or undefined when it does not parse (counted as unresolved by the caller). */
export function decodeOrphan(text: string): Orphan | undefined {
  try {
    const parsed = OrphanSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
