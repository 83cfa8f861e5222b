import assert from 'node:assert/strict';
import type { Incident } from '../../../orchestrator/correlate/incident.ts';
import { initialTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import type { Deployment } from '../../../orchestrator/diagnose/deployment.ts';
import { diagnose } from '../../../orchestrator/diagnose/diagnose.ts';
import { newErrorTemplatesAfter, type LogTemplateEvidence } from '../../../orchestrator/diagnose/log-template.ts';
import { API, MIN, T0, WEB, a, topology } from '../correlate/fixtures.ts';

const onset = T0 + 60 * MIN;
const OLD = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const NEW = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function deploy(stackKey: string, appliedAt: number, commit = NEW, changes: Deployment['changes'] = []): Deployment {
  return { stackKey, commit, appliedAt, changes };
}

function template(over: Partial<LogTemplateEvidence> = {}): LogTemplateEvidence {
  return {
    stackKey: API,
    group: '/sandbox/api',
    templateKey: 't00000000000000a1',
    template: 'ERROR checkout <*> failed: NullPointerException in PriceRule',
    level: 'error',
    firstSeenAt: onset - 3 * MIN,
    at: onset,
    lines: ['ERROR checkout 17 failed: NullPointerException in PriceRule'],
    ...over,
  };
}

function incident(): Incident {
  return step(initialTrackerState(), [a(API, 'errors', onset, 42, 0.95, 'errors')], onset + MIN, { topology: topology() }).state.open[0]!;
}

describe('diagnosis: new error log templates after a deploy', () => {
  it('raises the deployment\'s confidence by half its doubt and names the template and a line as evidence', () => {
    const deployments = [deploy(API, onset - 5 * MIN)];
    const without = diagnose(incident(), { topology: topology(), deployments }).causes[0]!;
    const withLogs = diagnose(incident(), { topology: topology(), deployments, logTemplates: [template()] }).causes[0]!;
    assert.equal(withLogs.kind, 'deployment');
    assert.equal(withLogs.confidence, Math.round((1 - (1 - without.confidence) * 0.5) * 1000) / 1000);
    assert.ok(withLogs.confidence > without.confidence);
    assert.ok(withLogs.evidence.includes('new error log template in /sandbox/api, first seen 2 min after the apply: "ERROR checkout <*> failed: NullPointerException in PriceRule"'), withLogs.evidence.join('\n'));
    assert.ok(withLogs.evidence.includes('log line: ERROR checkout 17 failed: NullPointerException in PriceRule'));
  });

  it('lifts a deploy without recorded changes above an unknown cause it would otherwise barely beat', () => {
    const deployments = [deploy(API, onset - 20 * MIN)];
    const without = diagnose(incident(), { topology: topology(), deployments }).causes.find((c) => c.kind === 'deployment')!;
    const withLogs = diagnose(incident(), { topology: topology(), deployments, logTemplates: [template({ firstSeenAt: onset - 19 * MIN })] }).causes[0]!;
    assert.ok(without.confidence < 0.35, `without logs ${without.confidence}`);
    assert.equal(withLogs.kind, 'deployment');
    assert.ok(withLogs.confidence > 0.6, `with logs ${withLogs.confidence}`);
  });

  const unchanged: { name: string; log: LogTemplateEvidence }[] = [
    { name: 'a template that appeared before the apply, earlier than a rollout takes', log: template({ firstSeenAt: onset - 6 * MIN - 1 }) },
    { name: 'a template that was known all along (no first-seen time)', log: template({ firstSeenAt: undefined }) },
    { name: 'a new template that is not error-level', log: template({ level: 'other', template: 'INFO cache <*> warmed' }) },
    { name: 'a new error template on another stack', log: template({ stackKey: WEB }) },
    { name: 'a new error template long after the incident stopped', log: template({ firstSeenAt: onset + 30 * MIN }) },
  ];
  for (const { name, log } of unchanged) {
    it(`leaves the deployment as it was for ${name}`, () => {
      const deployments = [deploy(API, onset - 5 * MIN)];
      const without = diagnose(incident(), { topology: topology(), deployments }).causes[0]!;
      const withLog = diagnose(incident(), { topology: topology(), deployments, logTemplates: [log] }).causes[0]!;
      assert.deepEqual(withLog, without);
    });
  }

  it('counts a template that appeared while the apply was rolling out, up to the grace before its run finished', () => {
    const deployments = [deploy(API, onset - 5 * MIN)];
    const top = diagnose(incident(), { topology: topology(), deployments, logTemplates: [template({ firstSeenAt: onset - 6 * MIN })] }).causes[0]!;
    assert.ok(top.evidence.some((e) => e.startsWith('new error log template in /sandbox/api, first seen 60 s before the apply finished, during its rollout: ')), top.evidence.join('\n'));
  });

  it('points at the later of two deploys when the template appears after both', () => {
    const deployments = [deploy(API, onset - 20 * MIN, OLD), deploy(API, onset - 5 * MIN, NEW)];
    const logs = [template({ firstSeenAt: onset - 4 * MIN })];
    assert.deepEqual(newErrorTemplatesAfter(deployments[0]!, deployments, logs, 30 * MIN, onset), []);
    assert.deepEqual(newErrorTemplatesAfter(deployments[1]!, deployments, logs, 30 * MIN, onset), logs);
    const top = diagnose(incident(), { topology: topology(), deployments, logTemplates: logs }).causes[0]!;
    assert.equal(top.commit, NEW);
  });
});
