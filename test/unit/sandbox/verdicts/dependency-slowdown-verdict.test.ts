import assert from 'node:assert/strict';
import { judgeDependencySlowdown, type DependencySlowdownInput, type DiagnosedIncident } from '../../../../sandbox/verdicts/dependency-slowdown-verdict.ts';

const onsetMs = 1_000_000;
const payments: DiagnosedIncident = { id: 'inc-1', predicted: false, onsetAt: onsetMs + 2000, topCause: { kind: 'dependency', service: 'payments', stackKey: 'sandbox/./sandbox', confidence: 0.9 } };
const base: DependencySlowdownInput = {
  expected: { service: 'payments', caller: 'checkout' },
  incidents: [payments],
  onsetMs,
  lookBackMs: 10_000,
  proposed: [],
  reviewItems: [],
  applied: [],
  inFlight: [],
  over: true,
  graceOver: false,
};
const judge = (o: Partial<DependencySlowdownInput>) => judgeDependencySlowdown({ ...base, ...o });

describe('sandbox verdict: dependency-slowdown', () => {
  it('passes when the first incident since the fault names payments (kind dependency) and nothing touched checkout', () => {
    const v = judge({});
    assert.equal(v.status, 'passed', v.summary);
    assert.match(v.summary, /dependency payments/);
  });

  it("fails at once on any proposal, review item or commit on checkout's stack, even before the horizon", () => {
    for (const acted of [{ proposed: ['scale-out'] }, { reviewItems: ['rev-1 scale-out (approved)'] }, { applied: ['scale-out abc (effective)'] }]) {
      const v = judge({ ...acted, over: false });
      assert.equal(v.status, 'failed', JSON.stringify(acted));
      assert.match(v.summary, /acted on checkout/);
    }
  });

  it('fails when the top cause is checkout itself (saturation), another service, or missing', () => {
    const cases: DiagnosedIncident[] = [
      { ...payments, topCause: { kind: 'saturation', stackKey: 'sandbox/./sandbox', confidence: 0.35 } },
      { ...payments, topCause: { kind: 'dependency', service: 'frontend', confidence: 0.9 } },
      { id: 'inc-2', predicted: false, onsetAt: onsetMs + 1000 },
    ];
    for (const i of cases) assert.equal(judge({ incidents: [i] }).status, 'failed', JSON.stringify(i));
    assert.match(judge({ incidents: [] }).summary, /no incident/);
  });

  it('reads the first incident of the fault: older ones and predicted ones are not about it', () => {
    const old: DiagnosedIncident = { id: 'inc-0', predicted: false, onsetAt: onsetMs - 60_000, topCause: { kind: 'unknown', confidence: 0.1 } };
    const predicted: DiagnosedIncident = { id: 'inc-p', predicted: true, onsetAt: onsetMs, topCause: { kind: 'saturation', confidence: 0.5 } };
    assert.equal(judge({ incidents: [old, predicted, payments] }).status, 'passed');
    const later: DiagnosedIncident = { ...payments, id: 'inc-3', onsetAt: onsetMs + 9000, topCause: { kind: 'unknown', confidence: 0.1 } };
    assert.equal(judge({ incidents: [later, payments] }).status, 'passed', 'the earliest one counts');
  });

  it('waits for the horizon, and for remediations under way until the grace is over', () => {
    assert.equal(judge({ over: false }).status, 'pending');
    assert.equal(judge({ inFlight: ['rem-1 (no proposal yet) (proposing)'] }).status, 'pending');
    assert.equal(judge({ inFlight: ['rem-1 (no proposal yet) (proposing)'], graceOver: true }).status, 'failed');
  });
});
