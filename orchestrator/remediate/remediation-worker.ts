import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isPredictedOnly } from '../correlate/incident.ts';
import { parseStackKey } from '../model/stack-key.ts';
import { watchDeployFinishes } from '../queue/deploy-finishes.ts';
import type { StackLock } from '../queue/stack-lock.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';
import { seriesOf } from '../telemetry/index.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import { advance, type RemediationRecord } from './remediation-record.ts';
import { REMEDIATION_QUEUE, RemediationJobSchema, type RemediationJob } from './remediation-queue.ts';
import { awaitApplyStep } from './steps/await-apply.ts';
import { mergeApprovedStep } from './steps/merge-approved.ts';
import { checkPolicyStep } from './steps/policy-check.ts';
import { proposeStep } from './steps/propose.ts';
import { contractOf, createStepContext, newestPoint, type RemediationStepDeps, type RemediationStepFn, type StepContext } from './steps/step-context.ts';
import { verifyStep } from './steps/verify.ts';
import { nextStep, type RemediationStepName } from './transitions/next-step.ts';

export type { RemediationRepo } from './steps/step-context.ts';

export interface RemediationWorkerDeps extends RemediationStepDeps {
  connection: Redis;
  prefix?: string;
  /** One remediation per stack at a time, across processes (its own keys, apart from the deploy lock). */
  lock: StackLock;
  workerId?: string;
}

/**
 * Thrown when the worker lost the stack's remediation lock between two
 * steps: another worker may be changing the stack, so this job stops (and
 * BullMQ retries it).
 */
export class RemediationLockLostError extends Error {
  override readonly name = 'RemediationLockLostError';
}

/** The step each working state runs (the transition table is `transitions/next-step.ts`). */
const STEPS: Record<RemediationStepName, RemediationStepFn> = {
  propose: proposeStep,
  'check-policy': checkPolicyStep,
  'merge-approved': mergeApprovedStep,
  'await-apply': awaitApplyStep,
  verify: verifyStep,
};

/**
 * The remediation worker: for each incident, the ordered steps of the loop's
 * second half — propose, guardrails, policy check on a branch, decide,
 * commit (or review item, or reject), wait for the ordinary deploy path to
 * apply it, verify, and revert what did not help. Every step saves the
 * remediation record before it returns, so a job redelivered after a crash
 * resumes where the record says.
 */
export function startRemediationWorker(deps: RemediationWorkerDeps) {
  const owner = deps.workerId ?? `remediate-${process.pid}`;
  const closing = new AbortController();
  const prefix = deps.prefix ?? 'homeostat';
  const onError = throttledErrors((err) => deps.emit?.(timelineEvent('error', `remediation worker: ${err.message}`)));
  // Waits for a policy check or a deploy resume when a deploy job ends, in whichever process ran it.
  const finishes = deps.deployFinishes ? undefined : watchDeployFinishes(deps.connection, prefix, onError);
  const ctx = createStepContext(finishes ? { ...deps, deployFinishes: finishes } : deps, closing.signal);

  async function processJob(job: Job<RemediationJob>, token?: string): Promise<string> {
    const data = RemediationJobSchema.parse(job.data);
    const lease = await deps.lock.tryAcquire(`remediate/${data.stackKey}`, owner);
    if (!lease) {
      // Another remediation of this stack is under way: one change at a time.
      await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    try {
      const stored = await deps.store.get(data.remediationId);
      if ((!stored || stored.state === 'no-action') && (await tooEarlyToJudge(ctx, data, job.timestamp))) {
        // Too early to judge: diagnosis gets a few periods of data after the onset first.
        await job.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      let rec = await opened(ctx, stored, data);
      // load, ask the transition table, run the step, save; until it stops.
      for (;;) {
        const next = nextStep(rec, { leaseHeld: lease.held() });
        if (next.kind === 'stop') break;
        if (next.kind === 'lost-lock') throw new RemediationLockLostError(`lost the remediation lock of ${data.stackKey}`);
        const after = await STEPS[next.step](ctx, rec);
        await deps.store.save(after);
        if (after.state === rec.state && after.updatedAt === rec.updatedAt) break;
        rec = after;
      }
      return rec.state;
    } finally {
      await lease.release();
    }
  }

  const worker = new Worker<RemediationJob>(REMEDIATION_QUEUE, processJob, {
    connection: deps.connection,
    prefix,
    concurrency: 4,
    lockDuration: 60_000,
  });
  worker.on('error', onError);
  worker.on('failed', (job, err) => {
    if (job) ctx.emit(timelineEvent('error', `remediation ${job.data.remediationId}: ${err.message}`, { incident: job.data.incidentId }));
  });
  return {
    async close() {
      closing.abort();
      await worker.close();
      await finishes?.close();
    },
  };
}

/**
 * Whether the open incident is still too young to judge: none of its series
 * (nor the stack's: an incident opened by an alarm alone has no signals of
 * its own) has data past the evidence period after the onset, and the job
 * is less than ten minutes old. A predicted incident is never too young: its
 * forecast already rests on a sustained trend, and waiting would spend the
 * lead time the warning bought.
 */
async function tooEarlyToJudge(ctx: StepContext, data: RemediationJob, jobTimestamp: number): Promise<boolean> {
  const incident = await ctx.deps.incidents.get(data.incidentId);
  if (!incident || incident.incident.status !== 'open') return false;
  if (isPredictedOnly(incident.incident)) return false;
  const contract = await contractOf(ctx, data.stackKey);
  const stackSeries = contract ? seriesOf([{ stackKey: data.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }]).map((x) => x.seriesId) : [];
  const newest = await newestPoint(ctx, [...incident.incident.signals.map((s) => s.seriesId), ...stackSeries]);
  return newest < incident.incident.onsetAt + ctx.deps.config.evidenceSeconds * 1000 && Date.now() - jobTimestamp < Math.max(10 * 60_000, 2 * ctx.deps.config.evidenceSeconds * 1000);
}

/** The record the job works on: a new one, one that looks again at a changed incident, or the stored one as it is. */
async function opened(ctx: StepContext, stored: RemediationRecord | undefined, data: RemediationJob): Promise<RemediationRecord> {
  if (!stored) {
    const now = new Date().toISOString();
    const rec = advance(
      { id: data.remediationId, incidentId: data.incidentId, stackKey: data.stackKey, repoId: parseStackKey(data.stackKey).repo, state: 'proposing', createdAt: now, updatedAt: now, events: [] },
      'proposing',
      `incident ${data.incidentId}`,
    );
    await ctx.deps.store.save(rec);
    return rec;
  }
  if (stored.state === 'no-action' && data.cause === 'incident') {
    // The incident changed since nothing could be done: look again.
    const rec = advance(stored, 'proposing', `incident ${data.incidentId} changed; looking again`);
    await ctx.deps.store.save(rec);
    return rec;
  }
  return stored;
}
