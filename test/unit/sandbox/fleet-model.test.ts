import assert from 'node:assert/strict';
import {
  cpuFraction, createFleetModel, DEFAULT_TRAFFIC, instanceThroughputRpm, serviceThroughputRpm, type FleetSample, type ServiceShape,
} from '../../../sandbox/fleet-model.ts';
import { BAD_VERSION_EFFECT } from '../../../sandbox/scenarios.ts';

const svc: ServiceShape = { name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0' };
const MINUTES = Array.from({ length: 120 }, (_, i) => i);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const run = (model: ReturnType<typeof createFleetModel>, s: ServiceShape, minutes = MINUTES) => minutes.map((m) => model.sample(s, m));
const avg = (samples: FleetSample[], k: keyof FleetSample) => mean(samples.map((x) => x[k]));

describe('sandbox: fleet model', () => {
  it('serves 100 rpm per small instance, doubling with each size', () => {
    assert.deepEqual((['small', 'medium', 'large', 'xlarge'] as const).map(instanceThroughputRpm), [100, 200, 400, 800]);
    assert.equal(serviceThroughputRpm({ capacity: 3, instanceSize: 'large' }), 1200);
    assert.throws(() => instanceThroughputRpm('huge' as never), /unknown instanceSize: huge \(valid: small, medium, large, xlarge\)/);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const a = run(createFleetModel({ seed: 7 }), svc);
    const b = run(createFleetModel({ seed: 7 }), svc);
    const c = run(createFleetModel({ seed: 8 }), svc);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    // A sample does not depend on which samples were taken before it.
    assert.deepEqual(createFleetModel({ seed: 7 }).sample(svc, 57), a[57]);
  });

  it('gives one sample per minute with values in range', () => {
    const samples = run(createFleetModel({ seed: 1 }), svc, Array.from({ length: 1440 }, (_, i) => i - 720));
    for (const s of samples) {
      assert.ok(Number.isInteger(s.requestCount) && s.requestCount >= 0, JSON.stringify(s));
      assert.ok(s.cpu >= 0 && s.cpu <= 100, JSON.stringify(s));
      assert.ok(s.errorRate >= 0 && s.errorRate <= 100, JSON.stringify(s));
      assert.ok(s.latencyP95 > 0, JSON.stringify(s));
    }
    assert.deepEqual(samples.map((s) => s.minute), Array.from({ length: 1440 }, (_, i) => i - 720));
    assert.throws(() => createFleetModel().sample(svc, 1.5), /whole number/);
  });

  it('runs the default sandbox service (2 small) at a healthy level, with a daily shape', () => {
    const model = createFleetModel({ seed: 3 });
    const day = run(model, svc, Array.from({ length: 1440 }, (_, i) => i));
    const cpu = day.map((s) => s.cpu);
    assert.ok(Math.max(...cpu) < 60 && Math.min(...cpu) > 30, `cpu ${Math.min(...cpu)}..${Math.max(...cpu)}`);
    assert.ok(Math.max(...day.map((s) => s.errorRate)) < 0.5);
    // Busiest at noon (minute 180 from 09:00), quietest at midnight (minute 900).
    const noon = model.expectedDemandRpm(svc.name, 180);
    const midnight = model.expectedDemandRpm(svc.name, 900);
    assert.ok(Math.abs(noon - DEFAULT_TRAFFIC.baseRpm * 1.15) < 1e-9 && Math.abs(midnight - DEFAULT_TRAFFIC.baseRpm * 0.85) < 1e-9);
  });

  it('scaling out lowers CPU and latency; the next sample shows it', () => {
    const model = createFleetModel({ seed: 11, traffic: { baseRpm: 170, dailyAmplitude: 0 } });
    const before = run(model, svc);
    const after = run(model, { ...svc, capacity: 4 });
    assert.ok(avg(before, 'cpu') > 80, `cpu before ${avg(before, 'cpu')}`);
    assert.ok(avg(after, 'cpu') < 50, `cpu after ${avg(after, 'cpu')}`);
    assert.ok(avg(after, 'latencyP95') < avg(before, 'latencyP95') / 2);
    // Same demand either way: only the fleet changed.
    assert.deepEqual(before.map((s) => s.requestCount), after.map((s) => s.requestCount));
    // A change takes effect on the very next minute, and every minute is better.
    for (const m of MINUTES) {
      assert.ok(after[m]!.cpu < before[m]!.cpu && after[m]!.latencyP95 < before[m]!.latencyP95, `minute ${m}`);
    }
  });

  it('a larger instance size helps like more instances', () => {
    const model = createFleetModel({ seed: 11, traffic: { baseRpm: 170, dailyAmplitude: 0 } });
    const fourSmall = run(model, { ...svc, capacity: 4 });
    const twoMedium = run(model, { ...svc, instanceSize: 'medium' });
    assert.deepEqual(fourSmall, twoMedium);
  });

  it('latency rises sharply as utilisation nears 1, up to the timeout', () => {
    const model = createFleetModel({ seed: 5, traffic: { dailyAmplitude: 0, noise: 0 }, timeoutMs: 5000 });
    const at = (rpm: number) => createFleetModel({ seed: 5, traffic: { baseRpm: rpm, dailyAmplitude: 0, noise: 0 } }).sample(svc, 0);
    const lat = [20, 100, 160, 190, 400].map((rpm) => at(rpm).latencyP95);
    for (let i = 1; i < lat.length; i++) assert.ok(lat[i]! >= lat[i - 1]!, JSON.stringify(lat));
    assert.ok(lat[3]! > 5 * lat[1]!, `u=0.95 is far slower than u=0.5: ${JSON.stringify(lat)}`);
    assert.ok(lat[4]! <= 5000);
    assert.ok(model.sample(svc, 0).latencyP95 < 200);
  });

  it('CPU saturates near 100 and overload turns into errors', () => {
    assert.equal(cpuFraction(0.5), 0.5);
    assert.ok(cpuFraction(1) < 1 && cpuFraction(1) > 0.9);
    assert.ok(cpuFraction(3) < 1 && cpuFraction(3) > 0.99);
    const over = createFleetModel({ seed: 2, traffic: { baseRpm: 400, dailyAmplitude: 0 } });
    const s = run(over, svc);
    assert.ok(avg(s, 'cpu') > 97 && Math.max(...s.map((x) => x.cpu)) <= 100);
    // Half the requests beyond a 200 rpm fleet at 400 rpm fail.
    assert.ok(Math.abs(avg(s, 'errorRate') - 52) < 5, `errors ${avg(s, 'errorRate')}`);
    assert.ok(s.every((x) => x.requestCount > 300), 'demand is counted, served or not');
  });

  it('a service with no instances fails every request', () => {
    const s = createFleetModel({ seed: 2 }).sample({ ...svc, capacity: 0 }, 0);
    assert.equal(s.errorRate, 100);
    assert.equal(s.cpu, 0);
    assert.equal(s.latencyP95, 5000);
  });

  it('a bad version raises errors and latency, not CPU; rolling back restores it', () => {
    const model = createFleetModel({ seed: 9, versionEffects: { 'v1.1.0': BAD_VERSION_EFFECT } });
    const good = run(model, svc);
    const bad = run(model, { ...svc, version: 'v1.1.0' });
    assert.ok(avg(good, 'errorRate') < 0.5);
    assert.ok(avg(bad, 'errorRate') > 5, `errors ${avg(bad, 'errorRate')}`);
    assert.ok(avg(bad, 'latencyP95') > 1.5 * avg(good, 'latencyP95'));
    assert.deepEqual(bad.map((s) => s.cpu), good.map((s) => s.cpu));
    // Another good version behaves like the first.
    assert.deepEqual(run(model, { ...svc, version: 'v1.0.1' }), good);
  });

  it('services differ by name, and can have their own traffic', () => {
    const model = createFleetModel({ seed: 4, trafficByService: { search: { baseRpm: 900 } } });
    const a = run(model, svc);
    const b = run(model, { ...svc, name: 'payments' });
    const c = run(model, { ...svc, name: 'search', capacity: 10 });
    assert.notDeepEqual(a.map((s) => s.requestCount), b.map((s) => s.requestCount));
    assert.ok(avg(c, 'requestCount') > 800);
    assert.equal(model.traffic('search').baseRpm, 900);
    assert.equal(model.traffic('checkout').baseRpm, DEFAULT_TRAFFIC.baseRpm);
  });

  it('rejects bad options with the option named', () => {
    assert.throws(() => createFleetModel({ traffic: { dailyAmplitude: 1 } }), /traffic\.dailyAmplitude/);
    assert.throws(() => createFleetModel({ traffic: { baseRpm: -1 } }), /traffic\.baseRpm/);
    assert.throws(() => createFleetModel({ trafficByService: { x: { noise: Number.NaN } } }), /trafficByService\.x\.noise/);
    assert.throws(() => createFleetModel({ timeoutMs: 0 }), /timeoutMs/);
  });
});
