import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CHANGE_EVENT_PATTERN } from '../orchestrator/changes/change-event.ts';
import type { FleetSimulator } from './fleet-simulator.ts';

/**
 * The change-event route for the sandbox and the tests, on moto: an SQS
 * queue and an EventBridge rule (the reader's pattern) targeting it. In
 * production the operator creates the same two things once (see the README);
 * CloudTrail and Auto Scaling then publish to the default bus by themselves.
 * Here nothing publishes by itself, so the sandbox puts the events it plays.
 */
export interface ChangeRoute {
  queueUrl: string;
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  /** Puts events on the bus (as CloudTrail or Auto Scaling would); throws naming any entry the bus refused. */
  put(entries: PutEventsRequestEntry[]): Promise<void>;
  close(): void;
}

export interface ChangeRouteOptions {
  endpoint: string;
  region?: string;
  /** Queue and rule name; unique per test. */
  name: string;
}

export async function createChangeRoute(options: ChangeRouteOptions): Promise<ChangeRoute> {
  const cfg = { endpoint: options.endpoint, region: options.region ?? 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const sqs = new SQSClient(cfg);
  const eventBridge = new EventBridgeClient(cfg);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: options.name }));
  if (!QueueUrl) throw new Error(`CreateQueue ${options.name}: no queue URL`);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attrs.Attributes?.QueueArn;
  if (!queueArn) throw new Error(`queue ${options.name}: no ARN`);
  await eventBridge.send(new PutRuleCommand({ Name: options.name, EventPattern: JSON.stringify(CHANGE_EVENT_PATTERN), State: 'ENABLED' }));
  await eventBridge.send(new PutTargetsCommand({ Rule: options.name, Targets: [{ Id: 'homeostat-changes', Arn: queueArn }] }));
  return {
    queueUrl: QueueUrl,
    eventBridge,
    sqs,
    async put(entries) {
      for (let i = 0; i < entries.length; i += 10) {
        const out = await eventBridge.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
        const refused = (out.Entries ?? []).filter((e) => e.ErrorCode);
        if (refused.length) throw new Error(`PutEvents refused ${refused.length} entr${refused.length === 1 ? 'y' : 'ies'}: ${refused.map((e) => `${e.ErrorCode} ${e.ErrorMessage ?? ''}`).join('; ')}`);
      }
    },
    close() {
      sqs.destroy();
      eventBridge.destroy();
    },
  };
}

/** A CloudTrail record of a console call, as EventBridge carries it ("AWS API Call via CloudTrail"). */
export function consoleCallEntry(call: { at: Date; source: string; eventSource: string; eventName: string; principalArn: string; requestParameters: Record<string, unknown>; resources?: string[] }): PutEventsRequestEntry {
  return {
    Time: call.at,
    Source: call.source,
    DetailType: 'AWS API Call via CloudTrail',
    Resources: call.resources ?? [],
    Detail: JSON.stringify({
      eventVersion: '1.08',
      eventSource: call.eventSource,
      eventName: call.eventName,
      eventTime: call.at.toISOString(),
      userIdentity: { type: 'IAMUser', arn: call.principalArn, principalId: 'AIDASANDBOX', userName: call.principalArn.split('/').pop() },
      sourceIPAddress: 'AWS Internal',
      userAgent: 'AWS Internal',
      requestParameters: call.requestParameters,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
    }),
  };
}

/** Who the sandbox's console changes are made by, unless a scenario says otherwise. */
export const SANDBOX_CONSOLE_USER = 'arn:aws:iam::000000000000:user/console-operator';

/**
 * The change event a console change to a fleet service leaves: a CloudTrail
 * `UpdateService` call naming the service id (the stack's `serviceId` output)
 * and the fields it set.
 */
export function tamperEntry(change: { before: { id: string }; patch: Record<string, unknown>; at: Date }, principalArn = SANDBOX_CONSOLE_USER): PutEventsRequestEntry {
  return consoleCallEntry({
    at: change.at,
    source: 'aws.sandbox',
    eventSource: 'fleet.sandbox.local',
    eventName: 'UpdateService',
    principalArn,
    requestParameters: { serviceId: change.before.id, ...change.patch },
    resources: [change.before.id],
  });
}

/**
 * The route for a sandbox run whose scenario changes the fleet outside Git:
 * every tamper of `fleet` is put on the bus as its change event, as the
 * cloud's audit trail would (the rule then delivers it to the queue).
 */
export async function reportTampers(fleet: Pick<FleetSimulator, 'onTamper'>, options: ChangeRouteOptions): Promise<ChangeRoute> {
  const route = await createChangeRoute(options);
  fleet.onTamper((change) => route.put([tamperEntry(change)]));
  return route;
}
