import assert from 'node:assert/strict';
import type { IncidentRecord } from '../../../orchestrator/correlate/incident-store.ts';
import { incidentSeries } from '../../../orchestrator/dashboard/incident-series.ts';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

function record(signal: Partial<IncidentRecord['incident']['signals'][number]> = {}): IncidentRecord {
  return {
    incident: {
      id: 'infra/./sandbox@20261129T0000Z',
      status: 'open',
      stackKey: 'infra/./sandbox',
      stacks: ['infra/./sandbox'],
      onsetAt: T0 + 3 * MIN,
      updatedAt: T0 + 5 * MIN,
      lastAbnormalAt: T0 + 5 * MIN,
      signals: [
        {
          seriesId: 'sandbox/cpu',
          stackKey: 'infra/./sandbox',
          signalId: 'cpu',
          firstAt: T0 + 3 * MIN,
          lastAt: T0 + 5 * MIN,
          points: 3,
          firstValue: 80,
          lastValue: 90,
          peakValue: 97,
          peakScore: 0.99,
          threshold: 0.9,
          ...signal,
        },
      ],
      alarms: [],
      evidence: [],
      omitted: 0,
    },
    causes: [],
    summary: 'cpu high',
    updatedAt: '2026-11-29T00:05:00Z',
  };
}

const values = [40, 41, 39, 80, 97, 90, 42];
const recent = new Map([['sandbox/cpu', values.map((value, k) => ({ timestamp: T0 + k * MIN, value })).reverse()]]);

describe('dashboard: an incident as chartable series', () => {
  it('gives each signal its recent values, oldest first', () => {
    const [s] = incidentSeries(record(), recent);
    assert.equal(s?.seriesId, 'sandbox/cpu');
    assert.equal(s?.threshold, 0.9);
    assert.deepEqual(s?.points.map((p) => p.v), values);
  });

  it('marks the first and last anomalous points at the threshold, and the peak at its score', () => {
    const [s] = incidentSeries(record(), recent);
    assert.deepEqual(s?.anomalies, [
      { t: T0 + 3 * MIN, score: 0.9, kind: 'first' },
      { t: T0 + 4 * MIN, score: 0.99, kind: 'peak' },
      { t: T0 + 5 * MIN, score: 0.9, kind: 'last' },
    ]);
  });

  it('lets the peak take the place of the first point when they are the same', () => {
    const [s] = incidentSeries(record({ firstAt: T0 + 4 * MIN, lastAt: T0 + 4 * MIN, points: 1 }), recent);
    assert.deepEqual(s?.anomalies, [{ t: T0 + 4 * MIN, score: 0.99, kind: 'peak' }]);
  });

  it('keeps the anomaly marks when no recent values are left', () => {
    const [s] = incidentSeries(record(), new Map());
    assert.deepEqual(s?.points, []);
    assert.deepEqual(s?.anomalies.map((a) => a.kind), ['first', 'last']);
  });

  it('gives each signal the detector’s stored scores as its score line, oldest first, dropping unreadable ones; none when none were kept', () => {
    const scores = new Map([['sandbox/cpu', [{ t: T0 + MIN, s: 0.2 }, { t: T0, s: 0.1 }, { t: NaN, s: 1 }]]]);
    const [s] = incidentSeries(record(), recent, scores);
    assert.deepEqual(s?.scores, [{ t: T0, s: 0.1 }, { t: T0 + MIN, s: 0.2 }]);
    assert.deepEqual(incidentSeries(record(), recent)[0]?.scores, []);
  });
});
