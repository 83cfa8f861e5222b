import assert from 'node:assert/strict';
import type { ServiceShape } from '../../../sandbox/fleet-model.ts';
import { sandboxPlan } from '../../../sandbox/scenario-plan.ts';
import type { AuditObservation, IncidentObservation, MinuteRecord, Observations, RemediationCommit, RemediationObservation, ServiceRecords } from '../../../sandbox/observations.ts';
import { IN_FLIGHT_GRACE_MINUTES, judge } from '../../../sandbox/scenario-verdict.ts';
import type { TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const at = (minute: number) => T0 + minute * 1000;
const SHA = 'f'.repeat(40);
const OTHER = 'a'.repeat(40);

/** Minutes 0…last: `sick(m)` says whether the fleet is unhealthy, `shape(m)` how it is sized. */
function minutes(last: number, sick: (m: number) => boolean, shape: (m: number) => Partial<ServiceShape> = () => ({})): MinuteRecord[] {
  const out: MinuteRecord[] = [];
  for (let m = 0; m <= last; m++) {
    const bad = sick(m);
    out.push({
      minute: m,
      realMs: at(m),
      samples: [{ serviceName: 'checkout', minute: m, requestCount: 100, cpu: bad ? 99 : 50, latencyP95: bad ? 4000 : 150, errorRate: bad ? 20 : 0.1, diskUsedPercent: 30 }],
      services: [{ name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0', ...shape(m) }],
    });
  }
  return out;
}
const ev = (type: TimelineEvent['type'], minute: number, fields: Partial<TimelineEvent> = {}): TimelineEvent => ({ type, at: new Date(at(minute)).toISOString(), message: `${type} at ${minute}`, ...fields });
const git = (playbook: string, sha = SHA): RemediationCommit[] => [{ sha, playbook, subject: 'fix', author: 'Homeostat' }];

/** A remediation record as the API serves it. */
function remediation(playbook: string | undefined, state: string, more: Partial<RemediationObservation> = {}): RemediationObservation {
  return { id: `rm-${playbook ?? 'none'}-${state}`, incidentId: 'inc-1', state, ...(playbook ? { playbook } : {}), ...more };
}
/** Applied and verified effective, as the worker leaves it. */
const effective = (playbook: string, sha = SHA) =>
  remediation(playbook, 'effective', { commit: sha, proposalCommit: sha, appliedAt: new Date(at(55)).toISOString(), verification: { outcome: 'effective', summary: 'cpu improved' } });
let seq = 0;
const audit = (type: string, playbook?: string, commit?: string): AuditObservation => ({ seq: ++seq, type, actor: 'homeostat', incidentId: 'inc-1', summary: type, ...(playbook ? { playbook } : {}), ...(commit ? { commit } : {}) });
/** The audit trail of a change that was proposed, committed, applied and verified. */
const trail = (playbook: string, sha = SHA) => [audit('proposal', playbook), audit('commit', playbook, sha), audit('applied', playbook, sha), audit('verified', playbook, sha)];
const records = (r: Partial<ServiceRecords>): ServiceRecords => ({ remediations: [], reviews: [], audit: [], ...r });
/** A predicted incident whose first forecast was at `minute`. */
const warned = (minute: number, more: Partial<IncidentObservation> = {}): IncidentObservation => ({ id: `inc-w${minute}`, predicted: true, warnedAt: at(minute), ...more });

const obs = (name: string, o: Partial<Observations>, seed?: number): Observations => ({ plan: sandboxPlan(name, seed === undefined ? {} : { seed }), minuteMs: 1000, events: [], minutes: [], ...o });

/** A traffic spike from minute 35, scaled out by a commit at 43, applied at 55, watched until the horizon (125). */
const spikeMinutes = (last: number) => minutes(last, (m) => m >= 35 && m < 55, (m) => ({ capacity: m >= 55 ? 4 : 2 }));
const spike = {
  minutes: spikeMinutes(125),
  events: [
    ev('anomaly', 36),
    ev('incident', 36),
    ev('proposal', 36, { playbook: 'scale-out' }),
    ev('commit', 43, { playbook: 'scale-out', commit: SHA }),
    ev('verify', 80, { playbook: 'scale-out', commit: SHA, outcome: 'effective' }),
  ],
  records: records({ remediations: [effective('scale-out')], audit: trail('scale-out') }),
  git: git('scale-out'),
};

describe('sandbox: scenario verdict', () => {
  it('waits for the fault, then asks for the service\'s records and the Git history', () => {
    assert.equal(judge(obs('traffic-spike', { minutes: minutes(30, () => false) })).needsRecords, false);
    const v = judge(obs('traffic-spike', { minutes: minutes(40, (m) => m >= 35) }));
    assert.equal(v.status, 'pending');
    assert.equal(v.needsRecords, true);
    assert.equal(v.measurements.onsetMinute, 35);
  });

  it('passes a traffic spike scaled out, verified, in Git, with nothing else applied, once the horizon is reached', () => {
    const early = judge(obs('traffic-spike', { ...spike, minutes: spikeMinutes(100) }));
    assert.equal(early.status, 'pending', 'watched until the horizon: something else could still be applied');
    const v = judge(obs('traffic-spike', spike));
    assert.equal(v.status, 'passed', v.summary);
    assert.deepEqual(v.measurements.detection, { simMinutes: 1, realMs: 1000 });
    assert.deepEqual(v.measurements.commit, { simMinutes: 8, realMs: 8000 });
    assert.deepEqual(v.measurements.recovery, { simMinutes: 20, realMs: 20_000 });
    assert.equal(v.measurements.actions, 1);
    assert.equal(v.measurements.remedyMinute, 55);
    assert.deepEqual(v.observed?.verifiedEffective, ['scale-out']);
    assert.match(v.summary, /^traffic-spike passed: scale-out ffffffffffff applied and verified effective, nothing else applied; detected after 1 min/);
  });

  it('fails at once when a wrong playbook was applied, even beside the right one', () => {
    const wrong = {
      minutes: spikeMinutes(60),
      records: records({ remediations: [remediation('scale-up', 'verifying', { commit: OTHER, appliedAt: new Date(at(50)).toISOString() })], audit: [audit('proposal', 'scale-up'), audit('commit', 'scale-up', OTHER)] }),
      git: git('scale-up', OTHER),
    };
    const v = judge(obs('traffic-spike', wrong));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /applied scale-up aaaaaaaaaaaa, which is not a scale-out, verified effective/);
    const both = { ...spike, records: records({ remediations: [effective('scale-out'), effective('scale-up', OTHER)], audit: [...trail('scale-out'), ...trail('scale-up', OTHER)] }), git: [...git('scale-out'), ...git('scale-up', OTHER)] };
    assert.equal(judge(obs('traffic-spike', both)).status, 'failed');
    // A remediation commit on the deploy branch that no record explains counts as applied too.
    const unexplained = { ...spike, git: [...git('scale-out'), ...git('rollback-deploy', OTHER)] };
    assert.match(judge(obs('traffic-spike', unexplained)).summary, /applied rollback-deploy aaaaaaaaaaaa/);
  });

  it('fails when the expected playbook was applied but not verified effective', () => {
    const rolledBack = {
      ...spike,
      records: records({
        remediations: [remediation('scale-out', 'rolled-back', { commit: SHA, appliedAt: new Date(at(55)).toISOString(), revertCommit: OTHER, verification: { outcome: 'not-effective', summary: 'cpu did not improve' } })],
        audit: [audit('proposal', 'scale-out'), audit('commit', 'scale-out', SHA), audit('rolled-back', 'scale-out', OTHER)],
      }),
      git: [...git('scale-out'), { sha: OTHER, playbook: 'scale-out', subject: 'Revert', author: 'Homeostat', revertOf: SHA }],
    };
    const v = judge(obs('traffic-spike', rolledBack));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /expected a scale-out, verified effective by minute 125/);
    assert.deepEqual(v.observed?.verifiedEffective, []);
    // Applied, still verifying: waits past the horizon, then fails.
    const verifying = { ...spike, records: records({ remediations: [remediation('scale-out', 'verifying', { commit: SHA, appliedAt: new Date(at(120)).toISOString() })], audit: trail('scale-out').slice(0, 3) }) };
    assert.equal(judge(obs('traffic-spike', verifying)).status, 'pending');
    assert.equal(judge(obs('traffic-spike', { ...verifying, minutes: spikeMinutes(125 + IN_FLIGHT_GRACE_MINUTES) })).status, 'failed');
    // The record says effective, but the audit log has no verification: not verified.
    assert.equal(judge(obs('traffic-spike', { ...spike, records: records({ remediations: [effective('scale-out')], audit: trail('scale-out').slice(0, 3) }) })).status, 'failed');
    // Verified, but its commit is not on the deploy branch.
    assert.match(judge(obs('traffic-spike', { ...spike, git: git('scale-out', OTHER) })).summary, /not on the deploy branch|applied scale-out aaaaaaaaaaaa/);
  });

  it('fails at the horizon with what happened instead', () => {
    const v = judge(obs('traffic-spike', { minutes: minutes(125, (m) => m >= 35), records: records({ remediations: [remediation('scale-out', 'rejected')], audit: [audit('proposal', 'scale-out')] }), git: [] }));
    assert.equal(v.status, 'failed');
    assert.deepEqual(v.reasons, ['proposed: scale-out', 'review items: none', 'applied: nothing', 'verified effective: nothing']);
    assert.equal(v.measurements.recovery, null);
  });

  it('the facts it compares do not depend on what the scenario expects', () => {
    const a = judge(obs('traffic-spike', spike));
    const b = judge(obs('slow-saturation', spike));
    assert.deepEqual(a.observed, b.observed);
  });

  it('slow saturation: a fix after errors began is too late', () => {
    const late = {
      minutes: minutes(215, (m) => m >= 90 && m < 105, (m) => ({ capacity: m >= 105 ? 4 : 2 })),
      events: [ev('incident', 74), ev('commit', 94, { playbook: 'scale-out', commit: SHA }), ev('verify', 129, { playbook: 'scale-out', commit: SHA, outcome: 'effective' })],
      records: records({ remediations: [effective('scale-out')], audit: trail('scale-out'), incidents: [warned(74)] }),
      git: git('scale-out'),
    };
    const v = judge(obs('slow-saturation', late));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /came too late: errors stayed at 1 % or more from minute 90, the fleet was resized at minute 105/);
    const early = { ...late, minutes: minutes(215, () => false, (m) => ({ capacity: m >= 100 ? 3 : 2 })) };
    assert.equal(judge(obs('slow-saturation', early)).status, 'passed');
    // One noisy minute at the SLO is not errors yet.
    const blip = { ...late, minutes: minutes(215, (m) => m === 96, (m) => ({ capacity: m >= 100 ? 3 : 2 })) };
    const v2 = judge(obs('slow-saturation', blip));
    assert.equal(v2.measurements.firstErrorMinute, null);
    assert.equal(v2.status, 'passed');
  });

  describe('a warning ahead (disk fill): a predicted incident on record before the first error and alarm', () => {
    const fixed = (o: { incidents?: IncidentObservation[] } = {}) => ({
      minutes: minutes(215, () => false, (m) => ({ volumeGiB: m >= 100 ? 40 : 20 })),
      events: [ev('incident', 74), ev('commit', 94, { playbook: 'grow-volume', commit: SHA }), ev('verify', 129, { playbook: 'grow-volume', commit: SHA, outcome: 'effective' })],
      records: records({ remediations: [effective('grow-volume')], audit: trail('grow-volume'), ...(o.incidents ? { incidents: o.incidents } : {}) }),
      git: git('grow-volume'),
    });

    it('passes with the warning before anything went wrong, and measures its lead', () => {
      const v = judge(obs('disk-fill', fixed({ incidents: [warned(74, { firstAlarmAt: at(90) })] })));
      assert.equal(v.status, 'passed', v.summary);
      assert.deepEqual(v.measurements.warning, { warnedMinute: 74, firstErrorMinute: null, firstAlarmMinute: 90, leadBeforeErrorMinutes: null, leadBeforeAlarmMinutes: 16 });
      assert.match(v.summary, /warned at minute 74 \(no error, 16 min before the first alarm\)/);
    });

    it('fails without a predicted incident on record, even with the fix in time', () => {
      const observed: IncidentObservation = { id: 'inc-1', predicted: false, firstAlarmAt: at(90) };
      for (const incidents of [undefined, [observed]]) {
        const v = judge(obs('disk-fill', fixed(incidents ? { incidents } : {})));
        assert.equal(v.status, 'failed');
        assert.match(v.summary, /no warning ahead: the service recorded no predicted incident/);
      }
    });

    it('fails when the warning came after the first alarm, or after the first error', () => {
      const afterAlarm = judge(obs('disk-fill', fixed({ incidents: [warned(92), { id: 'inc-0', predicted: false, firstAlarmAt: at(90) }] })));
      assert.equal(afterAlarm.status, 'failed');
      assert.match(afterAlarm.summary, /warned too late: the predicted incident came at minute 92, not before the first alarm \(minute 90\)/);
      const afterError = judge(obs('disk-fill', fixed({ incidents: [warned(88, { firstErrorAt: at(80) })] })));
      assert.match(afterError.summary, /not before the first error \(minute 80\)/);
    });

    it('disk fill: passes on a bigger volume, applied before errors and verified, warned ahead', () => {
      const o = {
        minutes: minutes(215, () => false, (m) => ({ volumeGiB: m >= 70 ? 40 : 20 })),
        events: [ev('incident', 60), ev('commit', 64, { playbook: 'grow-volume', commit: SHA }), ev('verify', 99, { playbook: 'grow-volume', commit: SHA, outcome: 'effective' })],
        records: records({ remediations: [effective('grow-volume')], audit: trail('grow-volume'), incidents: [warned(60)] }),
        git: git('grow-volume'),
      };
      const v = judge(obs('disk-fill', o));
      assert.equal(v.status, 'passed', v.summary);
      assert.equal(v.measurements.remedyMinute, 70);
    });
  });

  it('bad release: the onset is when the bad version runs, and the fix must take it away', () => {
    const runs = (m: number) => (m >= 45 && m < 66 ? 'v1.1.0' : 'v1.0.0');
    const o = {
      minutes: minutes(135, (m) => runs(m) === 'v1.1.0', (m) => ({ version: runs(m) })),
      events: [ev('incident', 46), ev('commit', 55, { playbook: 'rollback-deploy', commit: SHA }), ev('verify', 90, { playbook: 'rollback-deploy', commit: SHA, outcome: 'effective' })],
      records: records({ remediations: [effective('rollback-deploy')], audit: trail('rollback-deploy') }),
      git: git('rollback-deploy'),
    };
    assert.equal(judge(obs('bad-release', { ...o, minutes: o.minutes.slice(0, 131) })).status, 'pending', 'the horizon moves with the late onset');
    const v = judge(obs('bad-release', o));
    assert.equal(v.status, 'passed', v.summary);
    assert.equal(v.measurements.onsetMinute, 45);
    assert.equal(v.measurements.remedyMinute, 66);
  });

  describe('false alarm (seed 3: a blip of 2 minutes, judged at minute 77)', () => {
    const blip = minutes(77, (m) => m === 35 || m === 36);
    const fa = (o: Partial<Observations>) => judge(obs('false-alarm', { minutes: blip, ...o }, 3));

    it('passes with no proposal, no review item and no commit, once the horizon is reached', () => {
      const quiet = { records: records({ remediations: [remediation(undefined, 'no-action', { message: 'its signals are back' })], audit: [audit('no-action')] }), git: [] };
      assert.equal(judge(obs('false-alarm', { minutes: blip.slice(0, 50), ...quiet }, 3)).status, 'pending');
      const v = fa({ events: [ev('anomaly', 36)], ...quiet });
      assert.equal(v.status, 'passed', v.summary);
      assert.equal(v.measurements.actions, 0);
      assert.equal(v.measurements.proposals, 0);
      assert.match(v.summary, /no proposal, no review item, no commit on the blip \(it was noticed/);
      assert.equal(fa({}).needsRecords, true);
    });

    it('fails on a proposal that was never committed', () => {
      const v = fa({ records: records({ remediations: [remediation('scale-out', 'rejected', { proposalCommit: SHA })], audit: [audit('proposal', 'scale-out')] }), git: [] });
      assert.equal(v.status, 'failed');
      assert.match(v.summary, /acted on a false alarm: proposed scale-out/);
      assert.equal(v.measurements.proposals, 1);
      assert.equal(v.measurements.actions, 0);
      // Even when the record is gone, its audit entry says it was proposed.
      assert.equal(fa({ records: records({ audit: [audit('proposal', 'scale-out')] }), git: [] }).status, 'failed');
    });

    it('fails on a review item, and on a remediation commit', () => {
      const reviewed = records({ reviews: [{ id: 'rv-1', remediationId: 'rm-1', status: 'rejected', playbook: 'scale-out', decidedBy: 'Sam' }] });
      assert.match(fa({ records: reviewed, git: [] }).summary, /review item rv-1 scale-out \(rejected by Sam\)/);
      assert.match(fa({ records: records({}), git: git('scale-out') }).summary, /applied scale-out ffffffffffff \(no remediation record\)/);
      assert.equal(judge(obs('false-alarm', { minutes: blip.slice(0, 45), records: records({}), git: git('scale-out') }, 3)).status, 'failed', 'at once, before the horizon');
    });

    it('waits for a remediation still deciding at the horizon, and fails if it never finishes', () => {
      const deciding = { records: records({ remediations: [remediation(undefined, 'proposing')] }), git: [] };
      assert.equal(fa(deciding).status, 'pending');
      const v = judge(obs('false-alarm', { minutes: minutes(77 + IN_FLIGHT_GRACE_MINUTES, (m) => m === 35), ...deciding }, 3));
      assert.equal(v.status, 'failed');
    });
  });
});
