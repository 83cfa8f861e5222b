import assert from 'node:assert/strict';
import { initialHealth, isStale, recordFailure, recordSuccess, staleReason, type SignalHealth } from '../../../orchestrator/telemetry/signal-health.ts';

const start = initialHealth({ seriesId: 'id', stackKey: 's', signalId: 'cpu' });
type Step = { at: number } & ({ ok: true; lastPointAt?: number } | { ok: false; error: string });
const apply = (steps: Step[]) =>
  steps.reduce<SignalHealth>((h, s) => (s.ok ? recordSuccess(h, s.at, s.lastPointAt) : recordFailure(h, s.at, 'SourceUnavailable', s.error)), start);

describe('signal health transitions', () => {
  const cases: { name: string; steps: Step[]; want: Partial<SignalHealth> }[] = [
    { name: 'pending before any read', steps: [], want: { status: 'pending', consecutiveFailures: 0, since: undefined } },
    { name: 'ok after a read', steps: [{ at: 10, ok: true, lastPointAt: 5 }], want: { status: 'ok', since: 10, lastSuccessAt: 10, lastPointAt: 5 } },
    { name: 'ok stays ok; since keeps the first change; newest point kept', steps: [{ at: 10, ok: true, lastPointAt: 5 }, { at: 20, ok: true }], want: { status: 'ok', since: 10, lastSuccessAt: 20, lastPointAt: 5 } },
    { name: 'stale after a failure, with its error', steps: [{ at: 10, ok: true }, { at: 20, ok: false, error: 'E: x' }], want: { status: 'stale', since: 20, consecutiveFailures: 1, error: 'E: x', reason: 'SourceUnavailable', lastSuccessAt: 10 } },
    { name: 'failures count up; since stays; latest error shown', steps: [{ at: 20, ok: false, error: 'a' }, { at: 30, ok: false, error: 'b' }], want: { status: 'stale', since: 20, consecutiveFailures: 2, error: 'b' } },
    { name: 'recovers: error and reason cleared', steps: [{ at: 20, ok: false, error: 'a' }, { at: 30, ok: true }], want: { status: 'ok', since: 30, consecutiveFailures: 0, error: undefined, reason: undefined } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = apply(c.steps);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(h[k as keyof SignalHealth], v, k);
      assert.equal(isStale(h), h.status === 'stale');
    });
  }
  it('maps every error kind to a reason', () => {
    assert.deepEqual((['throttled', 'transient', 'invalid', 'persistent'] as const).map(staleReason), ['Throttled', 'SourceUnavailable', 'InvalidQuery', 'Rejected']);
  });
});
