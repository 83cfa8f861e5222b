import { randomBytes } from 'node:crypto';
import { prng } from '../support/seeded-random.ts';
import { forgeRequest, PUSH_EVENT_NAME, PUSH_PAYLOAD, SHA, SIGNATURE_HEADER, type Forge } from '../unit/webhooks/fixtures.ts';

/** One delivery as it goes on the wire. */
export interface Delivery {
  forge: Forge;
  headers: Record<string, string>;
  body: Buffer;
}

/** What a batch of deliveries came back as. */
export interface FuzzTally {
  sent: number;
  /** A 5xx or a dropped connection (an oversize body cut off after its 413 is not one). */
  crashes: number;
  statuses: Map<number, number>;
  /** Every response body, to be searched for secrets. */
  bodies: string[];
}

/**
 * Seeded webhook deliveries: valid pushes to `refs/heads/main` of a watched
 * repository, signed with the right secret, then (unless `signed`) broken in
 * their authenticity, always (body changed after signing, signature removed,
 * replaced, truncated or made with another secret; GitLab's token wrong or
 * missing), and scrambled further (bytes, JSON fields, content types, event
 * names, delivery ids, sizes past the limit). None of the unsigned ones may
 * reach the intake queue.
 */
export function webhookFuzzer(seed: number, hookSecrets: Record<Forge, string>, maxBytes: number) {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const mutateJson = (value: unknown, depth = 0): unknown => {
    if (depth > 4 || value === null || typeof value !== 'object') return pick([null, 0, -1, 1e308, '', 'x'.repeat(Math.floor(random() * 300)), [], {}, true, '../../etc/passwd', '\u0000', SHA.zero]);
    const obj: Record<string, unknown> = Array.isArray(value) ? { ...value } : { ...(value as Record<string, unknown>) };
    const keys = Object.keys(obj);
    if (keys.length === 0) return obj;
    const k = pick(keys);
    const r = random();
    if (r < 0.3) delete obj[k];
    else if (r < 0.8) obj[k] = mutateJson(obj[k], depth + 1);
    else obj[`${k}_${Math.floor(random() * 100)}`] = obj[k];
    return obj;
  };

  return function delivery(forge: Forge, signed: boolean): Delivery {
    const payload = PUSH_PAYLOAD[forge]({ ref: 'refs/heads/main', before: SHA.a, after: pick([SHA.b, SHA.c, SHA.d]) });
    const req = forgeRequest(forge, PUSH_EVENT_NAME[forge], payload, { secret: hookSecrets[forge] });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'content-length') headers[k] = v;
    // Each delivery its own id, so that a redelivery is never what keeps it out of the queue.
    for (const h of ['x-github-delivery', 'x-gitea-delivery', 'x-gitlab-event-uuid']) if (h in headers) headers[h] = `${forge}-${Math.floor(random() * 1e12)}`;
    if (signed) return { forge, headers, body: req.rawBody };
    let body = req.rawBody;
    // GitLab signs nothing but sends its token, so there the token is what is broken.
    const breakBody = forge !== 'gitlab' && random() < 0.6;
    if (breakBody) {
      const r = random();
      if (r < 0.25) body = Buffer.from(JSON.stringify(mutateJson(JSON.parse(body.toString('utf8')))));
      else if (r < 0.45) body = body.subarray(0, Math.floor(random() * body.length));
      else if (r < 0.6) body = Buffer.concat([body, bytes(1 + Math.floor(random() * 64))]);
      else if (r < 0.75) {
        body = Buffer.from(body);
        for (let i = 0; i < 1 + Math.floor(random() * 8); i++) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      } else if (r < 0.85) body = bytes(Math.floor(random() * 4096));
      else if (r < 0.92) body = Buffer.concat([body, Buffer.alloc(maxBytes + Math.floor(random() * 4096), 0x20)]);
      else body = Buffer.from(JSON.stringify(mutateJson({ ...payload, ref: pick(['refs/heads/main', 'refs/tags/v1', '', 'refs/heads/../main']) })));
      if (body.equals(req.rawBody)) body = Buffer.concat([body, Buffer.from(' ')]);
    }
    if (!breakBody || random() < 0.3) {
      const sig = SIGNATURE_HEADER[forge];
      const r = random();
      const forged = pick(['', 'sha256=', `sha256=${'0'.repeat(64)}`, 'sha1=abc', randomBytes(32).toString('hex'), `sha256=${randomBytes(32).toString('hex')}`, 'x'.repeat(5000), hookSecrets[forge].slice(0, -1), `${hookSecrets[forge]}x`]);
      if (r < 0.3) delete headers[sig];
      else if (r < 0.8 || forge === 'gitlab') headers[sig] = forged;
      else headers[sig] = headers[sig]!.slice(0, -1 - Math.floor(random() * 10));
      if (forge === 'gitea' && random() < 0.5) delete headers['x-hub-signature-256'];
      if (forge === 'gitea' && headers['x-hub-signature-256']) headers['x-hub-signature-256'] = `sha256=${randomBytes(32).toString('hex')}`;
      if (forge === 'github') delete headers['x-hub-signature'];
    }
    // Scramble the rest of the envelope.
    if (random() < 0.3) headers['content-type'] = pick(['application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=z', '', 'application/json']);
    if (random() < 0.1) delete headers['content-type'];
    if (random() < 0.2) {
      const eventHeader = forge === 'github' ? 'x-github-event' : forge === 'gitlab' ? 'x-gitlab-event' : 'x-gitea-event';
      headers[eventHeader] = pick(['push', 'pull_request', 'ping', 'Push Hook', 'Merge Request Hook', '', 'x'.repeat(500), 'issues']);
    }
    if (random() < 0.05) headers['x-github-event'] = 'push';
    if (random() < 0.05) headers['x-gitlab-event'] = 'Push Hook';
    return { forge, headers, body };
  };
}

/** Sends deliveries, `concurrency` at a time, each to `pathOf(forge)`, and tallies what came back. */
export async function sendDeliveries(baseUrl: string, deliveries: readonly Delivery[], pathOf: (forge: Forge) => string, opts: { concurrency: number; maxBytes: number; onError?: (message: string) => void }): Promise<FuzzTally> {
  const tally: FuzzTally = { sent: 0, crashes: 0, statuses: new Map(), bodies: [] };
  const count = (status: number) => tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        tally.sent++;
        try {
          const res = await fetch(`${baseUrl}${pathOf(d.forge)}`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
          tally.bodies.push(await res.text());
          count(res.status);
          if (res.status >= 500) tally.crashes++;
        } catch (err) {
          // An oversize body is answered (413) and the connection closed while it is still being sent: not a crash.
          if (d.body.length > opts.maxBytes) count(413);
          else {
            tally.crashes++;
            opts.onError?.(`connection error: ${(err as Error).message}`);
          }
        }
      }
    }),
  );
  return tally;
}
