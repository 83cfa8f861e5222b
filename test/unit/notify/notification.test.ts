import assert from 'node:assert/strict';
import { kindOf, notificationOf, type Notification } from '../../../orchestrator/notify/notification.ts';
import { cloudEvent, dashboardLink, slackMessage } from '../../../orchestrator/notify/payloads.ts';
import { globMatch, routesFor } from '../../../orchestrator/notify/routing.ts';
import { timelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';

describe('notifications: which steps of the loop are told, and how', () => {
  describe('read off the timeline', () => {
    const cases: [Parameters<typeof kindOf>[0], string | undefined][] = [
      [{ type: 'incident', outcome: 'opened' }, 'incident.opened'],
      [{ type: 'incident', outcome: 'updated' }, undefined],
      [{ type: 'incident', outcome: 'resolved' }, 'incident.resolved'],
      [{ type: 'decision', outcome: 'review' }, 'review.waiting'],
      [{ type: 'decision', outcome: 'auto' }, undefined],
      [{ type: 'apply', outcome: 'remediation-applied' }, 'remediation.applied'],
      [{ type: 'apply', outcome: 'ok' }, undefined],
      [{ type: 'verify', outcome: 'effective' }, 'remediation.verified'],
      [{ type: 'verify', outcome: 'not-effective' }, undefined],
      [{ type: 'rollback', outcome: 'rolled-back' }, 'remediation.reverted'],
      [{ type: 'rollback', outcome: 'escalated' }, 'remediation.escalated'],
      [{ type: 'drift', outcome: 'report' }, 'drift.found'],
      [{ type: 'error', outcome: 'failed', details: { final: true } }, 'run.failed'],
      [{ type: 'error', outcome: 'blocked', details: { reason: 'Blocked' } }, 'stack.blocked'],
      [{ type: 'error', outcome: 'failed', details: { final: false } }, undefined],
      [{ type: 'error', outcome: 'aborted', details: { final: true } }, undefined],
      [{ type: 'anomaly' }, undefined],
      [{ type: 'push' }, undefined],
    ];
    for (const [event, kind] of cases) {
      it(`${event.type}${event.outcome ? ` (${event.outcome}${event.details ? `, final ${String(event.details.final)}` : ''})` : ''} → ${kind ?? 'nothing'}`, () => {
        assert.equal(kindOf(event), kind);
      });
    }

    it('carries the event\'s line, time and subject, with a title for a person', () => {
      const e = timelineEvent('rollback', 'abc reverts def: not effective', { stack: 'prod', commit: 'a'.repeat(40), incident: 'infra/./prod@1', playbook: 'scale-out', outcome: 'rolled-back' });
      assert.deepEqual(notificationOf(e, 'n-1'), {
        id: 'n-1',
        kind: 'remediation.reverted',
        at: e.at,
        title: 'Remediation did not help and was reverted: prod',
        message: 'abc reverts def: not effective',
        stack: 'prod',
        commit: 'a'.repeat(40),
        incident: 'infra/./prod@1',
        playbook: 'scale-out',
        outcome: 'rolled-back',
      });
      assert.equal(notificationOf(timelineEvent('push', 'x'), 'n-2'), undefined);
    });
  });

  describe('routing', () => {
    it('matches stack patterns with * as any run of characters, everything else literally', () => {
      assert.ok(globMatch('prod-*', 'prod-eu'));
      assert.ok(globMatch('prod-*', 'prod-'));
      assert.ok(globMatch('*-eu', 'prod-eu'));
      assert.ok(globMatch('*', 'anything'));
      assert.ok(globMatch('a*b*c', 'aXbYc'));
      assert.ok(!globMatch('a*b*c', 'aXcYb'));
      assert.ok(!globMatch('prod-*', 'staging-prod-eu'));
      assert.ok(!globMatch('prod', 'prod-eu'));
      assert.ok(!globMatch('p.od', 'prod'), 'a dot is a dot');
      assert.ok(!globMatch('ab*ba', 'aba'), 'the two ends may not overlap');
    });

    it('sends to the targets that asked for the kind and the stack; one without a stack only to those that did not narrow by stack', () => {
      const targets = [
        { id: 'all' },
        { id: 'incidents', events: ['incident.opened' as const] },
        { id: 'prod', stacks: ['prod-*'] },
      ];
      const ids = (n: Parameters<typeof routesFor>[0]) => routesFor(n, targets).map((t) => t.id);
      assert.deepEqual(ids({ kind: 'incident.opened', stack: 'prod-eu' }), ['all', 'incidents', 'prod']);
      assert.deepEqual(ids({ kind: 'drift.found', stack: 'staging' }), ['all']);
      assert.deepEqual(ids({ kind: 'incident.opened' }), ['all', 'incidents']);
    });
  });

  describe('messages', () => {
    const n: Notification = { id: 'n-1', kind: 'incident.opened', at: '2026-12-01T10:00:00.000Z', title: 'Incident opened: prod', message: 'opened <x> & <y>: saturation', stack: 'prod', incident: 'infra/./prod@1', commit: 'b'.repeat(40) };

    it('a CloudEvent in structured mode, the notification its data and its id the event\'s', () => {
      assert.deepEqual(cloudEvent(n, 'homeostat'), { specversion: '1.0', id: 'n-1', source: 'homeostat', type: 'dev.homeostat.incident.opened', time: n.at, subject: 'prod', datacontenttype: 'application/json', data: n });
    });

    it('a Slack message: text from the records stays text, and the button opens the incident in the dashboard', () => {
      const m = slackMessage(n, 'https://homeostat.example/dashboard');
      assert.equal(m.text, 'Incident opened: prod: opened <x> & <y>: saturation');
      assert.deepEqual(m.blocks[1], { type: 'section', text: { type: 'mrkdwn', text: 'opened &lt;x&gt; &amp; &lt;y&gt;: saturation' } });
      assert.deepEqual(m.blocks.at(-1), { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Homeostat' }, url: 'https://homeostat.example/dashboard?incident=infra%2F.%2Fprod%401' }] });
      assert.equal(slackMessage(n).blocks.some((b) => b.type === 'actions'), false, 'no link without a dashboard address');
      assert.equal(dashboardLink({ ...n, incident: undefined } as unknown as Notification, 'https://h.example/dashboard'), 'https://h.example/dashboard');
    });
  });
});
