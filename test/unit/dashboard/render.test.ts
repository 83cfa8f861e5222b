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
  runDetail,
  stackState,
  textOf,
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
    const series = {
      stackKey: 'infra/./sandbox', signalId: 'cpu', seriesId: 's-cpu', threshold: 0.9,
      points: [0, 1, 2, 3, 4].map((k) => ({ t: 1_000_000 + k * 60_000, v: k === 3 ? 95 : 40 })),
      anomalies: [{ t: 1_000_000 + 3 * 60_000, score: 0.97, kind: 'peak' as const }],
    };

    it('draws the signal as one path, each anomaly as a dot on the 0–1 scale, and a line per action', () => {
      const svg = chart(series, [{ t: 1_000_000 + 4 * 60_000, label: 'scale-out: committed' }], { width: 400, height: 100 });
      assert.equal(svg.tag, 'svg');
      const els = all(svg);
      const path = els.find((n) => n.attrs.class === 'sig-line');
      assert.equal(String(path?.attrs.d).split(' ').length, 5);
      const dots = els.filter((n) => n.attrs.class === 'anomaly');
      assert.equal(dots.length, 1);
      // Plot spans y 10..78 (100 minus margins); a score of 0.97 sits 3% below the top.
      assert.equal(Number(dots[0]!.attrs.cy), Number((10 + 0.03 * 68).toFixed(1)));
      const markers = els.filter((n) => n.attrs.class === 'marker');
      assert.equal(markers.length, 1);
      assert.equal(markers[0]!.attrs.x1, (48 + 316).toFixed(1), 'the last moment sits at the right edge');
      assert.match(textOf(markers[0]!), /scale-out: committed/);
    });

    it('says so when there is nothing to draw', () => {
      assert.equal(textOf(chart({ ...series, points: [], anomalies: [] })), 'no recent values');
    });

    it('marks each remediation event with a parseable time', () => {
      const markers = actionMarkers([
        { id: 'rm-1', incidentId: 'i', stackKey: 's', playbook: 'scale-out', state: 'verified', events: [{ at: '2026-11-29T00:00:00.000Z', state: 'committed' }, { at: 'garbage', state: 'x' }, { at: 5, state: 'applied', message: 'ok' }] },
      ]);
      assert.deepEqual(markers, [{ t: Date.parse('2026-11-29T00:00:00.000Z'), label: 'scale-out: committed' }, { t: 5, label: 'scale-out: applied — ok' }]);
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
