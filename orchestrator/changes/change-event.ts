import { z } from 'zod';
import { redactSecrets } from '../audit/redact.ts';

/**
 * Change events: changes made to a stack's resources outside Git, as
 * EventBridge delivers them. Two shapes are read:
 *
 * - "AWS API Call via CloudTrail": `detail` holds CloudTrail's record
 *   (`eventName`, `userIdentity`, `requestParameters`, `readOnly`, ...).
 * - Auto Scaling activities ("EC2 Instance Launch Successful", "... Terminate
 *   Successful" and their "Unsuccessful" forms): `detail` holds the activity
 *   (`AutoScalingGroupName`, `Cause`, `Description`, ...).
 *
 * Parsing is pure: a message body in, a {@link ChangeEvent} (or the reason it
 * is skipped) out. The queue reader does the I/O.
 */

/** The EventBridge envelope, as an SQS target receives it (the whole event as the message body). */
export const EventEnvelopeSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  /** ISO 8601, for example `2026-12-01T22:10:00Z`. */
  time: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'must be an ISO 8601 time'),
  region: z.string().optional(),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()),
});

const UserIdentitySchema = z
  .object({
    type: z.string().optional(),
    arn: z.string().optional(),
    principalId: z.string().optional(),
    userName: z.string().optional(),
    invokedBy: z.string().optional(),
    sessionContext: z.object({ sessionIssuer: z.object({ userName: z.string().optional(), arn: z.string().optional() }).partial().optional() }).partial().optional(),
  })
  .loose();

export const CloudTrailDetailSchema = z
  .object({
    eventName: z.string().min(1),
    eventSource: z.string().optional(),
    userIdentity: UserIdentitySchema,
    requestParameters: z.record(z.string(), z.unknown()).nullish(),
    readOnly: z.boolean().optional(),
    errorCode: z.string().optional(),
    /** CloudTrail's own resource list, when the service fills it. */
    resources: z.array(z.object({ ARN: z.string().optional(), arn: z.string().optional() }).loose()).optional(),
  })
  .loose();

export const AutoScalingActivityDetailSchema = z
  .object({
    AutoScalingGroupName: z.string().min(1),
    ActivityId: z.string().optional(),
    Cause: z.string().optional(),
    Description: z.string().optional(),
    StatusCode: z.string().optional(),
    EC2InstanceId: z.string().optional(),
  })
  .loose();

/** One change to a resource, whoever made it, normalised from either shape. */
export const ChangeEventSchema = z.object({
  /** EventBridge's event id: at-least-once delivery repeats it, so it is the key. */
  id: z.string(),
  /** When the change happened, epoch ms. */
  at: z.number(),
  /** `aws.ec2`, `aws.autoscaling`, ... */
  source: z.string(),
  kind: z.enum(['api-call', 'autoscaling']),
  /** CloudTrail's `eventName` (`UpdateAutoScalingGroup`), or the activity's detail-type. */
  eventName: z.string(),
  /** Who made it: an IAM ARN, `<type>:<principalId>`, or the service for an activity it started itself. */
  principal: z.string(),
  /** Made by a person or their script (not by an AWS service on its own schedule). */
  manual: z.boolean(),
  /** ARNs and ids of the resources it touched. */
  resources: z.array(z.string()),
  /** The request's parameters (CloudTrail), or the activity's cause and description. */
  parameters: z.record(z.string(), z.unknown()),
});
export type ChangeEvent = z.infer<typeof ChangeEventSchema>;

export type ParsedChange = { ok: true; event: ChangeEvent } | { ok: false; reason: 'invalid' | 'not-a-change'; message: string };

const AUTOSCALING_ACTIVITY = /^EC2 Instance (Launch|Terminate) (Successful|Unsuccessful)$/;
/** Auto Scaling writes this in an activity's Cause when a person changed the group (console, CLI, API). */
const USER_REQUEST = /\ba user request\b/i;

function zodMessage(prefix: string, error: z.ZodError): string {
  return error.issues.map((i) => `${prefix}${i.path.length > 0 ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; ');
}

function principalOf(u: z.infer<typeof UserIdentitySchema>): string {
  if (u.arn) return u.arn;
  if (u.invokedBy) return u.invokedBy;
  const issuer = u.sessionContext?.sessionIssuer?.arn ?? u.sessionContext?.sessionIssuer?.userName;
  if (issuer) return issuer;
  return `${u.type ?? 'unknown'}:${u.principalId ?? u.userName ?? '?'}`;
}

/** The resource ids a CloudTrail record names: the envelope's, CloudTrail's own, and id-like request parameters. */
function resourcesOfCall(envelope: string[], detail: z.infer<typeof CloudTrailDetailSchema>): string[] {
  const ids = new Set(envelope);
  for (const r of detail.resources ?? []) {
    const arn = r.ARN ?? r.arn;
    if (arn) ids.add(arn);
  }
  // Most services name the target in the request, not in `resources` (e.g. autoScalingGroupName, instanceId, functionName).
  for (const [k, v] of Object.entries(detail.requestParameters ?? {})) {
    if (typeof v === 'string' && /(Name|Id|Arn|ARN)$/.test(k)) ids.add(v);
  }
  return [...ids];
}

/** Parses one message body. Read-only and failed calls are `not-a-change`; a malformed body is `invalid`, naming the field. */
export function parseChangeMessage(body: string): ParsedChange {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'invalid', message: 'message body is not JSON' };
  }
  const env = EventEnvelopeSchema.safeParse(json);
  if (!env.success) return { ok: false, reason: 'invalid', message: zodMessage('event', env.error) };
  const e = env.data;
  const base = { id: e.id, at: Date.parse(e.time), source: e.source };

  if (e['detail-type'] === 'AWS API Call via CloudTrail') {
    const d = CloudTrailDetailSchema.safeParse(e.detail);
    if (!d.success) return { ok: false, reason: 'invalid', message: `event ${e.id}: ${zodMessage('detail', d.error)}` };
    if (d.data.readOnly === true) return { ok: false, reason: 'not-a-change', message: `event ${e.id}: ${d.data.eventName} is read-only` };
    if (d.data.errorCode) return { ok: false, reason: 'not-a-change', message: `event ${e.id}: ${d.data.eventName} failed (${d.data.errorCode})` };
    const u = d.data.userIdentity;
    return {
      ok: true,
      event: {
        ...base,
        kind: 'api-call',
        eventName: d.data.eventName,
        principal: principalOf(u),
        manual: u.type !== 'AWSService',
        resources: resourcesOfCall(e.resources, d.data),
        // A request can carry a secret (PutParameter's value, a password): it is kept out of the store and of every evidence line.
        parameters: redactSecrets(d.data.requestParameters ?? {}) as Record<string, unknown>,
      },
    };
  }
  if (AUTOSCALING_ACTIVITY.test(e['detail-type'])) {
    const d = AutoScalingActivityDetailSchema.safeParse(e.detail);
    if (!d.success) return { ok: false, reason: 'invalid', message: `event ${e.id}: ${zodMessage('detail', d.error)}` };
    const manual = USER_REQUEST.test(d.data.Cause ?? '');
    const parameters: Record<string, unknown> = {};
    for (const k of ['Cause', 'Description', 'StatusCode', 'EC2InstanceId'] as const) if (d.data[k] !== undefined) parameters[k] = d.data[k];
    return {
      ok: true,
      event: {
        ...base,
        kind: 'autoscaling',
        eventName: e['detail-type'],
        principal: manual ? 'user request (via autoscaling.amazonaws.com)' : 'autoscaling.amazonaws.com',
        manual,
        resources: [...new Set([...e.resources, d.data.AutoScalingGroupName, ...(d.data.EC2InstanceId ? [d.data.EC2InstanceId] : [])])],
        parameters,
      },
    };
  }
  return { ok: false, reason: 'not-a-change', message: `event ${e.id}: detail-type "${e['detail-type']}" is not a change this reader knows` };
}

/**
 * The EventBridge rule's event pattern that routes what this reader knows to
 * its queue: every write API call CloudTrail records, and Auto Scaling's
 * instance activities. (Read-only calls are left out here, so they cost no
 * queue traffic; the parser skips them too, should a wider rule send them.)
 */
export const CHANGE_EVENT_PATTERN = {
  'detail-type': ['AWS API Call via CloudTrail', 'EC2 Instance Launch Successful', 'EC2 Instance Launch Unsuccessful', 'EC2 Instance Terminate Successful', 'EC2 Instance Terminate Unsuccessful'],
} as const;
