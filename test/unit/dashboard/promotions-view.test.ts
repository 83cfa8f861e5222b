import assert from 'node:assert/strict';
import { promotionsList, soakLeftText, waveShownState } from '../../../orchestrator/dashboard/assets/promotions-view.js';
import { textOf, toHtml, type VNode } from '../../../orchestrator/dashboard/assets/render.js';
import { PromotionSchema, type Promotion } from '../../../orchestrator/promote/promotion.ts';

const COMMIT = 'c0ffee0000000000000000000000000000000001';
const S = 'infra/web/staging';
const C = 'infra/web/prod-canary';
const P = 'infra/web/prod-east';
const T = Date.parse('2026-12-01T12:00:00Z');

function promotion(over: Partial<Promotion> = {}): Promotion {
  return PromotionSchema.parse({
    repo: 'infra',
    commit: COMMIT,
    createdAt: T,
    updatedAt: T + 5000,
    state: 'running',
    soakMs: 30_000,
    waves: [
      { name: 'staging', state: 'passed', stacks: [S], passedAt: T + 4000, note: 'healthy for 30 s after the apply', applies: { [S]: 'applied' } },
      { name: 'canary', state: 'soaking', stacks: [C], soakStartedAt: T + 5000, note: 'soaking for 30 s', applies: { [C]: 'applied' } },
      { name: 'prod', state: 'waiting', stacks: [P] },
    ],
    ...over,
  });
}

/** Every element of a description, depth first. */
function all(node: VNode | string): VNode[] {
  return typeof node === 'string' ? [] : [node, ...node.children.flatMap(all)];
}
const waveText = (node: VNode, wave: string) => textOf(all(node).find((n) => n.attrs['data-wave'] === wave)!);

describe('dashboard: promotions, wave by wave', () => {
  it('counts a soak down in whole seconds, then says it is over', () => {
    assert.equal(soakLeftText(T + 25_000, T), '25 s left');
    assert.equal(soakLeftText(T + 24_001, T), '25 s left');
    assert.equal(soakLeftText(T + 65_000, T), '1 min 05 s left');
    assert.equal(soakLeftText(T, T), 'soak over');
    assert.equal(soakLeftText(T - 1, T), 'soak over');
  });

  it('shows each wave in order with its state, the soak’s time left and which stacks applied', () => {
    const node = promotionsList([promotion()], T + 10_000);
    const waves = all(node).filter((n) => n.attrs['data-wave'] !== undefined).map((n) => `${String(n.attrs['data-wave'])}:${String(all(n).find((x) => x.attrs['data-state'])!.attrs['data-state'])}`);
    assert.deepEqual(waves, ['staging:passed', 'canary:soaking', 'prod:waiting']);
    assert.match(waveText(node, 'canary'), /soaking since \d\d:\d\d:\d\d, ends \d\d:\d\d:\d\d: 25 s left/);
    assert.equal(all(node).find((n) => n.attrs['data-soak-end'] !== undefined)!.attrs['data-soak-end'], T + 35_000);
    assert.match(waveText(node, 'canary'), /infra\/web\/prod-canary applied/);
    assert.match(waveText(node, 'prod'), /waits for the waves before it.*infra\/web\/prod-east its turn has not come/);
    assert.match(textOf(node), /Pause/);
  });

  it('shows the held wave of a paused promotion as paused, by whom, with no time left and a resume button', () => {
    const p = promotion({ state: 'paused', paused: { by: 'olivia-operator', at: T + 6000 } });
    assert.equal(waveShownState(p, 1), 'paused');
    assert.equal(waveShownState(p, 2), 'waiting');
    const node = promotionsList([p], T + 10_000);
    assert.match(waveText(node, 'canary'), /canary paused held by olivia-operator/);
    assert.doesNotMatch(textOf(node), /left/);
    assert.match(textOf(node), /paused by olivia-operator at/);
    const button = all(node).find((n) => n.tag === 'button')!;
    assert.equal(button.attrs['data-action'], 'promotion-resume');
  });

  it('names a halt’s reason and links its incident', () => {
    const p = promotion({
      state: 'halted',
      halt: { wave: 'canary', at: T + 9000, reason: 'c0ffee0 made wave canary unhealthy: incident inc-1 on infra/web/prod-canary opened after it applied the change', incidentId: 'inc-1', stackKey: C },
      waves: [promotion().waves[0]!, { ...promotion().waves[1]!, state: 'halted', note: 'c0ffee0 made wave canary unhealthy' }, promotion().waves[2]!],
    });
    const node = promotionsList([p], T + 10_000);
    assert.match(textOf(node), /halted at wave canary \(\d\d:\d\d:\d\d\): c0ffee0 made wave canary unhealthy: incident inc-1/);
    assert.equal(all(node).find((n) => n.attrs['data-incident'] === 'inc-1')!.attrs.href, '/dashboard?incident=inc-1#incidents');
    assert.match(textOf(node), /Resume \(let the halted wave pass\)/);
  });

  it('offers no button on a finished promotion, and says so when there is none', () => {
    assert.equal(all(promotionsList([promotion({ state: 'done' })], T)).filter((n) => n.tag === 'button').length, 0);
    assert.match(textOf(promotionsList([], T)), /no promotions/);
  });

  it('keeps hostile stack names, reasons and principals as text', () => {
    const evil = '<img src=x onerror="alert(1)">';
    const p = promotion({ state: 'halted', halt: { wave: 'canary', at: T, reason: evil, incidentId: `inc-"><script>` }, paused: { by: evil, at: T } });
    p.waves[0]!.stacks = [`infra/${evil}/x`];
    const html = toHtml(promotionsList([p], T));
    assert.doesNotMatch(html, /<img|<script/);
    assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
  });
});
