import assert from 'node:assert/strict';
import { alarmName, createAlarmEvaluator, SANDBOX_ALARM_RULES } from '../../../sandbox/alarm-rules.ts';
import type { ServiceSample } from '../../../sandbox/scenarios.ts';

const sample = (minute: number, cpu: number, errorRate = 0.1): ServiceSample => ({ serviceName: 'checkout', minute, requestCount: 100, cpu, latencyP95: 150, errorRate, diskUsedPercent: 30 });

describe('sandbox: alarm rules', () => {
  it('names the alarms as the sandbox stack contract lists them', () => {
    assert.deepEqual(SANDBOX_ALARM_RULES.map((r) => alarmName('checkout', r)), ['checkout-high-cpu', 'checkout-high-errors', 'checkout-disk-full']);
  });

  it('goes to ALARM after three breaching minutes in a row, and back to OK at the first that does not breach', () => {
    const ev = createAlarmEvaluator();
    const cpu = [50, 85, 90, 70, 81, 82, 83, 84, 60];
    const out = cpu.map((c, m) => ev.observe([sample(m, c)]).map((t) => `${t.minute}:${t.alarmName}:${t.state}`));
    assert.deepEqual(out.flat(), ['6:checkout-high-cpu:ALARM', '8:checkout-high-cpu:OK']);
    assert.deepEqual(ev.inAlarm(), []);
  });

  it('keeps services and rules apart', () => {
    const ev = createAlarmEvaluator();
    for (let m = 0; m < 3; m++) ev.observe([sample(m, 95, 9), { ...sample(m, 10), serviceName: 'search' }]);
    assert.deepEqual(ev.inAlarm().sort(), ['checkout-high-cpu', 'checkout-high-errors']);
  });

  it('a volume 90 % full for three minutes raises the disk alarm', () => {
    const ev = createAlarmEvaluator();
    const disk = [85, 90, 91, 92, 89];
    const out = disk.flatMap((d, m) => ev.observe([{ ...sample(m, 40), diskUsedPercent: d }]).map((t) => `${t.minute}:${t.alarmName}:${t.state}`));
    assert.deepEqual(out, ['3:checkout-disk-full:ALARM', '4:checkout-disk-full:OK']);
  });

  it('a two-minute blip raises no alarm', () => {
    const ev = createAlarmEvaluator();
    const t = [40, 95, 95, 40, 40].flatMap((c, m) => ev.observe([sample(m, c, c > 50 ? 9 : 0.1)]));
    assert.deepEqual(t, []);
  });

  it('refuses a rule that would never fire', () => {
    assert.throws(() => createAlarmEvaluator([{ suffix: 'x', field: 'cpu', metricName: 'CPUUtilization', threshold: 1, minutes: 0 }]), /minutes/);
  });
});
