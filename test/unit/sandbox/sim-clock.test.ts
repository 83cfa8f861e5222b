import assert from 'node:assert/strict';
import {
  createSimClock, DEFAULT_SPEED, MINUTE_MS, minuteOfTimestamp, publishableMinutes, realMsPerSimMinute, realToSimMs,
  simTimeline, simToRealMs, speedFromMinutesPerSecond, timestampOfMinute,
  clockOfTimeline, liveTimeline, parseMinuteLength, speedForMinuteLength,
} from '../../../sandbox/sim-clock.ts';

describe('sandbox: sim clock', () => {
  it('runs one simulated minute per real second by default', () => {
    assert.equal(DEFAULT_SPEED, 60);
    assert.equal(realMsPerSimMinute(), 1000);
    assert.equal(simToRealMs(MINUTE_MS), 1000);
    assert.equal(realToSimMs(1000), MINUTE_MS);
    assert.equal(realToSimMs(simToRealMs(123_456)), 123_456);
  });

  it('converts at a configured speed', () => {
    const speed = speedFromMinutesPerSecond(5);
    assert.equal(speed, 300);
    assert.equal(realMsPerSimMinute(speed), 200);
    assert.equal(simToRealMs(10 * MINUTE_MS, speed), 2000);
    assert.equal(realToSimMs(2000, speed), 10 * MINUTE_MS);
    assert.equal(realMsPerSimMinute(1), MINUTE_MS, 'speed 1 is real time');
  });

  it('rejects a speed that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => simToRealMs(1, bad), /invalid sim clock speed/);
      assert.throws(() => createSimClock({ now: () => 0, speed: bad }), /invalid sim clock speed/);
    }
  });

  it('tells the simulated minute from an injected wall clock', () => {
    let now = 1_700_000_000_000;
    const clock = createSimClock({ now: () => now });
    assert.equal(clock.startRealMs, now);
    assert.equal(clock.minute(), 0);
    now += 999;
    assert.equal(clock.minute(), 0);
    now += 1;
    assert.equal(clock.minute(), 1);
    assert.equal(clock.elapsedSimMs(), MINUTE_MS);
    now += 41_500;
    assert.equal(clock.minute(), 42);
    assert.equal(clock.realMsAtMinute(43), clock.startRealMs + 43_000);
    assert.equal(clock.realDelayUntilMinute(43), 500);
    assert.equal(clock.realDelayUntilMinute(10), 0, 'a minute already begun is due now');
    assert.equal(clock.simMsAt(clock.startRealMs + 2500), 2.5 * MINUTE_MS);
  });

  it('takes a start time and a speed', () => {
    const now = 10_000;
    const clock = createSimClock({ now: () => now, startRealMs: 8_000, speed: speedFromMinutesPerSecond(2) });
    assert.equal(clock.minute(), 4);
    assert.equal(createSimClock({ now: () => 7_999, startRealMs: 8_000 }).minute(), -1, 'before the start the minute is negative');
  });

  it('maps simulated minutes onto CloudWatch time, a 60 s period apart', () => {
    const t0 = Date.UTC(2025, 0, 1, 12, 0, 30); // not on a whole minute
    const tl = simTimeline(t0, 360);
    assert.equal(tl.originMs, Date.UTC(2025, 0, 1, 6, 0, 0));
    assert.equal(timestampOfMinute(tl, 0), tl.originMs);
    assert.equal(timestampOfMinute(tl, 1) - timestampOfMinute(tl, 0), 60_000);
    assert.equal(timestampOfMinute(tl, -30), tl.originMs - 30 * MINUTE_MS, 'backfill sits before minute 0');
    assert.equal(timestampOfMinute(tl, 360), Date.UTC(2025, 0, 1, 12, 0, 0), 'minute H lands on T0');
    for (const m of [-240, -1, 0, 7, 365]) assert.equal(minuteOfTimestamp(tl, timestampOfMinute(tl, m) + 59_999), m);
    assert.throws(() => simTimeline(t0, -1), /headroomMinutes/);
    assert.throws(() => simTimeline(t0, 1.5), /headroomMinutes/);
  });

  it('says how long a run stays in the past', () => {
    // m·60 s − m·1 s ≤ 360 min at 60×: m ≤ 366.1
    assert.equal(publishableMinutes(360), 366);
    assert.equal(publishableMinutes(0), 0);
    assert.equal(publishableMinutes(10, 1), Number.POSITIVE_INFINITY, 'real time never overtakes the wall clock');
    // the last publishable minute is published no later than its own timestamp
    const t0 = Date.UTC(2025, 0, 1, 12);
    const tl = simTimeline(t0, 360);
    const m = publishableMinutes(360);
    const clock = createSimClock({ now: () => t0, startRealMs: t0 });
    assert.ok(timestampOfMinute(tl, m) <= clock.realMsAtMinute(m));
    assert.ok(timestampOfMinute(tl, m + 1) > clock.realMsAtMinute(m + 1));
  });

  it('live timeline: each simulated minute is one period of its real length, stamped when it starts', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 30, 400);
    const tl = liveTimeline(now, 1);
    assert.deepEqual(tl, { originMs: Date.UTC(2025, 0, 1, 12, 0, 30), periodMs: 1000 });
    assert.equal(timestampOfMinute(tl, 35), tl.originMs + 35_000);
    assert.equal(timestampOfMinute(tl, -240), tl.originMs - 240_000, 'backfill lies just before the start');
    assert.equal(minuteOfTimestamp(tl, tl.originMs + 35_999), 35);
    const clock = clockOfTimeline(tl, () => now + 10_000);
    assert.equal(clock.speed, 60);
    assert.equal(clock.minute(), 10);
    assert.equal(clock.realMsAtMinute(35), timestampOfMinute(tl, 35), 'signal time is wall time');
    const slow = liveTimeline(now, 5);
    assert.equal(slow.originMs, Date.UTC(2025, 0, 1, 12, 0, 30));
    assert.equal(clockOfTimeline(slow, () => now).speed, 12);
  });

  it('accepts the minute lengths CloudWatch has periods for, and names them otherwise', () => {
    assert.equal(parseMinuteLength('1'), 1);
    assert.equal(parseMinuteLength(30), 30);
    assert.equal(speedForMinuteLength(1), 60);
    for (const bad of ['2', 0, '', 'abc', 120]) assert.throws(() => parseMinuteLength(bad), /one of 1, 5, 10, 30, 60/);
    assert.throws(() => liveTimeline(0, 2), /one of 1, 5, 10, 30, 60/);
  });
});
