import assert from 'node:assert/strict';
import type { HealthSignal } from '../../../stacks/contract.ts';
import { seriesId, seriesOf } from '../../../orchestrator/telemetry/series.ts';

function signal(over: Partial<HealthSignal> = {}): HealthSignal {
  return {
    id: 'cpu', namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'web' }, stat: 'Average',
    period: 60, role: 'utilisation', higherIsWorse: true, resource: 'web', ...over,
  };
}

describe('series fingerprint', () => {
  const cases: { name: string; stack: string; signal: HealthSignal; want: string }[] = [
    { name: 'readable for ordinary names', stack: 'infra/./web', signal: signal(), want: 'infra/./web|AWS/EC2|CPUUtilization|AutoScalingGroupName=web|Average' },
    { name: 'dimensions sorted by name', stack: 's', signal: signal({ dimensions: { b: '2', a: '1', C: '3' } }), want: 's|AWS/EC2|CPUUtilization|C=3,a=1,b=2|Average' },
    { name: 'no dimensions', stack: 's', signal: signal({ dimensions: {} }), want: 's|AWS/EC2|CPUUtilization||Average' },
    { name: 'separators escaped', stack: 's', signal: signal({ metricName: 'a|b', dimensions: { 'k=1': 'x,y', p: '50%' } }), want: 's|AWS/EC2|a%7Cb|k%3D1=x%2Cy,p=50%25|Average' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(seriesId(c.stack, c.signal), c.want));

  it('ignores the order in which a contract lists dimensions, and the period and id', () => {
    const a = seriesId('s', signal({ dimensions: { x: '1', y: '2' } }));
    const b = seriesId('s', signal({ id: 'other', period: 300, dimensions: { y: '2', x: '1' } }));
    assert.equal(a, b);
  });

  it('differs by stack, stat and dimension value', () => {
    const base = seriesId('s', signal());
    assert.notEqual(seriesId('t', signal()), base);
    assert.notEqual(seriesId('s', signal({ stat: 'p99' })), base);
    assert.notEqual(seriesId('s', signal({ dimensions: { AutoScalingGroupName: 'web2' } })), base);
  });

  it('rejects two signals of one stack that measure the same series, naming both', () => {
    assert.throws(
      () => seriesOf([{ stackKey: 's', alarms: [], healthSignals: [signal(), signal({ id: 'cpu2' })] }]),
      /s: healthSignals\[1\] \(cpu2\) measures the same series as s: healthSignals\[0\] \(cpu\)/,
    );
  });
});
