import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { testServices } from '../../support/services.ts';

function redisCommand(url: string, command: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(`${command}\r\n`));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe('local services started for the suite', () => {
  it('runs redis-server on a free loopback port, not the default one', async () => {
    const { redisUrl } = testServices();
    assert.match(redisUrl, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(redisUrl).port, '6379');
    assert.equal(await redisCommand(redisUrl, 'PING'), '+PONG');
  });

  it('runs a moto server that answers the CloudWatch API', async () => {
    const { motoUrl } = testServices();
    const { CloudWatchClient, ListMetricsCommand } = await import('@aws-sdk/client-cloudwatch');
    const cw = new CloudWatchClient({
      endpoint: motoUrl,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const res = await cw.send(new ListMetricsCommand({ Namespace: 'Homeostat/NoSuchNamespace' }));
    assert.deepEqual(res.Metrics ?? [], []);
  });
});
