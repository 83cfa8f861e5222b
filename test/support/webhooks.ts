import { createHmac, randomUUID } from 'node:crypto';

export interface GithubDelivery {
  event: 'push' | 'pull_request' | 'ping';
  payload: unknown;
  deliveryId?: string;
  /** Secret to sign with; undefined sends no signature. */
  secret?: string;
  /** Replaces the signature (a forgery). */
  signature?: string;
  body?: Buffer;
}

/** Sends a GitHub-style webhook delivery over loopback, signed like GitHub signs it. */
export async function sendGithubWebhook(url: string, d: GithubDelivery): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = d.body ?? Buffer.from(JSON.stringify(d.payload));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': d.event,
    'x-github-delivery': d.deliveryId ?? randomUUID(),
    'user-agent': 'GitHub-Hookshot/test',
  };
  if (d.signature) headers['x-hub-signature-256'] = d.signature;
  else if (d.secret) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', d.secret).update(body).digest('hex')}`;
  const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function githubRepository(remote: string) {
  return { id: 1296269, full_name: 'acme/infra', clone_url: remote, ssh_url: '', html_url: '' };
}

export function pushPayload(remote: string, ref: string, before: string, after: string) {
  return { ref, before, after, repository: githubRepository(remote) };
}

/** A pull request from a branch of the repository itself: GitHub names the repository of both head and base. */
export function pullRequestPayload(remote: string, number: number, action: string, head: { ref: string; sha: string }, base: { ref: string; sha: string }) {
  const repo = githubRepository(remote);
  return { action, number, pull_request: { number, merged: false, head: { ...head, repo }, base: { ...base, repo } }, repository: repo };
}

export const ZERO_SHA = '0'.repeat(40);
