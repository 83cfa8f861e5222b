import assert from 'node:assert/strict';
import { formatAuditEntries, formatVerifyResult } from '../../../orchestrator/audit/format.ts';
import type { AuditEntry } from '../../../orchestrator/audit/audit-entry.ts';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  seq: 1, at: '2025-01-02T03:04:05.678Z', prevHash: '0'.repeat(64), hash: 'a'.repeat(64), type: 'decision', actor: 'homeostat', summary: 's', data: {}, ...over,
});

describe('audit formatting', () => {
  it('prints entries as a table, one line each, with short commits and dashes for gaps', () => {
    const text = formatAuditEntries([
      entry({ seq: 12, type: 'commit', stackKey: 'infra/./web', incidentId: 'inc-7', playbook: 'scale-up', commit: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', summary: 'committed\nsecond line' }),
      entry({ seq: 3, actor: 'Ana Silva', type: 'review-approved', summary: 'x'.repeat(150) }),
    ]);
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^SEQ\s+TIME\s+TYPE\s+ACTOR\s+STACK\s+INCIDENT\s+PLAYBOOK\s+COMMIT\s+SUMMARY$/);
    assert.match(lines[1]!, /^12\s+2025-01-02 03:04:05Z\s+commit\s+homeostat\s+infra\/\.\/web\s+inc-7\s+scale-up\s+a94a8fe5ccb1\s+committed$/);
    assert.match(lines[2]!, /^3 .*review-approved\s+Ana Silva\s+-\s+-\s+-\s+-\s+x{99}…$/);
    assert.equal(formatAuditEntries([]), 'no audit entries');
  });

  it('prints a verify result in one line', () => {
    assert.equal(formatVerifyResult({ ok: true, count: 3, head: 'abcdef0123456789'.repeat(4) }), 'audit chain valid: 3 entries, head abcdef012345');
    assert.equal(formatVerifyResult({ ok: false, seq: 7, problem: 'entry changed' }), 'audit chain BROKEN at entry 7: entry changed');
  });
});
