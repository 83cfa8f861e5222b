import assert from 'node:assert/strict';
import type { ServiceShape } from '../../../sandbox/fleet-model.ts';
import { sandboxPlan } from '../../../sandbox/scenario-plan.ts';
import { judge, type MinuteRecord, type Observations, type RemediationCommit } from '../../../sandbox/scenario-verdict.ts';
import type { TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const at = (minute: number) => T0 + minute * 1000;
const SHA = 'f'.repeat(40);

/** Minutes 0…last: `sick(m)` says whether the fleet is unhealthy, `shape(m)` how it is sized. */
function minutes(last: number, sick: (m: number) => boolean, shape: (m: number) => Partial<ServiceShape> = () => ({})): MinuteRecord[] {
  const out: MinuteRecord[] = [];
  for (let m = 0; m <= last; m++) {
    const bad = sick(m);
    out.push({
      minute: m,
      realMs: at(m),
      samples: [{ serviceName: 'checkout', minute: m, requestCount: 100, cpu: bad ? 99 : 50, latencyP95: bad ? 4000 : 150, errorRate: bad ? 20 : 0.1 }],
      services: [{ name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0', ...shape(m) }],
    });
  }
  return out;
}
const ev = (type: TimelineEvent['type'], minute: number, fields: Partial<TimelineEvent> = {}): TimelineEvent => ({ type, at: new Date(at(minute)).toISOString(), message: `${type} at ${minute}`, ...fields });
const git = (playbook: string, sha = SHA): RemediationCommit[] => [{ sha, playbook, subject: 'fix', author: 'Homeostat' }];
const obs = (name: string, o: Partial<Observations>): Observations => ({ plan: sandboxPlan(name), minuteMs: 1000, events: [], minutes: [], ...o });

/** A traffic spike from minute 35, scaled out by a commit at 43, applied at 55. */
const spike = {
  minutes: minutes(82, (m) => m >= 35 && m < 55, (m) => ({ capacity: m >= 55 ? 4 : 2 })),
  events: [
    ev('anomaly', 36),
    ev('incident', 36),
    ev('proposal', 36, { playbook: 'scale-out' }),
    ev('commit', 43, { playbook: 'scale-out', commit: SHA }),
    ev('verify', 80, { playbook: 'scale-out', commit: SHA, outcome: 'effective' }),
  ],
};

describe('sandbox: scenario verdict', () => {
  it('waits while the outcome is open', () => {
    const v = judge(obs('traffic-spike', { minutes: minutes(40, (m) => m >= 35) }));
    assert.equal(v.status, 'pending');
    assert.equal(v.measurements.onsetMinute, 35);
  });

  it('passes a traffic spike scaled out, verified, in Git, with its measurements', () => {
    const withoutGit = judge(obs('traffic-spike', spike));
    assert.equal(withoutGit.status, 'pending');
    assert.equal(withoutGit.needsGit, true);
    const v = judge(obs('traffic-spike', { ...spike, git: git('scale-out') }));
    assert.equal(v.status, 'passed', v.summary);
    assert.deepEqual(v.measurements.detection, { simMinutes: 1, realMs: 1000 });
    assert.deepEqual(v.measurements.commit, { simMinutes: 8, realMs: 8000 });
    assert.deepEqual(v.measurements.recovery, { simMinutes: 20, realMs: 20_000 });
    assert.equal(v.measurements.actions, 1);
    assert.equal(v.measurements.remedyMinute, 55);
    assert.match(v.summary, /^traffic-spike passed: scale-out ffffffffffff verified effective; detected after 1 min/);
  });

  it('fails when the verified commit is not on the deploy branch, or is the wrong playbook', () => {
    assert.equal(judge(obs('traffic-spike', { ...spike, git: git('scale-out', 'a'.repeat(40)) })).status, 'failed');
    const wrong = { ...spike, events: spike.events.map((e) => (e.playbook ? { ...e, playbook: 'rollback-deploy' } : e)), minutes: minutes(125, () => false) };
    const v = judge(obs('traffic-spike', { ...wrong, git: git('rollback-deploy') }));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /expected a scale-out, verified effective by minute 125/);
  });

  it('fails at the horizon with what happened instead', () => {
    const v = judge(obs('traffic-spike', { minutes: minutes(125, (m) => m >= 35), events: [ev('anomaly', 36), ev('decision', 40, { outcome: 'review', message: 'review: risk is medium' })] }));
    assert.equal(v.status, 'failed');
    assert.deepEqual(v.reasons, ['decision (review): review: risk is medium']);
    assert.equal(v.measurements.recovery, null);
  });

  it('slow saturation: a fix after errors began is too late', () => {
    const late = {
      minutes: minutes(150, (m) => m >= 90 && m < 105, (m) => ({ capacity: m >= 105 ? 4 : 2 })),
      events: [ev('incident', 74), ev('commit', 94, { playbook: 'scale-out', commit: SHA }), ev('verify', 129, { playbook: 'scale-out', commit: SHA, outcome: 'effective' })],
      git: git('scale-out'),
    };
    const v = judge(obs('slow-saturation', late));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /came too late: errors stayed at 1 % or more from minute 90, the fleet was resized at minute 105/);
    const early = { ...late, minutes: minutes(150, () => false, (m) => ({ capacity: m >= 100 ? 3 : 2 })) };
    assert.equal(judge(obs('slow-saturation', early)).status, 'passed');
    // One noisy minute at the SLO is not errors yet.
    const blip = { ...late, minutes: minutes(150, (m) => m === 96, (m) => ({ capacity: m >= 100 ? 3 : 2 })) };
    const v2 = judge(obs('slow-saturation', blip));
    assert.equal(v2.measurements.firstErrorMinute, null);
    assert.equal(v2.status, 'passed');
  });

  it('bad release: the onset is when the bad version runs, and the fix must take it away', () => {
    const runs = (m: number) => (m >= 45 && m < 66 ? 'v1.1.0' : 'v1.0.0');
    const o = {
      minutes: minutes(95, (m) => runs(m) === 'v1.1.0', (m) => ({ version: runs(m) })),
      events: [ev('incident', 46), ev('commit', 55, { playbook: 'rollback-deploy', commit: SHA }), ev('verify', 90, { playbook: 'rollback-deploy', commit: SHA, outcome: 'effective' })],
      git: git('rollback-deploy'),
    };
    const v = judge(obs('bad-release', o));
    assert.equal(v.status, 'passed', v.summary);
    assert.equal(v.measurements.onsetMinute, 45);
    assert.equal(v.measurements.remedyMinute, 66);
  });

  it('false alarm: any remediation commit fails it; after the horizon, none passes it', () => {
    const blip = minutes(80, (m) => m === 35 || m === 36);
    assert.equal(judge(obs('false-alarm', { minutes: blip.slice(0, 50) })).status, 'pending');
    assert.equal(judge(obs('false-alarm', { minutes: blip, events: [ev('anomaly', 36), ev('commit', 44, { playbook: 'scale-out', commit: SHA })] })).status, 'failed');
    assert.equal(judge(obs('false-alarm', { minutes: blip, git: git('scale-out') })).status, 'failed');
    assert.equal(judge(obs('false-alarm', { minutes: blip })).needsGit, true);
    const v = judge(obs('false-alarm', { minutes: blip, events: [ev('anomaly', 36), ev('proposal', 37, { playbook: 'scale-out' })], git: [] }));
    assert.equal(v.status, 'passed');
    assert.equal(v.measurements.actions, 0);
    assert.equal(v.measurements.proposals, 1);
  });
});
