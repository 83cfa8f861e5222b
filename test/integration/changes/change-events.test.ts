import assert from 'node:assert/strict';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createChangeEventQueue, type SkippedMessage } from '../../../orchestrator/changes/change-event-queue.ts';
import { createRedisChangeStore } from '../../../orchestrator/changes/change-store.ts';
import { initialTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import { diagnose } from '../../../orchestrator/diagnose/diagnose.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { consoleCallEntry, createChangeRoute, SANDBOX_CONSOLE_USER, tamperEntry, type ChangeRoute } from '../../../sandbox/change-events.ts';
import { a, topology } from '../../unit/correlate/fixtures.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

const MIN = 60_000;
const API = 'infra/./api';
const ALICE = 'arn:aws:iam::123456789012:user/alice';

/**
 * The change-event path against moto and Redis: events put on the
 * EventBridge bus reach the SQS queue through the rule, the reader records
 * those of our stacks and skips the rest by name, and the diagnosis reads
 * them back from the store and names the manual change.
 */
describe('change events (EventBridge -> SQS on moto, Redis)', function () {
  this.timeout(60_000);
  let route: ChangeRoute;
  let redis: ReturnType<typeof createRedis>;
  let prefix: string;
  const asg = `${uniqueId('api-asg')}`;
  // Minutes in the past, so the look-back windows are in the past too.
  const at = Math.floor(Date.now() / 1000) * 1000 - 10 * MIN;

  before(async () => {
    route = await createChangeRoute({ endpoint: testServices().motoUrl, name: uniqueId('changes') });
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('changes');
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    route.close();
  });

  it('records the changes of our stacks once, skips the others by name, and the diagnosis names who and what', async () => {
    const store = createRedisChangeStore({ redis, prefix });
    const skipped: SkippedMessage[] = [];
    const reader = createChangeEventQueue({
      queueUrl: route.queueUrl,
      client: route.sqs,
      store,
      stacks: async () => [{ stackKey: API, outputs: { asgName: asg } }, { stackKey: 'infra/./db', outputs: { cluster: 'orders-db-cluster' } }],
      waitSeconds: 1,
      onSkipped: (s) => skipped.push(s),
    });

    await route.put([
      consoleCallEntry({ at: new Date(at), source: 'aws.autoscaling', eventSource: 'autoscaling.amazonaws.com', eventName: 'UpdateAutoScalingGroup', principalArn: ALICE, requestParameters: { autoScalingGroupName: asg, desiredCapacity: 1, maxSize: 4 } }),
      // Someone else's group: not ours.
      consoleCallEntry({ at: new Date(at), source: 'aws.autoscaling', eventSource: 'autoscaling.amazonaws.com', eventName: 'SetDesiredCapacity', principalArn: ALICE, requestParameters: { autoScalingGroupName: 'not-ours-asg', desiredCapacity: 9 } }),
      {
        Time: new Date(at + 30_000),
        Source: 'aws.autoscaling',
        DetailType: 'EC2 Instance Terminate Successful',
        Resources: [`arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0000:autoScalingGroupName/${asg}`],
        Detail: JSON.stringify({ AutoScalingGroupName: asg, Cause: 'At 2026-12-01T22:10:30Z a user request update of AutoScalingGroup constraints to min: 1, max: 4, desired: 1 changing the desired capacity from 3 to 1.', EC2InstanceId: 'i-0abc1234def567890' }),
      },
      // A CloudTrail record without its eventName: named and skipped, the others still recorded.
      { Time: new Date(at), Source: 'aws.autoscaling', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify({ userIdentity: { type: 'IAMUser', arn: ALICE } }) },
      // Not routed: the rule's pattern leaves out what the reader does not read.
      { Time: new Date(at), Source: 'aws.ec2', DetailType: 'EC2 Spot Instance Interruption Warning', Detail: JSON.stringify({ 'instance-id': 'i-1' }) },
    ]);
    // A body that is not JSON at all, straight on the queue.
    await route.sqs.send(new SendMessageCommand({ QueueUrl: route.queueUrl, MessageBody: '{not json' }));

    let received = 0;
    let recorded = 0;
    for (let i = 0; i < 5 && received < 5; i++) {
      const s = await reader.pollOnce();
      received += s.received;
      recorded += s.recorded;
    }
    assert.equal(received, 5, 'four routed events and the raw message');
    assert.equal(recorded, 2);
    assert.deepEqual(skipped.map((s) => s.reason).sort(), ['invalid', 'invalid', 'not-ours']);
    assert.ok(skipped.some((s) => /detail\.eventName/.test(s.message)), JSON.stringify(skipped));
    assert.ok(skipped.some((s) => /not JSON/.test(s.message)));
    assert.ok(skipped.some((s) => /SetDesiredCapacity on not-ours-asg touches none of the stacks/.test(s.message)));

    // Every message was deleted after it was handled: the queue is empty.
    const left = await route.sqs.send(new ReceiveMessageCommand({ QueueUrl: route.queueUrl, WaitTimeSeconds: 1, VisibilityTimeout: 0 }));
    assert.equal(left.Messages?.length ?? 0, 0);

    const changes = await store.since(at - MIN);
    assert.deepEqual(changes.map((c) => [c.eventName, c.principal, c.stackKeys, c.manual]), [
      ['UpdateAutoScalingGroup', ALICE, [API], true],
      ['EC2 Instance Terminate Successful', 'user request (via autoscaling.amazonaws.com)', [API], true],
    ]);

    // A redelivery (the same event again) changes nothing.
    assert.equal(await store.record(changes), 0);

    // CPU on the stack breaks 3 minutes after the console change.
    const onset = at + 3 * MIN;
    const [incident] = step(initialTrackerState(), [a(API, 'cpu', onset, 97, 0.9)], onset + MIN, { topology: topology() }).state.open;
    const d = diagnose(incident!, { topology: topology(), changes: await store.since(onset - 30 * MIN) });
    const top = d.causes[0]!;
    assert.equal(top.kind, 'manual-change', d.summary);
    assert.equal(top.changeEvent?.principal, ALICE);
    assert.equal(top.changeEvent?.eventName, 'UpdateAutoScalingGroup');
    assert.match(top.evidence.join('\n'), /set desiredCapacity = 1/);
    assert.match(d.summary, /manual change UpdateAutoScalingGroup to infra\/\.\/api by arn:aws:iam::123456789012:user\/alice/);
    reader.close();
  });
});

/**
 * The same path inside the service, on the sandbox stack: a console change
 * to the fleet (with its change event, as the cloud's audit trail would
 * leave it) is read from the queue, and the drift check that finds the
 * differing capacity (queued by the event itself) names that event; with
 * `drift.action: reconcile` Git's commit is applied again. Three engine runs:
 * the apply, the refresh and the reconcile.
 */
describe('change events in the service: a console change is checked, named and reconciled', function () {
  this.timeout(600_000);
  let route: ChangeRoute;
  let fx: GitopsFixture;
  let service: RunningService | undefined;
  let redis: ReturnType<typeof createRedis>;
  const savedEnv = { ...process.env };

  before(async () => {
    route = await createChangeRoute({ endpoint: testServices().motoUrl, name: uniqueId('changes') });
    // The service's SQS client takes the SDK's credential chain; moto takes any keys.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    fx = await createGitopsFixture({ changeEvents: { queueUrl: route.queueUrl, endpoint: testServices().motoUrl, region: 'eu-west-1', waitSeconds: 1 } }, { drift: { intervalSeconds: 0, action: 'reconcile' } });
    fx.fleet.onTamper((change) => route.put([tamperEntry(change)]));
    redis = createRedis(testServices().redisUrl);
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
    await redis?.quit();
    route.close();
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
  });

  it('records the tamper as a change of the sandbox stack, checks for drift at once, links the event from the drift record and reconciles', async () => {
    service = await startService(fx.config);
    const commit = await fx.repo.commitAndPush('initial stacks');
    await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    await fx.waitForRun(commit, 'applied');

    const id = fx.fleet.services()[0]!.id;
    fx.fleet.tamper(id, { capacity: 1 });
    await fx.fleet.tamperReported();
    const store = createRedisChangeStore({ redis, prefix: fx.prefix });
    const recorded = await waitFor('the change event recorded', async () => (await store.since(0)).find((c) => c.resources.includes(id)), 30_000, 200);
    assert.deepEqual([recorded.eventName, recorded.principal, recorded.stackKeys], ['UpdateService', SANDBOX_CONSOLE_USER, ['infra/./sandbox']]);
    assert.equal(recorded.parameters.capacity, 1);

    // No drift schedule (interval 0) and no API call: the change event itself asks for the check.
    const drift = await waitFor('a drift record', async () => (await fx.runs()).find((r) => r.mode === 'drift' && r.status !== 'running'));
    assert.equal(drift.status, 'drifted', drift.message);
    assert.deepEqual(drift.explainedBy?.map((l) => [l.id, l.principal, l.eventName, l.matches]), [[recorded.id, SANDBOX_CONSOLE_USER, 'UpdateService', ['capacity']]], `${drift.message}; applied at ${(await fx.store.status('infra/./sandbox')).appliedAt}, change at ${new Date(recorded.at).toISOString()}`);
    assert.match(drift.message ?? '', /capacity 2 → 1\b.*; explained by arn:aws:iam::000000000000:user\/console-operator UpdateService at .* \(event .*; sets capacity\)/);

    // drift.action = reconcile: Git's commit is applied again, and the capacity is back.
    const reconciled = await waitFor('the reconcile run', async () => (await fx.runs()).find((r) => r.trigger.kind === 'drift' && r.mode === 'deploy' && r.status !== 'running'));
    assert.equal(reconciled.status, 'applied', reconciled.message);
    assert.equal(fx.fleet.services()[0]?.capacity, 2);
  });
});
