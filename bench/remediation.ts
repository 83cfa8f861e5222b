/**
 * Remediation benchmark (`npm run --silent bench:remediation [-- --rounds N]`).
 *
 * anomaly_to_commit: the decision latency of the loop's second half — from the
 * arrival of the data point a remediation rests on, to the remediation commit
 * pushed to the deploy branch — minus the engine's own policy preview, over N
 * rounds (default 5), each a fresh service, stack and fault.
 *
 * Each round deploys the sandbox stack with the real engine, then plays
 * metrics into moto (one simulated minute per second) in which demand doubles
 * at minute 4. The decision rests on the point at onset + `evidenceSeconds`
 * (diagnosis waits for that much data after the onset): its arrival is when
 * it was sent to moto, so the telemetry poll's delay is part of the latency.
 * The figure covers polling, detection, the signal and remediation queues,
 * incident analysis, diagnosis, playbooks, guardrails, the proposal commit
 * and branch push, the deploy queue and checkout of the policy check (not its
 * engine time), the decision and the push.
 *
 * anomaly_to_applied: from the arrival of the same data point to the fix
 * applied (the finish of the deploy run of the remediation's commit), with
 * nothing subtracted: the above, the policy check's engine preview, the
 * deploy queue, checkout and the engine's apply (within the plan the policy
 * check saved, when it fits; how many rounds used it is printed beside it).
 *
 * Every round runs at the service's default confidence threshold (the
 * remediation config's default, 0.7), so a fix is committed and applied as it
 * would be out of the box. Printed; nothing is asserted.
 *
 * The service watches the sandbox stack only, as bench:gitops does. The
 * repository's two other stacks cannot deploy here (no provider plugins), so
 * they stay "never applied" and every push to main, the remediation's commit
 * included, runs them again: two more engines (each failing on its missing
 * plugin) on the two cores, at the same time as the fix's apply. Where their
 * plugins exist they are applied once and a sandbox-only commit leaves them
 * alone. `--all-stacks` watches all three, as before (for comparison).
 */
import { startMoto, startRedis } from '../orchestrator/runtime/local-services.ts';
import { createRemediationFixture } from '../test/support/remediation-fixture.ts';
import { percentile, wholeNumberArg } from './cli-args.ts';


const rounds = wholeNumberArg('rounds', 5);
const allStacks = process.argv.includes('--all-stacks');
const EVIDENCE_SECONDS = 180;
const FAULT_MINUTE = 4;

const redis = await startRedis();
const moto = await startMoto();
process.env.HOMEOSTAT_TEST_REDIS_URL = redis.url;
process.env.HOMEOSTAT_TEST_MOTO_URL = moto.url;
const latencies: number[] = [];
const previews: number[] = [];
const applied: number[] = [];
let planned = 0;
try {
  for (let round = 1; round <= rounds; round++) {
    // No confidenceThreshold: the service's default.
    const f = await createRemediationFixture({ evidenceSeconds: EVIDENCE_SECONDS }, allStacks ? {} : { repo: { stacks: ['sandbox'] } });
    try {
      const rec = await f.remediationIn(['committed', 'verifying', 'effective', 'rolled-back', 'review', 'rejected', 'no-action', 'failed'], 300_000);
      const committed = rec.events.find((e) => e.state === 'committed');
      if (!committed) throw new Error(`round ${round}: no commit (${rec.state}: ${rec.message ?? ''})`);
      const evidenceMinute = FAULT_MINUTE + Math.ceil(EVIDENCE_SECONDS / 60);
      const arrived = f.metrics.publishedAt(evidenceMinute);
      if (arrived === undefined) throw new Error(`round ${round}: minute ${evidenceMinute} was never sent`);
      const run = rec.policy?.runId ? await f.fx.store.get(rec.policy.runId) : undefined;
      const previewMs = run?.timings.previewMs ?? 0;
      const latency = Date.parse(committed.at) - arrived - previewMs;
      latencies.push(latency);
      previews.push(previewMs);
      // The fix applied: the deploy run of the remediation's commit, finished.
      const apply = await f.fx.waitForRun(rec.commit!, 'applied', 300_000);
      const toApplied = Date.parse(apply.timings.finishedAt!) - arrived;
      applied.push(toApplied);
      if (apply.plan?.used) planned++;
      console.error(`round ${round}: ${latency} ms decision, ${previewMs} ms engine preview, ${toApplied} ms to applied (apply ${apply.timings.applyMs ?? '?'} ms, plan ${apply.plan?.used ? 'used' : `not used: ${apply.plan?.reason ?? 'no plan cache'}`}) (${rec.playbook}, confidence ${rec.confidence?.toFixed(2)})`);
    } finally {
      await f.cleanup();
    }
  }
} finally {
  await moto.stop();
  await redis.stop();
}
const sorted = latencies.slice().sort((a, b) => a - b);
const pre = previews.slice().sort((a, b) => a - b);
console.log(`anomaly_to_commit_ms p50=${percentile(sorted, 50)} p95=${percentile(sorted, 95)} n=${sorted.length}`);
console.log(`policy_preview_ms p50=${percentile(pre, 50)} p95=${percentile(pre, 95)} (excluded above)`);
const app = applied.slice().sort((a, b) => a - b);
console.log(`anomaly_to_applied_ms p50=${percentile(app, 50)} p95=${percentile(app, 95)} n=${app.length} (nothing subtracted: decision, policy preview, deploy queue, checkout and apply; ${planned}/${app.length} applies ran within the policy check's plan; stacks watched: ${allStacks ? 'all three' : 'sandbox only'})`);
