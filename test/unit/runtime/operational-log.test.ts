import assert from 'node:assert/strict';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import { configSecrets } from '../../../orchestrator/config/config-secrets.ts';
import { createOperationalLog, formatLogLine, logTimeline, type OperationalLogOptions } from '../../../orchestrator/runtime/operational-log.ts';
import { formatTimelineEvent, timelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';

/** A log whose lines are kept, parsed when they are JSON. */
function captured(options: OperationalLogOptions = {}) {
  const lines: string[] = [];
  const log = createOperationalLog({ ...options, destination: { write: (line: string) => void lines.push(line) } });
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const HOOK_SECRET = 'webhook-secret-4b1d9e';
const API_TOKEN = 'api-token-0123456789abcdef';

describe('operational log: pino, one logger per stage, no secret in a line', () => {
  it('writes each timeline event as one JSON object under the stage it comes from', () => {
    const { log, entries } = captured();
    const emit = logTimeline(log);
    emit(timelineEvent('push', 'push to refs/heads/main', { commit: 'c0ffee' }));
    emit(timelineEvent('apply', '1 updated', { stack: 'prod', outcome: 'ok', durationMs: 4100 }));
    emit(timelineEvent('incident', 'opened checkout@1', { confidence: 0.8 }));
    emit(timelineEvent('commit', 'abc merged', { playbook: 'scale-out' }));
    const [push, apply, incident, commit] = entries();
    assert.deepEqual([push?.stage, apply?.stage, incident?.stage, commit?.stage], ['intake', 'deploy', 'correlate', 'remediate']);
    assert.equal(apply?.msg, '1 updated');
    assert.equal(apply?.level, 'info');
    assert.equal(apply?.type, 'apply');
    assert.equal(apply?.stack, 'prod');
    assert.equal(apply?.durationMs, 4100);
    assert.equal(typeof apply?.time, 'string');
    assert.equal(apply?.pid, process.pid);
  });

  it('logs an error event as an error, and a failed or rejected outcome as a warning', () => {
    const { log, entries } = captured();
    const emit = logTimeline(log);
    emit(timelineEvent('error', 'restore failed'));
    emit(timelineEvent('preview', 'engine failed', { outcome: 'failed' }));
    emit(timelineEvent('decision', 'rejected by Sam', { outcome: 'rejected' }));
    emit(timelineEvent('verify', 'effective', { outcome: 'effective' }));
    assert.deepEqual(entries().map((e) => e.level), ['error', 'warn', 'warn', 'info']);
  });

  it('drops what is below the configured level', () => {
    const { log, entries } = captured({ level: 'warn' });
    const emit = logTimeline(log);
    emit(timelineEvent('apply', '1 updated', { outcome: 'ok' }));
    emit(timelineEvent('apply', 'apply failed', { outcome: 'failed' }));
    assert.deepEqual(entries().map((e) => e.msg), ['apply failed']);
  });

  it('removes the config\'s secrets and anything shaped like a credential, in the message and in every field', () => {
    const config = loadServiceConfig(
      {
        pulumi: { backendUrl: 'file:///var/lib/state', passphrase: { env: 'PASS' } },
        repositories: [{ id: 'infra', url: 'https://github.com/acme/infra.git', webhookSecret: { env: 'HOOK' } }],
        auth: { tokens: [{ name: 'ops', role: 'admin', token: { env: 'TOKEN' } }] },
      },
      { PASS: 'backend-passphrase-77', HOOK: HOOK_SECRET, TOKEN: API_TOKEN },
      '/etc/homeostat',
    );
    const { log, lines } = captured({ secrets: () => configSecrets(config) });
    const emit = logTimeline(log);
    emit(timelineEvent('error', `signature check with ${HOOK_SECRET} failed for Bearer ${API_TOKEN}`, { details: { passphrase: 'backend-passphrase-77', note: `token ${API_TOKEN}`, url: 'redis://:hunter2pass@10.0.0.9:6379' } }));
    log.child({ stage: 'redis' }).warn(`connect to redis://:hunter2pass@10.0.0.9 with ghp_${'a'.repeat(36)}`);
    const all = lines.join('');
    for (const secret of ['backend-passphrase-77', HOOK_SECRET, API_TOKEN, 'hunter2pass', `ghp_${'a'.repeat(36)}`]) assert.ok(!all.includes(secret), `${secret} in ${all}`);
    assert.match(all, /\[redacted\]/);
  });

  it('in text format, prints a timeline event as the timeline does and anything else as time, level, stage and message', () => {
    const { log, lines } = captured({ format: 'text' });
    const event = timelineEvent('apply', '1 updated', { stack: 'prod', commit: 'c0ffee1234', durationMs: 4100 });
    logTimeline(log)(event);
    log.child({ stage: 'redis' }).warn('Redis 10.0.0.9:6379: connect ECONNREFUSED (reconnecting)');
    assert.equal(lines[0], `${formatTimelineEvent(event)}\n`);
    assert.match(lines[1] ?? '', /^\d\d:\d\d:\d\d warn {2}redis {5}Redis 10\.0\.0\.9:6379: connect ECONNREFUSED \(reconnecting\)\n$/);
  });

  it('formats an entry that is not a timeline event without failing', () => {
    assert.equal(formatLogLine({ level: 'info', stage: 'service', msg: 'homeostat: serving', time: '2026-12-01T10:00:00.000Z' }), '10:00:00 info  service   homeostat: serving');
  });
});
