import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFleetModel, NO_EFFECT, type FleetSample, type ServiceShape } from '../../../sandbox/fleet-model.ts';
import {
  BAD_RELEASE_VERSION, blipMinutesOf, FALSE_ALARM_MINUTES, fleetSamplesAt, historySamples, listScenarios, parseScenarioName, parseSeed, scenario, SCENARIO_NAMES,
} from '../../../sandbox/scenarios.ts';

const checkout: ServiceShape = { name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0' };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('sandbox: scenarios', () => {
  it('validates names, listing the valid ones', () => {
    for (const n of SCENARIO_NAMES) assert.equal(parseScenarioName(n), n);
    assert.throws(() => scenario('traffic-surge'), {
      message: 'unknown scenario "traffic-surge": valid scenarios are traffic-spike, bad-release, slow-saturation, disk-fill, false-alarm, manual-change, dependency-slowdown',
    });
    assert.deepEqual(listScenarios().map((s) => s.name), [...SCENARIO_NAMES]);
  });

  it('validates overrides, naming the field', () => {
    assert.throws(() => scenario('traffic-spike', { onsetMinute: -1 }), /invalid overrides for scenario traffic-spike: onsetMinute/);
    assert.throws(() => scenario('traffic-spike', { demandMultiplier: 0 }), /demandMultiplier/);
    assert.throws(() => scenario('traffic-spike', { bogus: 1 } as never), /invalid overrides for scenario traffic-spike/);
    assert.throws(() => scenario('traffic-spike', { badVersion: 'v9' }), /badVersion: only bad-release/);
    assert.throws(() => scenario('false-alarm', { durationMinutes: 7 }), /false-alarm: durationMinutes: a false alarm lasts 1 to 6 minutes, got 7/);
    assert.throws(() => scenario('false-alarm', { durationMinutes: null }), /false-alarm: durationMinutes/);
    const s = scenario('traffic-spike', { onsetMinute: 3, durationMinutes: 4, demandMultiplier: 3 });
    assert.deepEqual([s.onsetMinute, s.durationMinutes, s.peak.demandMultiplier], [3, 4, 3]);
  });

  it('disk-fill: writes data at a steady rate from onset, keeps it, and fills the default volume 140 minutes in', () => {
    const s = scenario('disk-fill', { onsetMinute: 10 });
    assert.equal(s.expectedRemedy, 'storage');
    assert.equal(s.effectAt(9), NO_EFFECT);
    assert.equal(s.effectAt(10).diskGiBAdded, 0.1);
    assert.ok(Math.abs(s.effectAt(49).diskGiBAdded! - 4) < 1e-9);
    assert.ok(Math.abs(s.effectAt(400).diskGiBAdded! - 15) < 1e-9, 'after 150 minutes of writing, the data stays');
    const model = createFleetModel({ seed: 1 });
    const disk = (m: number, shape: ServiceShape = checkout) => model.sample(shape, m, s).diskUsedPercent;
    const before = range(0, 10).map((m) => disk(m));
    assert.ok(before.every((d) => Math.abs(d - 30) < 1.6), `30 % used before, jittering: ${before.join(', ')}`);
    // 0.5 % a minute on 20 GiB: steady under the jitter, so the forecast can see it coming.
    assert.ok(Math.abs((disk(90) - disk(20)) / 70 - 0.5) < 0.05, `${disk(20)} -> ${disk(90)}`);
    assert.equal(disk(160), 100, 'full without a remedy');
    assert.ok(model.sample(checkout, 160, s).errorRate > 20, 'writes fail on a full volume');
    assert.ok(model.sample(checkout, 100, s).errorRate < 1, 'no errors below 95 %');
    const bigger = { ...checkout, volumeGiB: 40 };
    assert.ok(disk(300, bigger) < 60 && model.sample(bigger, 300, s).errorRate < 1, 'a volume twice the size holds it');
    assert.throws(() => scenario('traffic-spike', { diskFillGiBPerMinute: 1 }), /diskFillGiBPerMinute: only disk-fill writes data/);
  });

  it('has an onset, a duration and an effect over time', () => {
    const s = scenario('traffic-spike');
    assert.equal(s.effectAt(s.onsetMinute - 1), NO_EFFECT);
    assert.equal(s.effectAt(s.onsetMinute).demandMultiplier, 2.5);
    assert.equal(s.effectAt(s.onsetMinute + s.durationMinutes! - 1).demandMultiplier, 2.5);
    assert.equal(s.effectAt(s.onsetMinute + s.durationMinutes!), NO_EFFECT);
    assert.equal(s.expectedRemedy, 'capacity');
    assert.equal(s.release, null);
    assert.deepEqual(s.badVersions, []);
  });

  it('traffic-spike drives CPU near its limit at capacity 2, but not at capacity 5', () => {
    const model = createFleetModel({ seed: 21 });
    const s = scenario('traffic-spike');
    const during = range(s.onsetMinute, s.onsetMinute + s.durationMinutes!);
    const at = (capacity: number) => during.map((m) => model.sample({ ...checkout, capacity }, m, s));
    for (const x of at(2)) assert.ok(x.cpu >= 90, `capacity 2, minute ${x.minute}: cpu ${x.cpu}`);
    for (const x of at(5)) assert.ok(x.cpu <= 60, `capacity 5, minute ${x.minute}: cpu ${x.cpu}`);
    // Before and after, capacity 2 is fine.
    for (const m of [...range(0, s.onsetMinute), ...range(s.onsetMinute + s.durationMinutes!, 60)]) {
      assert.ok(model.sample(checkout, m, s).cpu < 65, `minute ${m}`);
    }
  });

  it('bad-release releases a version flagged bad, whose errors and latency stay until it is reverted', () => {
    const s = scenario('bad-release');
    assert.deepEqual(s.badVersions, [BAD_RELEASE_VERSION]);
    assert.deepEqual(s.release, { atMinute: s.onsetMinute, version: 'v1.1.0' });
    assert.equal(s.durationMinutes, null);
    assert.equal(s.expectedRemedy, 'version');
    const model = createFleetModel({ seed: 22 });
    const good = range(0, 60).map((m) => model.sample(checkout, m, s));
    const bad = range(0, 60).map((m) => model.sample({ ...checkout, version: s.release!.version }, m, s));
    for (let m = 0; m < 60; m++) {
      assert.ok(bad[m]!.errorRate > good[m]!.errorRate + 5, `minute ${m}`);
      assert.ok(bad[m]!.latencyP95 > good[m]!.latencyP95 * 1.5, `minute ${m}`);
    }
    assert.ok(good.every((x) => x.errorRate < 0.5), 'the good version is unaffected');
    assert.deepEqual(scenario('bad-release', { badVersion: 'v2.0.0-rc1' }).badVersions, ['v2.0.0-rc1']);
  });

  it('slow-saturation crosses 80 % CPU after onset, and nears the limit', () => {
    const model = createFleetModel({ seed: 23 });
    const s = scenario('slow-saturation');
    const cpu = range(0, 90).map((m) => model.sample(checkout, m, s).cpu);
    assert.ok(cpu.slice(0, s.onsetMinute).every((c) => c < 65), 'healthy before onset');
    const crossed = cpu.findIndex((c) => c > 80);
    assert.ok(crossed > s.onsetMinute + 5 && crossed < s.onsetMinute + s.rampMinutes, `crossed 80 % at minute ${crossed}`);
    assert.ok(Math.max(...cpu.slice(s.onsetMinute + s.rampMinutes)) > 95, 'nears the limit once grown');
    // Steady growth: the demand multiplier never falls during the ramp.
    const mult = range(s.onsetMinute, s.onsetMinute + s.rampMinutes + 10).map((m) => s.effectAt(m).demandMultiplier);
    for (let i = 1; i < mult.length; i++) assert.ok(mult[i]! >= mult[i - 1]!);
    assert.equal(mult.at(-1), 2.4);
    // A scale-out to 5 brings it back.
    assert.ok(model.sample({ ...checkout, capacity: 5 }, 80, s).cpu < 60);
  });

  it('false-alarm is one blip of 1 to 6 minutes; its length is a seeded draw', () => {
    const lengths = Array.from({ length: 200 }, (_, seed) => blipMinutesOf(seed));
    for (let m = FALSE_ALARM_MINUTES.min; m <= FALSE_ALARM_MINUTES.max; m++) {
      const share = lengths.filter((x) => x === m).length / lengths.length;
      assert.ok(share > 0.08 && share < 0.26, `${m} minutes in ${(share * 100).toFixed(0)} % of 200 seeds`);
    }
    assert.deepEqual([2, 3, 8, 14, 1, 7].map(blipMinutesOf), [1, 2, 3, 4, 5, 6], 'the seeds the scenario suite plays');
    assert.equal(blipMinutesOf(7), blipMinutesOf(7), 'the same seed, the same blip');
    const six = scenario('false-alarm', { durationMinutes: 6 });
    assert.equal(range(0, 120).filter((m) => six.effectAt(m) !== NO_EFFECT).length, 6);
    assert.match(six.description, /one blip of 6 minutes/);
  });

  it('validates a seed: a whole number from 0', () => {
    assert.equal(parseSeed('42'), 42);
    assert.equal(parseSeed(0), 0);
    for (const bad of ['-1', '1.5', 'x', '', '99999999999', -3, 2.5]) assert.throws(() => parseSeed(bad), /invalid seed .*: a whole number from 0 to 2147483647/);
  });

  it('false-alarm is one blip of 2 minutes by default', () => {
    const model = createFleetModel({ seed: 24 });
    const s = scenario('false-alarm');
    const minutes = range(0, 120);
    const plain = minutes.map((m) => model.sample(checkout, m));
    const blip = minutes.map((m) => model.sample(checkout, m, s));
    const differ = minutes.filter((m) => JSON.stringify(plain[m]) !== JSON.stringify(blip[m]));
    assert.ok(differ.length >= 1 && differ.length <= 2, `differs at ${JSON.stringify(differ)}`);
    assert.deepEqual(differ, range(differ[0]!, differ[0]! + differ.length), 'one contiguous blip');
    assert.equal(differ[0], s.onsetMinute);
    const peak: FleetSample = blip[s.onsetMinute]!;
    assert.ok(peak.latencyP95 > 2 * plain[s.onsetMinute]!.latencyP95 && peak.errorRate > 1, JSON.stringify(peak));
    assert.equal(s.expectedRemedy, 'none');
    const one = scenario('false-alarm', { durationMinutes: 1 });
    assert.equal(minutes.filter((m) => one.effectAt(m) !== NO_EFFECT).length, 1);
  });

  it('manual-change: a console shrink at onset under normal demand; only it takes tamperCapacity', () => {
    const sc = scenario('manual-change');
    assert.deepEqual(sc.tamper, { atMinute: sc.onsetMinute, patch: { capacity: 1 } });
    assert.equal(sc.expectedRemedy, 'reconcile');
    assert.equal(sc.release, null);
    for (const m of [0, sc.onsetMinute, sc.onsetMinute + 500]) assert.deepEqual(sc.effectAt(m), NO_EFFECT, 'demand stays normal: the smaller fleet is the fault');
    assert.equal(scenario('manual-change', { tamperCapacity: 0 }).tamper?.patch.capacity, 0);
    assert.equal(scenario('traffic-spike').tamper, null);
    assert.throws(() => scenario('traffic-spike', { tamperCapacity: 1 }), /tamperCapacity: only manual-change changes the fleet in the console/);
    assert.throws(() => scenario('manual-change', { tamperCapacity: -1 }), /invalid overrides for scenario manual-change: tamperCapacity/);
  });

  it('computes a fleet minute and healthy history', () => {
    const model = createFleetModel({ seed: 25 });
    const fleet = [checkout, { ...checkout, name: 'search', capacity: 4 }];
    const s = scenario('traffic-spike', { onsetMinute: 0 });
    const now = fleetSamplesAt(model, fleet, 3, s);
    assert.deepEqual(now.map((x) => x.serviceName), ['checkout', 'search']);
    assert.deepEqual(now[0], { serviceName: 'checkout', ...model.sample(checkout, 3, s) });
    const history = historySamples(model, fleet, 30);
    assert.equal(history.length, 60);
    assert.deepEqual([history[0]!.minute, history.at(-1)!.minute], [-30, -1]);
    assert.ok(history.every((x) => x.cpu < 65), 'history is healthy');
    assert.deepEqual(historySamples(model, fleet, 0), []);
    assert.throws(() => historySamples(model, fleet, -1), /history length/);
  });

  it('the pure sandbox files do no I/O', () => {
    const dir = join(import.meta.dirname, '../../../sandbox');
    for (const file of ['fleet-model.ts', 'scenarios.ts', 'sim-clock.ts']) {
      const src = readFileSync(join(dir, file), 'utf8');
      const imports = [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
      for (const spec of imports) {
        assert.ok(spec.startsWith('./') || spec === 'zod' || spec === '../stacks/sandbox/instance-sizes.ts', `${file} imports ${spec}`);
        assert.ok(!['./fleet-simulator.ts', './metrics-publisher.ts', './run-sandbox.ts', './local-repo.ts'].includes(spec), `${file} imports ${spec}`);
      }
      assert.doesNotMatch(src, /Date\.now\(|Math\.random\(|new Date\(/, `${file} reads no clock and no randomness of its own`);
    }
  });
});
