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
 * engine time), the decision and the push. Printed; nothing is asserted.
 */
import { startMoto, startRedis } from '../orchestrator/runtime/local-services.ts';
import { createRemediationFixture } from '../test/support/remediation-fixture.ts';
import { percentile, wholeNumberArg } from './cli-args.ts';


const rounds = wholeNumberArg('rounds', 5);
const EVIDENCE_SECONDS = 180;
const FAULT_MINUTE = 4;

const redis = await startRedis();
const moto = await startMoto();
process.env.HOMEOSTAT_TEST_REDIS_URL = redis.url;
process.env.HOMEOSTAT_TEST_MOTO_URL = moto.url;
const latencies: number[] = [];
const previews: number[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const f = await createRemediationFixture({ confidenceThreshold: 0.5, evidenceSeconds: EVIDENCE_SECONDS });
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
      console.error(`round ${round}: ${latency} ms decision, ${previewMs} ms engine preview (${rec.playbook}, confidence ${rec.confidence?.toFixed(2)})`);
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
