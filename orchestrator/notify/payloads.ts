import type { Notification } from './notification.ts';

/**
 * The bodies sent to each kind of target. Pure: the notification in, the
 * JSON out; signing and sending are notify-queue.ts's.
 */

/** CloudEvents' event type of a kind: reverse-DNS, as the spec asks. */
export const cloudEventType = (kind: Notification['kind']) => `dev.homeostat.${kind}`;

/**
 * A CloudEvents 1.0 event in structured JSON mode (content type
 * `application/cloudevents+json`): the notification is its `data`, the stack
 * its `subject`, and the notification's id its `id`, so a receiver can drop a
 * retry it already has.
 */
export function cloudEvent(n: Notification, source: string) {
  return {
    specversion: '1.0',
    id: n.id,
    source,
    type: cloudEventType(n.kind),
    time: n.at,
    ...(n.stack ? { subject: n.stack } : {}),
    datacontenttype: 'application/json',
    data: n,
  };
}

/** Slack's mrkdwn treats these three as markup: text from records is escaped so it stays text. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The dashboard, with the notification's incident selected when it has one (the page keeps the selection in `?incident=`). */
export function dashboardLink(n: Notification, dashboardUrl: string | undefined): string | undefined {
  if (!dashboardUrl) return undefined;
  if (!n.incident) return dashboardUrl;
  const url = new URL(dashboardUrl);
  url.searchParams.set('incident', n.incident);
  return url.toString();
}

/**
 * A message for a Slack-compatible incoming webhook: `text` for
 * notifications and clients without blocks, and blocks (a header, the
 * timeline's line, the facts, a link to the dashboard).
 */
export function slackMessage(n: Notification, dashboardUrl?: string) {
  const facts = [
    n.stack ? `*Stack* ${escapeMrkdwn(n.stack)}` : undefined,
    n.incident ? `*Incident* ${escapeMrkdwn(n.incident)}` : undefined,
    n.playbook ? `*Playbook* ${escapeMrkdwn(n.playbook)}` : undefined,
    n.commit ? `*Commit* \`${escapeMrkdwn(n.commit.slice(0, 12))}\`` : undefined,
  ].filter((x): x is string => x !== undefined);
  const link = dashboardLink(n, dashboardUrl);
  return {
    text: `${n.title}: ${n.message}`.slice(0, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: n.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(n.message).slice(0, 3000) } },
      ...(facts.length > 0 ? [{ type: 'context', elements: facts.map((text) => ({ type: 'mrkdwn', text })) }] : []),
      ...(link ? [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Homeostat' }, url: link }] }] : []),
    ],
  };
}
