import assert from 'node:assert/strict';
import { TrackRecordSchema, calibratedConfidence, countsOf, promotable, updateTrackRecord } from '../../../orchestrator/decide/track-record.ts';
import type { Outcome, OutcomeEvent, TrackRecord } from '../../../orchestrator/decide/track-record.ts';
import { SANDBOX } from './fixtures.ts';

const OTHER = 'infra/./web-prod';

function replay(events: [OutcomeEvent, 'auto' | 'review'][], playbook = 'scale-out', stackKey = SANDBOX, start: TrackRecord = { entries: {} }): TrackRecord {
  return events.reduce((r, [event, mode]) => updateTrackRecord(r, { playbook, stackKey, event, mode } satisfies Outcome), start);
}

/** One review cycle that worked: proposed, approved, applied, effective. */
const reviewedOk: [OutcomeEvent, 'review'][] = [
  ['proposed', 'review'],
  ['approved', 'review'],
  ['applied', 'review'],
  ['effective', 'review'],
];

describe('track record', () => {
  it('counts each outcome per playbook and stack', () => {
    let r = replay([...reviewedOk, ['proposed', 'auto'], ['applied', 'auto'], ['rolled-back', 'auto']]);
    r = replay([['proposed', 'review']], 'scale-out', OTHER, r);
    r = replay([['proposed', 'review']], 'scale-up', SANDBOX, r);
    assert.deepEqual(countsOf(r, 'scale-out', SANDBOX), {
      proposed: 2,
      approved: 1,
      rejected: 0,
      applied: 2,
      effective: 1,
      rolledBack: 1,
      reviewEffective: 1,
      reviewStreak: 0,
    });
    assert.equal(countsOf(r, 'scale-out', OTHER).proposed, 1);
    assert.equal(countsOf(r, 'scale-up', SANDBOX).proposed, 1);
    assert.equal(countsOf(r, 'restart-rollout', SANDBOX).proposed, 0);
    assert.deepEqual(TrackRecordSchema.parse(JSON.parse(JSON.stringify(r))), r, 'plain JSON round trip');
  });

  it('leaves the record it was given as it was', () => {
    const before: TrackRecord = { entries: {} };
    updateTrackRecord(before, { playbook: 'scale-out', stackKey: SANDBOX, event: 'proposed', mode: 'auto' });
    assert.deepEqual(before, { entries: {} });
  });

  const promotion: { name: string; events: [OutcomeEvent, 'auto' | 'review'][]; k: number; want: boolean }[] = [
    { name: 'promotable after K approved-and-effective reviews in a row', events: [...reviewedOk, ...reviewedOk, ...reviewedOk], k: 3, want: true },
    { name: 'not before K', events: [...reviewedOk, ...reviewedOk], k: 3, want: false },
    { name: 'a rollback starts the count again', events: [...reviewedOk, ...reviewedOk, ['rolled-back', 'review'], ...reviewedOk], k: 3, want: false },
    { name: 'a person rejecting one starts the count again', events: [...reviewedOk, ['rejected', 'review'], ...reviewedOk], k: 2, want: false },
    {
      name: 'automatic successes do not count toward promotion',
      events: [...reviewedOk, ['effective', 'auto'], ['effective', 'auto']],
      k: 2,
      want: false,
    },
  ];
  for (const c of promotion) {
    it(c.name, () => assert.equal(promotable(countsOf(replay(c.events), 'scale-out', SANDBOX), c.k), c.want));
  }

  const calibration: { name: string; raw: number; effective: number; rolledBack: number; want: number }[] = [
    { name: 'keeps the raw confidence with no history', raw: 0.8, effective: 0, rolledBack: 0, want: 0.8 },
    { name: 'pulls toward a perfect record', raw: 0.6, effective: 4, rolledBack: 0, want: 0.8 },
    { name: 'pulls down a playbook that keeps being rolled back', raw: 0.9, effective: 1, rolledBack: 3, want: 0.575 },
    { name: 'ends near the observed rate after many outcomes', raw: 0.9, effective: 50, rolledBack: 50, want: 0.5148 },
    { name: 'clamps a raw value out of range', raw: 1.4, effective: 0, rolledBack: 0, want: 1 },
  ];
  for (const c of calibration) {
    it(`calibration ${c.name}`, () => {
      const got = calibratedConfidence(c.raw, { effective: c.effective, rolledBack: c.rolledBack });
      assert.ok(Math.abs(got - c.want) < 1e-3, `${got} vs ${c.want}`);
    });
  }
});
