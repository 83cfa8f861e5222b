import assert from 'node:assert/strict';
import { RemediationRecordSchema, ReviewItemSchema, advance, remediationIdOf } from '../../../orchestrator/remediate/remediation-record.ts';
import type { RemediationRecord, ReviewItem } from '../../../orchestrator/remediate/remediation-record.ts';

const INCIDENT = 'infra/./sandbox@20261129T0210Z';
const CREATED = '2026-11-29T02:11:00.000Z';

function record(over: Partial<RemediationRecord> = {}): RemediationRecord {
  return RemediationRecordSchema.parse({
    id: remediationIdOf(INCIDENT),
    incidentId: INCIDENT,
    stackKey: 'infra/./sandbox',
    repoId: 'infra',
    state: 'proposing',
    createdAt: CREATED,
    updatedAt: CREATED,
    ...over,
  });
}

function reviewItem(): ReviewItem {
  return {
    id: 'rv-1',
    remediationId: remediationIdOf(INCIDENT),
    status: 'open',
    createdAt: CREATED,
    stackKey: 'infra/./sandbox',
    repoId: 'infra',
    incidentId: INCIDENT,
    playbook: 'scale-out',
    title: 'Scale out sandbox:capacity from 2 to 4',
    explanation: 'Saturation.',
    confidence: 0.7,
    risk: 'low',
    branch: `homeostat/${remediationIdOf(INCIDENT)}`,
    commit: '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345',
    reasons: ["confidence 70% is below the stack's threshold 80%"],
  };
}

/** The first issue of a failed parse as `path: message`, the way the boundary reports it. */
function firstIssue(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string {
  assert.equal(result.success, false, 'expected the parse to fail');
  const issue = result.error!.issues[0]!;
  return `${issue.path.map(String).join('.')}: ${issue.message}`;
}

describe('remediation record', () => {
  describe('advance', () => {
    it('moves the record to the state and appends the step to its history', () => {
      const at = '2026-11-29T02:12:00.000Z';
      const next = advance(record(), 'checking', 'policy check of 3f9c2a1b7d4e on homeostat/rm-x', at);
      assert.equal(next.state, 'checking');
      assert.equal(next.message, 'policy check of 3f9c2a1b7d4e on homeostat/rm-x');
      assert.equal(next.updatedAt, at);
      assert.deepEqual(next.events, [{ at, state: 'checking', message: 'policy check of 3f9c2a1b7d4e on homeostat/rm-x' }]);
    });

    it('keeps earlier steps in order', () => {
      const steps = [
        ['checking', 'policy check', '2026-11-29T02:12:00.000Z'],
        ['committed', 'committed 3f9c2a1b7d4e', '2026-11-29T02:13:00.000Z'],
        ['verifying', 'applied', '2026-11-29T02:14:00.000Z'],
      ] as const;
      const rec = steps.reduce((r, [state, message, at]) => advance(r, state, message, at), record());
      assert.deepEqual(
        rec.events.map((e) => [e.state, e.message, e.at]),
        steps.map((s) => [...s]),
      );
    });

    it('stamps the step with the current time when none is given', () => {
      const before = Date.now();
      const next = advance(record(), 'review', 'waiting for a person');
      const at = Date.parse(next.events[0]!.at);
      assert.ok(at >= before && at <= Date.now(), next.events[0]!.at);
      assert.equal(next.updatedAt, next.events[0]!.at);
    });

    it('keeps only the latest 50 steps', () => {
      let rec = record();
      for (let i = 0; i < 60; i++) rec = advance(rec, 'checking', `step ${i}`, new Date(Date.UTC(2026, 10, 29, 3, i)).toISOString());
      assert.equal(rec.events.length, 50);
      assert.equal(rec.events[0]!.message, 'step 10');
      assert.equal(rec.events.at(-1)!.message, 'step 59');
    });

    it('leaves the given record as it was', () => {
      const rec = record();
      const copy = structuredClone(rec);
      advance(rec, 'rejected', 'kill switch', '2026-11-29T02:12:00.000Z');
      assert.deepEqual(rec, copy);
    });

    it('keeps everything else of the record', () => {
      const rec = record({ playbook: 'scale-out', branch: 'homeostat/rm-x', confidence: 0.9 });
      const next = advance(rec, 'committed', 'committed', '2026-11-29T02:12:00.000Z');
      assert.deepEqual([next.id, next.createdAt, next.playbook, next.branch, next.confidence], [rec.id, CREATED, 'scale-out', 'homeostat/rm-x', 0.9]);
    });
  });

  describe('remediationIdOf', () => {
    const cases: { incidentId: string; readable: string }[] = [
      { incidentId: INCIDENT, readable: 'rm-infra-sandbox-20261129T0210Z-' },
      { incidentId: `${INCIDENT}~2`, readable: 'rm-infra-sandbox-20261129T0210Z-2-' },
      { incidentId: 'infra/stacks/app prod@20261129T0210Z', readable: 'rm-infra-stacks-app-prod-20261129T0210Z-' },
      { incidentId: 'a::b', readable: 'rm-a-b-' },
      { incidentId: 'infra/../x@1', readable: 'rm-infra-x-1-' },
    ];
    for (const c of cases) {
      it(`maps ${c.incidentId} to ${c.readable}<hash>, usable as a job id and a Git branch name`, () => {
        const id = remediationIdOf(c.incidentId);
        assert.ok(id.startsWith(c.readable), id);
        assert.match(id, /^rm-[A-Za-z0-9_-]+-[0-9a-f]{8}$/);
        assert.doesNotMatch(id, /\.\./);
      });
    }

    it('keeps incident ids that read alike apart', () => {
      assert.notEqual(remediationIdOf('a/b@x'), remediationIdOf('a-b@x'));
    });

    it('gives one id per incident id, however often asked', () => {
      assert.equal(remediationIdOf(INCIDENT), remediationIdOf(INCIDENT));
    });
  });

  describe('schemas', () => {
    it('accepts a fresh record and starts its history empty', () => {
      assert.deepEqual(record().events, []);
    });

    const recordFields = ['id', 'incidentId', 'stackKey', 'repoId', 'state', 'createdAt', 'updatedAt'] as const;
    for (const field of recordFields) {
      it(`rejects a record without ${field}, naming it`, () => {
        const raw: Record<string, unknown> = { ...record() };
        delete raw[field];
        assert.match(firstIssue(RemediationRecordSchema.safeParse(raw)), new RegExp(`^${field}: `));
      });
    }

    it('rejects a record in a state it does not know, naming the field', () => {
      assert.match(firstIssue(RemediationRecordSchema.safeParse({ ...record(), state: 'done' })), /^state: /);
    });

    it('keeps the guardrail results the decision reads back, and rejects a guardrail it does not know', () => {
      const guardrails = [{ name: 'kill-switch' as const, passed: true, reason: 'off', onFail: 'reject' as const }];
      assert.deepEqual(record({ guardrails }).guardrails, guardrails);
      const raw = { ...record(), guardrails: [{ ...guardrails[0], name: 'kill-swtich' }] };
      assert.match(firstIssue(RemediationRecordSchema.safeParse(raw)), /^guardrails\.0\.name: /);
    });

    it('rejects a step of its history without a message, naming where', () => {
      const raw = { ...record(), events: [{ at: CREATED, state: 'checking' }] };
      assert.match(firstIssue(RemediationRecordSchema.safeParse(raw)), /^events\.0\.message: /);
    });

    it('accepts a complete review item', () => {
      assert.deepEqual(ReviewItemSchema.parse(reviewItem()), reviewItem());
    });

    const reviewFields = ['id', 'remediationId', 'status', 'createdAt', 'stackKey', 'repoId', 'incidentId', 'playbook', 'title', 'explanation', 'confidence', 'risk', 'branch', 'commit', 'reasons'] as const;
    for (const field of reviewFields) {
      it(`rejects a review item without ${field}, naming it`, () => {
        const raw: Record<string, unknown> = { ...reviewItem() };
        delete raw[field];
        assert.match(firstIssue(ReviewItemSchema.safeParse(raw)), new RegExp(`^${field}: `));
      });
    }
  });
});
