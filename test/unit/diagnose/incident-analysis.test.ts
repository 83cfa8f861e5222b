import assert from 'node:assert/strict';
import { IncidentRecordSchema } from '../../../orchestrator/correlate/incident-store.ts';
import { digestOf, extentOf, freshnessOf, ongoingIncident, type AnalysisInputs, type StaleReason } from '../../../orchestrator/diagnose/incident-analysis.ts';
import { incident, incidentSignal, MIN, SANDBOX } from '../remediations/fixtures.ts';

const stored: AnalysisInputs = { incidentUpdatedAt: 1000, dataThrough: 2000, valuesThrough: 2000, valueCount: 40, records: 'r1', others: 'o1' };

describe('whether a stored incident analysis is still fresh', () => {
  it('is fresh when every input has the version it was made from', () => {
    assert.deepEqual(freshnessOf(stored, { ...stored }), { fresh: true });
  });

  it('is stale when there is none (a record written before analyses were stored)', () => {
    assert.deepEqual(freshnessOf(undefined, stored), { fresh: false, reason: 'absent' });
  });

  const cases: { change: Partial<AnalysisInputs>; why: string; reason: StaleReason }[] = [
    { change: { incidentUpdatedAt: 1001 }, why: 'the incident changed (or was resolved) since', reason: 'incident-changed' },
    { change: { dataThrough: 2060 }, why: 'a newer point of its own series extends an open incident', reason: 'new-data' },
    { change: { valuesThrough: 2060 }, why: 'a stack signal got a newer point', reason: 'new-data' },
    { change: { valueCount: 41 }, why: 'a late point arrived behind the newest one', reason: 'new-data' },
    { change: { records: 'r2' }, why: 'a deploy or a stack status changed the context', reason: 'records-changed' },
    { change: { others: 'o2' }, why: 'another incident changed (the dependency rule reads them)', reason: 'other-incidents-changed' },
  ];
  for (const c of cases) {
    it(`is stale (${c.reason}) when ${c.why}`, () => {
      assert.deepEqual(freshnessOf(stored, { ...stored, ...c.change }), { fresh: false, reason: c.reason });
    });
  }

  it('names the incident first when several inputs moved', () => {
    assert.deepEqual(freshnessOf(stored, { ...stored, incidentUpdatedAt: 1, records: 'x' }), { fresh: false, reason: 'incident-changed' });
  });
});

describe('the incident as diagnosed', () => {
  const open = incident(SANDBOX, [incidentSignal(SANDBOX, 'cpu', 95)]);

  it('lasts until the newest point while open, though its detectors stopped calling it anomalous', () => {
    assert.equal(ongoingIncident(open, open.lastAbnormalAt + 7 * MIN).lastAbnormalAt, open.lastAbnormalAt + 7 * MIN);
  });

  it('keeps its last abnormal time when no newer point came', () => {
    assert.equal(ongoingIncident(open, open.lastAbnormalAt - MIN).lastAbnormalAt, open.lastAbnormalAt);
  });

  it('ends where it ended once resolved', () => {
    const resolved = { ...open, status: 'resolved' as const };
    assert.equal(ongoingIncident(resolved, open.lastAbnormalAt + 7 * MIN), resolved);
  });
});

describe('input versions', () => {
  it('the extent of some series is their newest point and their number of points', () => {
    assert.deepEqual(extentOf([{ points: [{ timestamp: 5 }, { timestamp: 9 }] }, { points: [{ timestamp: 7 }] }]), { through: 9, count: 3 });
    assert.deepEqual(extentOf([]), { through: 0, count: 0 });
  });

  it('a digest changes with any character of the records and stays for equal ones', () => {
    const a = JSON.stringify({ statuses: [{ stackKey: 'x', lastRunId: 'r-1' }] });
    assert.equal(digestOf(a), digestOf(String(a)));
    assert.notEqual(digestOf(a), digestOf(a.replace('r-1', 'r-2')));
    assert.notEqual(digestOf(''), digestOf(' '));
  });

  it('an incident record without an analysis still parses (written before they were stored)', () => {
    const record = { incident: incident(SANDBOX, []), causes: [], summary: '', updatedAt: '2026-11-29T01:00:00.000Z' };
    assert.equal(IncidentRecordSchema.parse(record).analysis, undefined);
    assert.throws(() => IncidentRecordSchema.parse({ ...record, analysis: { inputs: stored } }), /context/);
  });
});
