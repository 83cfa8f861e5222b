import assert from 'node:assert/strict';
import { advancePromotion, type PromotionFacts } from '../../../orchestrator/promote/advance-promotion.ts';
import { openPromotion } from '../../../orchestrator/promote/open-promotion.ts';
import type { Promotion } from '../../../orchestrator/promote/promotion.ts';
import { pausePromotion, resumePromotion } from '../../../orchestrator/promote/promotion-control.ts';
import { promotionGate } from '../../../orchestrator/promote/promotion-gate.ts';

const COMMIT = 'c0ffee0000000000000000000000000000000001';
const WAVES = [
  { name: 'staging', stacks: ['staging'] },
  { name: 'canary', stacks: ['prod-canary'] },
  { name: 'prod', stacks: ['prod-*'] },
];
const S = 'infra/web/staging';
const C = 'infra/web/prod-canary';
const P = 'infra/web/prod-east';
const SOAK = 3000;

function open(stackKeys = [S, C, P]): Promotion {
  const p = openPromotion({ repo: 'infra', commit: COMMIT, waves: WAVES, soakMs: SOAK, stackKeys, now: 0 });
  assert.ok(p);
  return p;
}
const facts = (applies: PromotionFacts['applies'], openIncidents: PromotionFacts['openIncidents'] = []): PromotionFacts => ({ applies, openIncidents });
const states = (p: Promotion) => p.waves.map((w) => w.state).join(' ');

describe('promotion waves: a change going wave by wave', () => {
  it('places the changed stacks in their waves, and opens nothing when no later wave is changed', () => {
    assert.deepEqual(open().waves.map((w) => w.stacks), [[S], [C], [P]]);
    assert.equal(openPromotion({ repo: 'infra', commit: COMMIT, waves: WAVES, soakMs: SOAK, stackKeys: [S, 'infra/web/dev'], now: 0 }), undefined);
  });

  it('lets the first wave apply at once and holds the next until the first has soaked', () => {
    let p = open();
    assert.deepEqual(promotionGate(p, 0), { go: true });
    assert.deepEqual(promotionGate(p, 1), { go: false, why: 'waiting for wave staging (applying)' });
    p = advancePromotion(p, facts({ [S]: 'applied' }), 1000).promotion;
    assert.equal(states(p), 'soaking waiting waiting');
    assert.equal(promotionGate(p, 1).go, false);
    // Not yet a whole window.
    p = advancePromotion(p, facts({ [S]: 'applied' }), 1000 + SOAK - 1).promotion;
    assert.equal(p.waves[0]!.state, 'soaking');
    const step = advancePromotion(p, facts({ [S]: 'applied' }), 1000 + SOAK);
    assert.deepEqual(step.events, [{ kind: 'wave-passed', wave: 'staging' }]);
    assert.equal(states(step.promotion), 'passed applying waiting');
    assert.deepEqual(promotionGate(step.promotion, 1), { go: true });
    assert.equal(promotionGate(step.promotion, 2).go, false);
  });

  it('passes a wave none of whose stacks the change touched, without a soak', () => {
    const p = open([C, P]);
    const step = advancePromotion(p, facts({ [C]: 'applied' }), 10);
    assert.equal(states(step.promotion), 'passed soaking waiting');
  });

  it('finishes once the last wave has soaked', () => {
    let p = open();
    const all = facts({ [S]: 'applied', [C]: 'applied', [P]: 'applied' });
    for (const t of [0, 3000, 3000, 6000, 6000, 9000]) p = advancePromotion(p, all, t).promotion;
    assert.equal(p.state, 'done');
    assert.equal(states(p), 'passed passed passed');
  });

  it('halts on an incident opened on a wave stack while it soaked, naming the commit and the incident', () => {
    let p = open();
    p = advancePromotion(p, facts({ [S]: 'applied' }), 0).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied' }), SOAK).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied', [C]: 'applied' }), SOAK + 100).promotion;
    const step = advancePromotion(p, facts({ [S]: 'applied', [C]: 'applied' }, [{ id: `${C}@20261201T2300Z`, stacks: [C] }]), SOAK + 900);
    assert.equal(step.promotion.state, 'halted');
    assert.equal(step.promotion.halt?.incidentId, `${C}@20261201T2300Z`);
    assert.match(step.promotion.halt!.reason, /^c0ffee0 made wave canary unhealthy: incident .* on infra\/web\/prod-canary opened after it applied the change$/);
    assert.deepEqual(promotionGate(step.promotion, 2), { go: false, why: `promotion of c0ffee0 halted: ${step.promotion.halt!.reason}; an operator may resume it` });
  });

  it("does not blame the change for an incident already open when the wave's turn came", () => {
    const old = [{ id: 'old', stacks: [S] }];
    let p = open();
    p = advancePromotion(p, facts({ [S]: 'applied' }, old), 0).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied' }, old), SOAK).promotion;
    assert.equal(p.waves[0]!.state, 'passed');
  });

  it('blames the change for an incident that opened while the wave was still applying', () => {
    let p = open([S, C]);
    p = advancePromotion(p, facts({ [S]: 'pending' }), 0).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied' }, [{ id: 'early', stacks: [S] }]), 1).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied' }, [{ id: 'early', stacks: [S] }]), 2).promotion;
    assert.equal(p.state, 'halted');
    assert.equal(p.halt?.incidentId, 'early');
  });

  it('does not blame the change for an incident on a stack it did not apply', () => {
    let p = open();
    p = advancePromotion(p, facts({ [S]: 'applied' }), 0).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied' }, [{ id: 'elsewhere', stacks: ['infra/web/dev'] }]), SOAK).promotion;
    assert.equal(p.waves[0]!.state, 'passed');
  });

  describe('a soak shorter than a metric period: health is judged on what the detector read (regression: canary-passed-before-its-minute-was-read)', () => {
    const MIN = 60_000;
    /** The staging wave soaking since 0; its signals read up to `until`, now `now`. */
    const soakedAt = (until: number, now: number, openIncidents: PromotionFacts['openIncidents'] = []) => {
      const p = advancePromotion(open(), facts({ [S]: 'applied' }), 0).promotion;
      return advancePromotion(p, { ...facts({ [S]: 'applied' }, openIncidents), observed: { [S]: { until, periodMs: MIN } } }, now);
    };
    const cases: { name: string; until: number; now: number; want: string; note: RegExp }[] = [
      { name: "waits while the soak's last minute is not read", until: 0, now: SOAK, want: 'soaking', note: /^soaked 3 s; waiting for the signals of infra\/web\/staging to be read up to the soak's end$/ },
      { name: 'passes once it is read', until: MIN, now: MIN + 500, want: 'passed', note: /^healthy for 3 s after the apply$/ },
      { name: 'passes after five periods without them, saying so', until: 0, now: SOAK + 5 * MIN, want: 'passed', note: /\(the signals of infra\/web\/staging were not read that far\)$/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const w = soakedAt(c.until, c.now).promotion.waves[0]!;
        assert.equal(w.state, c.want);
        assert.match(w.note ?? '', c.note);
      });
    }
    it('halts on an incident the late minute opened, while it waited for it', () => {
      let p = soakedAt(0, SOAK).promotion;
      p = advancePromotion(p, { ...facts({ [S]: 'applied' }, [{ id: `${S}@x`, stacks: [S] }]), observed: { [S]: { until: MIN, periodMs: MIN } } }, MIN + 500).promotion;
      assert.equal(p.state, 'halted');
      assert.equal(p.halt?.incidentId, `${S}@x`);
    });
    it('does not wait for a stack whose signals are not watched', () => {
      assert.equal(advancePromotion(advancePromotion(open(), facts({ [S]: 'applied' }), 0).promotion, { ...facts({ [S]: 'applied' }), observed: {} }, SOAK).promotion.waves[0]!.state, 'passed');
    });
  });

  it("records how each stack of the wave stood at its last look, and none for a wave whose turn has not come", () => {
    const p = openPromotion({ repo: 'infra', commit: COMMIT, waves: [{ name: 'staging', stacks: ['staging', 'staging-eu'] }, WAVES[2]!], soakMs: SOAK, stackKeys: [S, 'infra/web/staging-eu', P], now: 0 });
    assert.ok(p);
    const applying = advancePromotion(p, facts({ [S]: 'applied' }), 1).promotion;
    assert.deepEqual(applying.waves[0]!.applies, { [S]: 'applied', 'infra/web/staging-eu': 'pending' });
    assert.equal(applying.waves[1]!.applies, undefined);
    const soaking = advancePromotion(applying, facts({ [S]: 'applied', 'infra/web/staging-eu': 'superseded' }), 2).promotion;
    assert.deepEqual(soaking.waves[0]!.applies, { [S]: 'applied', 'infra/web/staging-eu': 'superseded' });
    const halted = advancePromotion(open(), facts({ [S]: 'failed' }), 5).promotion;
    assert.deepEqual(halted.waves[0]!.applies, { [S]: 'failed' });
  });

  it('halts when a wave fails to apply the change', () => {
    const step = advancePromotion(open(), facts({ [S]: 'failed' }), 5);
    assert.equal(step.promotion.state, 'halted');
    assert.equal(step.promotion.halt?.reason, 'c0ffee0 failed to apply on infra/web/staging in wave staging');
  });
});

describe('promotion waves: an operator pauses and resumes', () => {
  it('pauses a running promotion, holding later waves, and resumes it', () => {
    let p = advancePromotion(open(), facts({ [S]: 'applied' }), 0).promotion;
    const paused = pausePromotion(p, 'olga', 10);
    assert.ok(paused.ok);
    p = paused.promotion;
    // A paused promotion does not move, even after the window.
    assert.equal(advancePromotion(p, facts({ [S]: 'applied' }), SOAK * 10).promotion.waves[0]!.state, 'soaking');
    assert.deepEqual(promotionGate(p, 1), { go: false, why: 'promotion of c0ffee0 paused by olga' });
    assert.deepEqual(pausePromotion(p, 'olga', 11), { ok: false, why: 'the promotion of c0ffee0 is paused, not running' });
    const resumed = resumePromotion(p, 'olga', 20);
    assert.ok(resumed.ok);
    assert.equal(resumed.promotion.state, 'running');
    assert.equal(resumed.promotion.paused, undefined);
    assert.equal(advancePromotion(resumed.promotion, facts({ [S]: 'applied' }), SOAK).promotion.waves[0]!.state, 'passed');
  });

  it("lets a halted wave pass on an operator's resume, keeping the halt on record", () => {
    let p = open();
    p = advancePromotion(p, facts({ [S]: 'applied' }), 0).promotion;
    p = advancePromotion(p, facts({ [S]: 'applied' }, [{ id: 'i1', stacks: [S] }]), 1).promotion;
    assert.equal(p.state, 'halted');
    const r = resumePromotion(p, 'olga', 2);
    assert.ok(r.ok);
    assert.equal(states(r.promotion), 'passed waiting waiting');
    assert.deepEqual(promotionGate(r.promotion, 1), { go: true });
    assert.equal(r.promotion.halt?.incidentId, 'i1');
    assert.match(r.promotion.resumes[0]!.note, /^resumed after a halt: c0ffee0 made wave staging unhealthy/);
  });

  it('refuses to resume what is running or done', () => {
    assert.deepEqual(resumePromotion(open(), 'olga', 1), { ok: false, why: 'the promotion of c0ffee0 is running: nothing to resume' });
  });
});
