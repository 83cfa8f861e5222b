import assert from 'node:assert/strict';
import { alarmNameChunks, alarmStates } from '../../../orchestrator/telemetry/alarm-state.ts';
import type { WatchedStack } from '../../../orchestrator/telemetry/series.ts';

const stack = (stackKey: string, alarms: string[]): WatchedStack => ({ stackKey, alarms, healthSignals: [] });

describe('alarm states', () => {
  it('chunks distinct names by the API limit', () => {
    const names = Array.from({ length: 250 }, (_, i) => `a${String(i).padStart(3, '0')}`);
    const chunks = alarmNameChunks([stack('s', names), stack('t', names.slice(0, 10))]);
    assert.deepEqual(chunks.map((c) => c.length), [100, 100, 50]);
    assert.equal(new Set(chunks.flat()).size, 250);
    assert.deepEqual(alarmNameChunks([stack('s', [])]), []);
  });
  it('reports ALARM records per owning stack, dropping other states and unknown names', () => {
    const out = alarmStates(
      [stack('s', ['high-cpu', 'errors']), stack('t', ['high-cpu'])],
      [
        { name: 'high-cpu', state: 'ALARM', reason: 'Threshold crossed', updatedAt: 5 },
        { name: 'errors', state: 'OK', reason: '', updatedAt: 1 },
        { name: 'foreign', state: 'ALARM', reason: '', updatedAt: 1 },
      ],
      99,
    );
    assert.deepEqual(out, [
      { stackKey: 's', alarmName: 'high-cpu', state: 'ALARM', reason: 'Threshold crossed', updatedAt: 5, observedAt: 99 },
      { stackKey: 't', alarmName: 'high-cpu', state: 'ALARM', reason: 'Threshold crossed', updatedAt: 5, observedAt: 99 },
    ]);
  });
});
