import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAlarmEvaluator, type AlarmTransition } from '../../../sandbox/alarm-rules.ts';
import { createFleetModel, type ServiceShape } from '../../../sandbox/fleet-model.ts';
import { startScenarioPlayer } from '../../../sandbox/scenario-player.ts';
import type { MinuteRecord } from '../../../sandbox/observations.ts';
import { scenario, type ServiceSample } from '../../../sandbox/scenarios.ts';
import { createSimClock } from '../../../sandbox/sim-clock.ts';

/** A clock whose simulated minute lasts 10 real ms. */
const fastClock = () => createSimClock({ now: Date.now, speed: 6000 });

describe('sandbox: scenario player', () => {
  it('plays minute after minute, reading the fleet as it is at each', async () => {
    const fleet: ServiceShape[] = [{ name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0' }];
    const published: ServiceSample[][] = [];
    const records: MinuteRecord[] = [];
    const player = startScenarioPlayer({
      clock: fastClock(),
      model: createFleetModel({ seed: 1 }),
      scenario: scenario('traffic-spike', { onsetMinute: 3 }),
      services: () => fleet,
      publish: async (s) => void published.push([...s]),
      onMinute: (r) => {
        records.push(r);
        // The engine scales out at minute 6.
        if (r.minute === 6) fleet[0] = { ...fleet[0]!, capacity: 6 };
      },
    });
    while (records.length < 10) await sleep(5);
    await player.stop();
    assert.deepEqual(records.slice(0, 10).map((r) => r.minute), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'no minute skipped');
    const cpu = published.map((s) => s[0]!.cpu);
    assert.ok(cpu[2]! < 60 && cpu[4]! > 95, `the spike from minute 3 saturates 2 instances: ${cpu.join(', ')}`);
    assert.ok(cpu[8]! < 60, `the scale-out shows from the next minute: ${cpu.join(', ')}`);
    assert.equal(records[8]!.services[0]!.capacity, 6);
    assert.equal(records[3]!.services[0]!.capacity, 2, 'each record keeps the fleet as it was');
  });

  it('releases at the release minute, beside the clock, and tells of alarms and failures', async () => {
    const releases: [string, number][] = [];
    const transitions: AlarmTransition[] = [];
    const errors: string[] = [];
    let minute = -1;
    const player = startScenarioPlayer({
      clock: fastClock(),
      model: createFleetModel({ seed: 1 }),
      scenario: scenario('bad-release', { onsetMinute: 2 }),
      services: () => [{ name: 'checkout', capacity: 1, instanceSize: 'small', version: 'v1.0.0' }],
      publish: async (s) => {
        if (s[0]!.minute === 1) throw new Error('moto is down');
      },
      alarms: { evaluator: createAlarmEvaluator(), apply: async (t) => void transitions.push(...t) },
      release: async (version, m) => {
        await sleep(30);
        releases.push([version, m]);
      },
      onError: (what, err) => errors.push(`${what}: ${err.message}`),
      onMinute: (r) => void (minute = r.minute),
    });
    while (minute < 6) await sleep(5);
    await player.stop();
    assert.deepEqual(releases, [['v1.1.0', 2]]);
    assert.deepEqual(errors, ['publishing minute 1: moto is down']);
    // One small instance at about 100 requests a minute runs hot: the CPU alarm fires after 3 minutes.
    assert.deepEqual(transitions.map((t) => [t.alarmName, t.state, t.minute]), [['checkout-high-cpu', 'ALARM', 2]]);
  });

  it('makes the console change once, at its minute, beside the clock; its failure is told, the clock goes on', async () => {
    const fleet: ServiceShape[] = [{ name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0' }];
    const tampers: [number, number][] = [];
    const errors: string[] = [];
    const records: MinuteRecord[] = [];
    const player = startScenarioPlayer({
      clock: fastClock(),
      model: createFleetModel({ seed: 1 }),
      scenario: scenario('manual-change', { onsetMinute: 2 }),
      services: () => fleet,
      publish: async () => {},
      tamper: async (patch, m) => {
        await sleep(30);
        fleet[0] = { ...fleet[0]!, capacity: patch.capacity };
        tampers.push([patch.capacity, m]);
        throw new Error('PutEvents refused 1 entry');
      },
      onError: (what, err) => errors.push(`${what}: ${err.message}`),
      onMinute: (r) => void records.push(r),
    });
    while (records.length < 8) await sleep(5);
    await player.stop();
    assert.deepEqual(tampers, [[1, 2]]);
    assert.deepEqual(errors, ['making the console change: PutEvents refused 1 entry']);
    assert.equal(records[2]!.services[0]!.capacity, 2, 'the minute of the change was read before it');
    assert.equal(records.at(-1)!.services[0]!.capacity, 1);
  });
});
