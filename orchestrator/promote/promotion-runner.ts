import type { AuditLog } from '../audit/index.ts';
import type { PromotionConfig } from '../config/promotion-config.ts';
import type { IncidentRecord } from '../correlate/incident-store.ts';
import { contextFrom } from '../correlate/stack-context.ts';
import { parseStackKey } from '../model/stack-key.ts';
import { seriesOf } from '../telemetry/index.ts';
import { commitOfDeployJobId, deployJobId } from '../queue/deploy-job.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import type { PromotionStore } from '../records/promotion-store.ts';
import type { RunStore } from '../records/run-store.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { advancePromotion, type ApplyFact, type PromotionEvent, type PromotionFacts } from './advance-promotion.ts';
import { openPromotion } from './open-promotion.ts';
import type { Promotion } from './promotion.ts';
import { promotionGate, type PromotionGateDecision } from './promotion-gate.ts';
import { waveOf } from './wave-match.ts';

/**
 * The I/O edge of promotions: opens one when the intake queues a commit of
 * the deploy branch, gathers the facts (how each stack's apply of the commit
 * ended, which incidents are open), moves it on with the pure rules, and
 * says what happened (timeline, and the audit log for a halt).
 */
export interface PromotionRunnerDeps {
  promotions: PromotionStore;
  queue: DeployQueue;
  store: RunStore;
  incidents: { list(limit?: number): Promise<IncidentRecord[]>; recent(seriesId: string): Promise<{ timestamp: number; value: number }[]> };
  /** A repository's promotion config; undefined when it declares no waves. */
  config(repoId: string): PromotionConfig | undefined;
  audit?: AuditLog;
  /**
   * Asks the remediation stage to look at a halt's incident (where remediation is on). The
   * incident's own event queued it already; this looks again once the halt is known, so a
   * look that came too early (nothing to do yet) is made again through the same gate.
   * `contentId` tells one look from another. Default: none.
   */
  remediate?: (incidentId: string, stackKey: string, contentId: string) => Promise<void>;
  emit?: TimelineSink;
  now?: () => number;
}

export type PromotionRunner = ReturnType<typeof createPromotionRunner>;

/** A promotion moved on this recently is read as it is by a held job's gate. */
const FRESH_MS = 1000;

/** BullMQ states of a job that has not finished. */
const UNFINISHED = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

// eslint-disable-next-line max-lines-per-function -- a factory: open, queued, gate, tick, pause and resume share the store, the config and the audit log; each of them is short
export function createPromotionRunner(deps: PromotionRunnerDeps) {
  const now = deps.now ?? Date.now;
  const emit = deps.emit ?? (() => {});

  async function applyFact(stackKey: string, commit: string, queued: boolean): Promise<ApplyFact> {
    const jobId = deployJobId(parseStackKey(stackKey), commit, true);
    const job = await deps.queue.queue.getJob(jobId);
    if (job && UNFINISHED.has(await job.getState())) return 'pending';
    const runs = await deps.store.list({ stackKey, limit: 30 });
    const run = runs.find((r) => r.commit === commit && r.jobId === jobId && r.phase === 'done' && r.status !== 'running' && r.reason !== 'Blocked');
    if (run) return run.status === 'applied' || run.status === 'unchanged' ? 'applied' : run.status === 'failed' ? 'failed' : 'superseded';
    if (job || !queued) return 'pending';
    // No job, when the intake queued every job of the commit: moved on only when the stack's newest apply is of another commit.
    const latest = commitOfDeployJobId(await deps.queue.latestApply(parseStackKey(stackKey)));
    return latest !== undefined && latest !== commit ? 'superseded' : 'pending';
  }

  async function factsOf(p: Promotion): Promise<PromotionFacts> {
    const applies: Record<string, ApplyFact> = {};
    for (const w of p.waves) for (const k of w.stacks) applies[k] = await applyFact(k, p.commit, p.queuedAt !== undefined);
    const open = (await deps.incidents.list(100)).filter((r) => r.incident.status === 'open');
    return { applies, openIncidents: open.map((r) => ({ id: r.incident.id, stacks: r.incident.stacks })), observed: await observedOf(p.waves.flatMap((w) => w.stacks)) };
  }

  /** How far the detector has read each watched stack's signals: a point stands for its whole period. */
  async function observedOf(stackKeys: readonly string[]): Promise<NonNullable<PromotionFacts['observed']>> {
    const watched = contextFrom(await deps.store.statuses(), []).watched.filter((w) => stackKeys.includes(w.stackKey));
    const observed: Record<string, { until: number; periodMs: number }> = {};
    for (const spec of seriesOf(watched)) {
      const periodMs = spec.periodSeconds * 1000;
      const newest = (await deps.incidents.recent(spec.seriesId)).at(-1)?.timestamp;
      const until = newest === undefined ? 0 : newest + periodMs;
      const prior = observed[spec.stackKey];
      observed[spec.stackKey] = prior ? { until: Math.min(prior.until, until), periodMs: Math.max(prior.periodMs, periodMs) } : { until, periodMs };
    }
    return observed;
  }

  async function report(p: Promotion, events: readonly PromotionEvent[]): Promise<void> {
    const short = p.commit.slice(0, 7);
    for (const e of events) {
      if (e.kind === 'halted') {
        emit(timelineEvent('error', `promotion halted: ${e.reason}`, { commit: p.commit, outcome: 'halted', ...(e.stackKey ? { stack: e.stackKey } : {}), ...(e.incidentId ? { incident: e.incidentId } : {}), details: { wave: e.wave } }));
        await deps.audit?.append({ type: 'escalated', summary: `promotion of ${short} halted at wave ${e.wave}: ${e.reason}`, commit: p.commit, ...(e.stackKey ? { stackKey: e.stackKey } : {}), ...(e.incidentId ? { incidentId: e.incidentId } : {}), data: { repo: p.repo, wave: e.wave, waves: p.waves.map((w) => ({ name: w.name, state: w.state })) } });
        // The revert is not made here: the incident, diagnosed as this commit's deployment, goes through the usual gate.
        if (e.incidentId && e.stackKey) await deps.remediate?.(e.incidentId, e.stackKey, `halt-${short}`);
      } else {
        const message = e.kind === 'done' ? `promotion of ${short}: every wave passed` : e.kind === 'wave-passed' ? `promotion of ${short}: wave ${e.wave} passed` : `promotion of ${short}: wave ${e.wave} applied, soaking`;
        emit(timelineEvent('apply', message, { commit: p.commit, outcome: e.kind, ...('wave' in e ? { details: { wave: e.wave } } : {}) }));
      }
    }
  }

  /** Moves one promotion on from fresh facts; the facts are read before the compare-and-set, the rules run inside it. */
  async function advance(repo: string, commit: string): Promise<Promotion | undefined> {
    const current = await deps.promotions.get(repo, commit);
    if (!current || current.state !== 'running') return current;
    const facts = await factsOf(current);
    let events: PromotionEvent[] = [];
    const next = await deps.promotions.update(repo, commit, (p) => {
      const step = advancePromotion(p, facts, now());
      events = step.events;
      return step.promotion;
    });
    if (next) await report(next, events);
    return next;
  }

  return {
    /** A commit of the deploy branch was queued for these stacks: opens its promotion when a later wave is among them. */
    async open(repo: string, commit: string, stackKeys: readonly string[]): Promise<Promotion | undefined> {
      const config = deps.config(repo);
      if (!config) return undefined;
      const p = openPromotion({ repo, commit, waves: config.waves, soakMs: config.soak, stackKeys, now: now() });
      if (p && (await deps.promotions.open(p))) emit(timelineEvent('push', `promotion of ${commit.slice(0, 7)} opened: ${p.waves.map((w) => `${w.name} (${w.stacks.length})`).join(' → ')}`, { commit, outcome: 'promotion' }));
      return p;
    },
    /** The intake queued every job of the commit. */
    async queued(repo: string, commit: string): Promise<void> {
      await deps.promotions.update(repo, commit, (p) => (p.queuedAt === undefined ? { ...p, queuedAt: now() } : undefined));
    },
    advance,
    /** Every running promotion, newest first: the tick. */
    async advanceAll(): Promise<number> {
      let moved = 0;
      for (const p of await deps.promotions.list(100)) {
        if (p.state !== 'running') continue;
        await advance(p.repo, p.commit);
        moved += 1;
      }
      return moved;
    },
    /** Whether `stackKey`'s apply of `commit` may start: its wave's turn has come. */
    async gate(stackKey: string, commit: string): Promise<PromotionGateDecision> {
      const target = parseStackKey(stackKey);
      const config = deps.config(target.repo);
      const index = config ? waveOf(config.waves, target.project, target.stack) : undefined;
      if (!config || index === undefined || index === 0) return { go: true };
      // Many held stacks look every second: one of them (or the tick) moves the promotion on, the others read it.
      const stored = await deps.promotions.get(target.repo, commit);
      const fresh = stored !== undefined && (stored.state !== 'running' || now() - stored.updatedAt < FRESH_MS);
      return promotionGate(fresh ? stored : await advance(target.repo, commit), index);
    },
  };
}
