import assert from 'node:assert/strict';
import {
  actionMarkers,
  changeLine,
  chart,
  countLines,
  countsShort,
  diffLines,
  diffView,
  h,
  reviewsList,
  liveBadge,
  runDetail,
  stackLinks,
  stackState,
  textOf,
  timelineList,
  toHtml,
  verifyBadge,
  type ReviewItem,
  type VNode,
} from '../../../orchestrator/dashboard/assets/render.js';
import { initialStatus } from '../../../orchestrator/records/stack-status.ts';
import { previewRun } from '../../support/run-records.ts';

/** Every element of a description, depth first. */
function all(node: VNode | string): VNode[] {
  return typeof node === 'string' ? [] : [node, ...node.children.flatMap(all)];
}

const SUMMARY = {
  counts: { create: 1, update: 1, replace: 1, delete: 1, same: 3 },
  resources: [
    { urn: 'urn:a::svc', type: 'homeostat:SandboxService', name: 'checkout', op: 'update', changes: [{ path: 'capacity', kind: 'update', replace: false, old: 2, new: 4 }] },
    { urn: 'urn:a::q', type: 'aws:sqs/queue:Queue', name: 'jobs', op: 'create', changes: [{ path: 'name', kind: 'add', replace: false, new: 'jobs' }] },
    { urn: 'urn:a::db', type: 'aws:rds/instance:Instance', name: 'db', op: 'replace', changes: [{ path: 'engine', kind: 'update', replace: true, old: 'mysql', new: 'postgres' }] },
    { urn: 'urn:a::old', type: 'aws:s3/bucket:Bucket', name: 'old', op: 'delete', changes: [] },
    { urn: 'urn:a::same', type: 'aws:s3/bucket:Bucket', name: 'logs', op: 'same', changes: [] },
  ],
  policyViolations: [{ policyPack: 'homeostat', policyPackVersion: '1.0.0', policy: 'max-capacity', level: 'advisory' as const, message: 'capacity above 3', urn: 'urn:a::svc' }],
  outputs: { url: 'http://x' },
  errors: [],
};

describe('dashboard rendering helpers (render.js)', () => {
  describe('a run diff, like pulumi preview', () => {
    it('prints one line per changed resource with its sign, and its property diffs below it', () => {
      assert.deepEqual(
        diffLines(SUMMARY).map((l) => `${'    '.repeat(l.level)}${l.text}`),
        [
          '~ update  homeostat:SandboxService  checkout',
          '    ~ capacity: 2 => 4',
          '+ create  aws:sqs/queue:Queue  jobs',
          '    + name: "jobs"',
          '+- replace  aws:rds/instance:Instance  db',
          '    ~ engine: "mysql" => "postgres" [forces replacement]',
          '- delete  aws:s3/bucket:Bucket  old',
        ],
      );
    });

    const cases: [string, Parameters<typeof changeLine>[0], string][] = [
      ['a number update', { path: 'capacity', kind: 'update', replace: false, old: 2, new: 4 }, '~ capacity: 2 => 4'],
      ['an added nested key', { path: 'tags.owner', kind: 'add', replace: false, new: 'ops' }, '+ tags.owner: "ops"'],
      ['a deleted key', { path: 'size', kind: 'delete', replace: false, old: 3 }, '- size: 3'],
      ['an object value', { path: 'cfg', kind: 'update', replace: false, old: { a: 1 }, new: { a: 2 } }, '~ cfg: {"a":1} => {"a":2}'],
      ['a value unknown before apply', { path: 'arn', kind: 'update', replace: false, old: 'x', new: undefined }, '~ arn: "x" => undefined'],
    ];
    for (const [name, change, expected] of cases) {
      it(`formats ${name}`, () => assert.equal(changeLine(change), expected));
    }

    it('sums the counts as the Resources block does, and shortly for a table', () => {
      assert.deepEqual(countLines(SUMMARY.counts), ['+ 1 to create', '~ 1 to update', '+- 1 to replace', '- 1 to delete', '4 changes. 3 unchanged']);
      assert.deepEqual(countLines({ same: 2 }), ['no changes. 2 unchanged']);
      assert.equal(countsShort({ create: 0, update: 2 }), '2 update');
      assert.equal(countsShort(undefined), '-');
    });

    it('shows violations, outputs and the Resources block in the diff view', () => {
      const text = textOf(diffView(SUMMARY, 'Preview'));
      assert.match(text, /~ update {2}homeostat:SandboxService {2}checkout\n {4}~ capacity: 2 => 4/);
      assert.match(text, /Resources:\n {4}\+ 1 to create/);
      assert.match(text, /\[advisory\] homeostat@1\.0\.0 max-capacity: capacity above 3 \(svc\)/);
      assert.match(text, /url: "http:\/\/x"/);
    });
  });

  describe('escaping', () => {
    it('escapes text and attribute values, so data never becomes markup', () => {
      const html = toHtml(h('td', { title: '"><script>x</script>' }, '<img src=x onerror=alert(1)>', ' & more'));
      assert.equal(html, '<td title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">&lt;img src=x onerror=alert(1)&gt; &amp; more</td>');
    });

    it('renders a hostile run message as text only', () => {
      const node = runDetail(previewRun({ message: '<img src=x onerror="alert(1)">' }), ['<b>log</b>']);
      assert.ok(!all(node).some((n) => n.tag === 'img' || n.tag === 'b'));
      assert.match(toHtml(node), /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
    });

    it('links a pull request only when its URL is http(s)', () => {
      const review: ReviewItem = {
        id: 'rv-1', status: 'open', createdAt: '2026-11-29T00:00:00Z', stackKey: 'infra/./sandbox', incidentId: 'i-1', playbook: 'scale-out',
        title: 'Scale out checkout', explanation: 'CPU saturated', confidence: 0.62, risk: 'medium', branch: 'homeostat/scale-out', commit: 'a'.repeat(40), reasons: ['confidence below 0.8'],
        pullRequest: { number: 3, url: 'javascript:alert(1)' },
      };
      assert.ok(!all(reviewsList([review])).some((n) => n.tag === 'a'));
      const links = all(reviewsList([{ ...review, pullRequest: { number: 3, url: 'https://github.com/acme/infra/pull/3' } }])).filter((n) => n.tag === 'a');
      assert.deepEqual(links.map((a) => a.attrs.href), ['https://github.com/acme/infra/pull/3']);
    });
  });

  describe('reviews', () => {
    it('gives each open item approve and reject buttons carrying its id', () => {
      const review = { id: 'rv-9', status: 'open', createdAt: '', stackKey: 's', incidentId: 'i', playbook: 'p', title: 't', explanation: 'e', confidence: 0.5, risk: 'low', branch: 'b', commit: 'c', reasons: [] } as ReviewItem;
      const buttons = all(reviewsList([review])).filter((n) => n.tag === 'button');
      assert.deepEqual(buttons.map((b) => [b.attrs['data-action'], b.attrs['data-id']]), [['approve', 'rv-9'], ['reject', 'rv-9']]);
      assert.equal(textOf(reviewsList([])), 'nothing waiting for review');
    });
  });

  describe('the chart', () => {
    const T = 1_000_000;
    const series = {
      stackKey: 'infra/./sandbox', signalId: 'cpu', seriesId: 's-cpu', threshold: 0.9,
      points: [0, 1, 2, 3, 4].map((k) => ({ t: T + k * 60_000, v: k === 3 ? 95 : 40 })),
      anomalies: [{ t: T + 3 * 60_000, score: 0.97, kind: 'peak' as const }],
      scores: [0, 1, 2, 3, 4].map((k) => ({ t: T + k * 60_000, s: k === 3 ? 0.97 : 0.1 })),
    };
    const classOf = (n: VNode) => String(n.attrs.class ?? '');

    it('draws the signal and its anomaly score as two paths, each anomaly as a dot on the 0–1 scale, and a line per action', () => {
      const svg = chart(series, [{ t: T + 4 * 60_000, kind: 'commit', label: 'scale-out: committed' }], { width: 400, height: 100 });
      assert.equal(svg.tag, 'svg');
      const els = all(svg);
      const path = els.find((n) => classOf(n) === 'sig-line');
      assert.equal(String(path?.attrs.d).split(' ').length, 5);
      // Plot spans y 22..78 (100 minus margins of 22): the score line's vertices sit on the 0–1 scale.
      const score = els.find((n) => classOf(n) === 'score-line');
      const ys = String(score?.attrs.d).split(' ').map((v) => Number(v.slice(1).split(',')[1]));
      assert.deepEqual(ys, [0.1, 0.1, 0.1, 0.97, 0.1].map((s) => Number((22 + (1 - s) * 56).toFixed(1))));
      const dots = els.filter((n) => classOf(n) === 'anomaly');
      assert.equal(dots.length, 1);
      assert.equal(Number(dots[0]!.attrs.cy), Number((22 + 0.03 * 56).toFixed(1)));
      const markers = els.filter((n) => classOf(n).startsWith('marker '));
      assert.equal(markers.length, 1);
      assert.equal(markers[0]!.attrs['data-action-kind'], 'commit');
      assert.equal(markers[0]!.attrs.x1, (48 + 316).toFixed(1), 'the last moment sits at the right edge');
      assert.match(textOf(markers[0]!), /scale-out: committed/);
    });

    it('draws no score line when no scores were kept', () => {
      assert.equal(all(chart({ ...series, scores: [] })).filter((n) => classOf(n) === 'score-line').length, 0);
    });

    it('says so when there is nothing to draw', () => {
      assert.equal(textOf(chart({ ...series, points: [], anomalies: [], scores: [] })), 'no recent values');
    });

    it('marks each action of a remediation (proposal, commit, apply, verify, revert) at a parseable time, and no other step', () => {
      const at = (m: number) => new Date(T + m * 60_000).toISOString();
      const markers = actionMarkers([
        {
          id: 'rm-1', incidentId: 'i', stackKey: 's', playbook: 'scale-out', state: 'rolled-back',
          events: [
            { at: at(0), state: 'proposing' }, { at: at(1), state: 'checking' }, { at: at(2), state: 'committed', message: 'c1' },
            { at: 'garbage', state: 'committed' }, { at: at(3), state: 'verifying' }, { at: at(4), state: 'rolled-back', message: 'reverted' },
          ],
        },
        { id: 'rm-2', incidentId: 'i', stackKey: 's', playbook: 'scale-out', state: 'effective', events: [{ at: at(5), state: 'effective' }] },
      ]);
      assert.deepEqual(markers.map((m) => [m.t - T, m.kind, m.label]), [
        [60_000, 'proposal', 'scale-out: checking'],
        [120_000, 'commit', 'scale-out: committed — c1'],
        [180_000, 'apply', 'scale-out: verifying'],
        [240_000, 'revert', 'scale-out: rolled-back — reverted'],
        [300_000, 'verify', 'scale-out: effective'],
      ]);
    });
  });

  describe('the stack page and the live view', () => {
    it('says "none known" when the service knows no links of the stack, and lists them when it does', () => {
      const none = stackLinks({ stackKey: 'a/./b', known: false, dependsOn: [], dependents: [] });
      assert.match(textOf(none), /^none known/);
      const some = stackLinks({ stackKey: 'a/./b', known: true, dependsOn: ['a/./db'], dependents: [] });
      assert.match(textOf(some), /Depends ona\/\.\/dbDepended on bynothing/);
      assert.equal(all(some).find((n) => n.tag === 'a')?.attrs.href, '/dashboard/stack?key=a%2F.%2Fdb');
    });

    it('lists timeline events as text, newest first as given, and says how the page is kept up to date', () => {
      const list = timelineList([{ type: 'apply', at: '2026-11-29T00:00:00Z', message: '<b>1 update</b>', stack: 'infra/./sandbox', commit: 'abcdef123', outcome: 'ok' }]);
      assert.match(toHtml(list), /&lt;b&gt;1 update&lt;\/b&gt;/);
      assert.match(textOf(list), /apply \[infra\/\.\/sandbox@abcdef1\] <b>1 update<\/b> \(ok\)/);
      assert.equal(textOf(liveBadge({ mode: 'live' })), 'live');
      assert.match(textOf(liveBadge({ mode: 'polling', why: 'refused' })), /^polling every 2 s \(refused\)/);
    });
  });

  describe('status badges', () => {
    it('picks Stalled over Reconciling over Ready', () => {
      const s = initialStatus('infra/./sandbox', '2026-11-29T00:00:00Z');
      assert.equal(stackState(s).label, 'Not ready');
      s.conditions.Ready.status = true;
      assert.equal(stackState(s).label, 'Ready');
      s.conditions.Reconciling.status = true;
      assert.equal(stackState(s).label, 'Reconciling');
      s.conditions.Stalled = { status: true, reason: 'PolicyViolation', message: 'mandatory policy failed', since: '' };
      assert.deepEqual(stackState(s), { label: 'Stalled', cls: 'bad', reason: 'PolicyViolation', message: 'mandatory policy failed' });
    });

    it('shows the audit verification', () => {
      assert.equal(textOf(verifyBadge({ ok: true, count: 12 })), 'audit chain verified (12 entries)');
      assert.equal(textOf(verifyBadge({ ok: false, seq: 4, problem: 'hash mismatch' })), 'audit chain broken at #4: hash mismatch');
      assert.equal(textOf(verifyBadge('not offered')), 'audit chain: not available');
    });
  });
});
