import { createHmac, randomUUID } from 'node:crypto';

/**
 * Announces a push to the service the way GitHub would: a `push` webhook
 * delivery, signed with the repository's secret (`X-Hub-Signature-256`).
 */
export interface PushAnnouncement {
  /** The service's base URL. */
  serviceUrl: string;
  /** Repository id in the service's config: the webhook path is `/webhooks/<id>`. */
  repoId: string;
  secret: string;
  /** Clone URL of the remote that was pushed to. */
  remote: string;
  branch: string;
  /** Commit before the push (40 zeros for a new branch). */
  before: string;
  after: string;
}

export const ZERO_COMMIT = '0'.repeat(40);

export async function announcePush(p: PushAnnouncement): Promise<void> {
  const body = JSON.stringify({
    ref: `refs/heads/${p.branch}`,
    before: p.before,
    after: p.after,
    repository: { full_name: `sandbox/${p.repoId}`, clone_url: p.remote, ssh_url: '', html_url: '' },
  });
  const res = await fetch(`${p.serviceUrl}/webhooks/${p.repoId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', p.secret).update(body).digest('hex')}`,
    },
    body,
  });
  if (res.status !== 202) throw new Error(`the service refused the push webhook for ${p.after.slice(0, 12)}: ${res.status} ${await res.text()}`);
}
