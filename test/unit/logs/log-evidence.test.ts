import assert from 'node:assert/strict';
import type { LogTemplateEvidence } from '../../../orchestrator/diagnose/log-template.ts';
import { incidentLogs, logHeadlines, mergeEvidence } from '../../../orchestrator/logs/log-evidence.ts';
import { createLogSignals } from '../../../orchestrator/logs/log-signals.ts';
import type { LogEvent } from '../../../orchestrator/logs/log-watermark.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const WEB = 'infra/./web';

function ev(over: Partial<LogTemplateEvidence> = {}): LogTemplateEvidence {
  return { stackKey: WEB, group: '/ecs/web', templateKey: 'tk1', template: 'GET <*> 200', level: 'other', at: T0, lines: ['GET /a 200'], ...over };
}

describe('log evidence', () => {
  it('keeps the newer lines and the first time a template was seen when it is recorded again', () => {
    const first = ev({ firstSeenAt: T0, at: T0, lines: ['ERROR a 1'] });
    const later = ev({ at: T0 + MIN, lines: ['ERROR a 1', 'ERROR a 2'] });
    assert.deepEqual(mergeEvidence(first, later), { ...later, firstSeenAt: T0 });
    assert.deepEqual(mergeEvidence(later, first), { ...later, firstSeenAt: T0 }, 'an older record does not bring back older lines');
    assert.equal(mergeEvidence(undefined, later), later);
  });

  it('shows an incident the templates of its stacks around its time, error-level and new ones first', () => {
    const incident = { stacks: [WEB], onsetAt: T0 + 30 * MIN, lastAbnormalAt: T0 + 40 * MIN };
    const known = ev({ templateKey: 'info', at: T0 + 35 * MIN });
    const newError = ev({ templateKey: 'new-error', level: 'error', firstSeenAt: T0 + 28 * MIN, at: T0 + 39 * MIN });
    // A known error that logged all along, also after the incident: its newest line is later than the window, its others are in it.
    const oldError = ev({ templateKey: 'old-error', level: 'error', at: T0 + 55 * MIN });
    const otherStack = ev({ stackKey: 'infra/./db', templateKey: 'db', level: 'error', at: T0 + 35 * MIN });
    const tooEarly = ev({ templateKey: 'early', level: 'error', at: T0 });
    const tooLate = ev({ templateKey: 'late', level: 'error', firstSeenAt: T0 + 50 * MIN, at: T0 + 50 * MIN });
    const shown = incidentLogs(incident, [known, oldError, otherStack, tooEarly, tooLate, newError], { lookbackMs: 10 * MIN, graceMs: MIN });
    assert.deepEqual(shown.map((l) => l.templateKey), ['new-error', 'old-error', 'info']);
    assert.deepEqual(logHeadlines(shown), ['new error log in /ecs/web: GET /a 200', 'error log in /ecs/web: GET /a 200']);
    assert.deepEqual(incidentLogs(incident, [oldError], { lookbackMs: 10 * MIN, graceMs: MIN, maxTemplates: 1 }), [oldError]);
  });

  it('finds the lines behind an error-rate anomaly and a new template, redacted, from what the signals mined', () => {
    const signals = createLogSignals({ warmupLines: 10, frequentAfter: 5 });
    const events: LogEvent[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ logStreamName: 's', eventId: `a${i}`, timestamp: T0 + i * 1000, message: `GET /orders/${i} 200 in ${i} ms` })),
      { logStreamName: 's', eventId: 'e1', timestamp: T0 + MIN + 5, message: 'ERROR charge 7 failed: timeout token=s3cr3tvalue' },
      { logStreamName: 's', eventId: 'e2', timestamp: T0 + MIN + 9, message: 'ERROR charge 8 failed: timeout token=s3cr3tvalue' },
    ];
    const fresh = signals.ingest({ stackKey: WEB, logGroupId: 'app', group: '/ecs/web', events });
    assert.equal(fresh.length, 1);
    const newOne = signals.evidenceOfNew(fresh[0]!)!;
    assert.equal(newOne.level, 'error');
    assert.equal(newOne.firstSeenAt, T0 + MIN + 5);
    assert.equal(newOne.at, T0 + MIN + 9);
    assert.deepEqual(newOne.lines, ['ERROR charge 7 failed: timeout token=[redacted]', 'ERROR charge 8 failed: timeout token=[redacted]']);

    const points = signals.flush(T0 + 2 * MIN);
    const errors = points.find((p) => p.signalId === 'logs-app-errors' && p.timestamp === T0 + MIN)!;
    assert.equal(errors.value, 2);
    assert.deepEqual(signals.evidenceOfSeries(errors.seriesId, errors.timestamp), [newOne]);
    assert.deepEqual(signals.evidenceOfSeries(errors.seriesId, T0 + 5 * MIN), [], 'no error line since then');
    const rate = points.find((p) => p.signalId.startsWith('logs-app-t'))!;
    assert.deepEqual(signals.evidenceOfSeries(rate.seriesId, rate.timestamp).map((e) => e.template), ['GET <*> in <*> ms']);
    assert.deepEqual(signals.evidenceOfSeries('no such series', T0), []);
    // Every error template that logged since the last take, once: what an incident opened on metrics shows.
    assert.deepEqual(signals.takeErrorEvidence(), [newOne]);
    assert.deepEqual(signals.takeErrorEvidence(), []);
    signals.ingest({ stackKey: WEB, logGroupId: 'app', group: '/ecs/web', events: [{ logStreamName: 's', eventId: 'e3', timestamp: T0 + 3 * MIN, message: 'ERROR charge 9 failed: timeout token=s3cr3tvalue' }] });
    const again = signals.takeErrorEvidence();
    assert.equal(again.length, 1);
    assert.equal(again[0]!.firstSeenAt, T0 + MIN + 5, 'still new since its first line');
    assert.equal(again[0]!.lines.at(-1), 'ERROR charge 9 failed: timeout token=[redacted]');
  });
});
