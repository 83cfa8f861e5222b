import assert from 'node:assert/strict';
import { proposeAll } from '../../../remediations/index.ts';
import { cause, incident, incidentSignal, SANDBOX, sandboxContract } from './fixtures.ts';
import type { PlaybookInput } from '../../../remediations/playbook.ts';

/**
 * A slow dependency seen in traces (checkout is slow because payments' p95
 * rose first) leads: no playbook may touch checkout's stack, its capacity
 * included. The same incident diagnosed without the trace graph leads with
 * saturation, and scale-out answers it: which is why the propose step
 * diagnoses with the graph (propose-evidence.ts).
 */
const slowCheckout = (causes: PlaybookInput['causes']): PlaybookInput => ({
  incident: incident(SANDBOX, [incidentSignal(SANDBOX, 'latency', 460, 'latency'), incidentSignal(SANDBOX, 'cpu', 90)]),
  causes,
  stack: { stackKey: SANDBOX, contract: sandboxContract() },
});

describe('playbooks when a dependency from traces leads', () => {
  it('propose nothing on the caller (no capacity, no size, no restart)', () => {
    const { proposals, failures } = proposeAll(slowCheckout([cause('dependency', 0.9, { service: 'payments', stackKey: SANDBOX }), cause('saturation', 0.35, { signalId: 'cpu' }), cause('unknown', 0.1)]));
    assert.deepEqual(failures, []);
    assert.deepEqual(proposals, []);
  });

  it('whereas the same incident led by saturation gets a capacity change', () => {
    const { proposals } = proposeAll(slowCheckout([cause('saturation', 0.6, { signalId: 'cpu' })]));
    assert.ok(proposals.length > 0, 'without the dependency, capacity is the answer: the trace graph must reach the propose step');
  });
});
