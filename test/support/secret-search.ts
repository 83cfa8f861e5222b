import type { Redis } from 'ioredis';
import { git } from '../../orchestrator/source/git.ts';
import { as } from './test-tokens.ts';

/**
 * Everything a running service shows to people and keeps, as text, by
 * place: the API's answers (run records and logs, incidents, remediations,
 * reviews, controls, metrics), the dashboard's page and scripts, error
 * bodies of refused and malformed requests, the audit log as stored, and
 * every commit of the repository with its patch. A secret found in any of
 * them has leaked.
 */
export async function publicText(serviceUrl: string, deps: { redis: Redis; prefix: string; remote: string }): Promise<Record<string, string>> {
  const get = async (path: string, headers: Record<string, string> = as('viewer', false)) => (await fetch(`${serviceUrl}${path}`, { headers })).text();
  const runs = JSON.parse(await get('/api/runs?limit=1000')) as { runs: { id: string }[] };
  const runTexts = await Promise.all(runs.runs.map((r) => get(`/api/runs/${encodeURIComponent(r.id)}`)));
  const api = await Promise.all(['/api/stacks', '/api/incidents', '/api/remediations?limit=1000', '/api/reviews?limit=1000', '/api/audit?limit=1000', '/api/signals', '/api/notifications/failed', '/api/controls', '/api/track-record', '/api/promotions', '/api/graph', '/metrics'].map((p) => get(p)));
  const dashboard = await Promise.all(['/dashboard/', '/dashboard/app.js', '/dashboard/render.js', '/dashboard/markup.js', '/dashboard/promotions-view.js', '/dashboard/graph-view.js', '/dashboard/app.css'].map((p) => get(p, {})));
  const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => (await fetch(`${serviceUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })).text();
  const errors = await Promise.all([
    get('/api/runs', { authorization: 'Bearer not-a-token' }),
    get('/api/runs', {}),
    get('/api/runs/r-nope'),
    get('/api/runs/..%2F..%2Fetc'),
    send('PUT', '/api/controls', as('viewer'), '{"killSwitch":true}'),
    send('PUT', '/api/controls', as('test-operator'), '{"killSwitch":'),
    send('PUT', '/api/controls', as('test-operator'), '{"killSwitch":"yes"}'),
    send('POST', `/api/stacks/${encodeURIComponent('infra/./nope')}/up`, as('admin'), '{}'),
    send('POST', '/webhooks/infra', { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'leak-1', 'x-hub-signature-256': 'sha256=00' }, '{}'),
    send('POST', '/webhooks/nope', { 'content-type': 'application/json' }, '{}'),
  ]);
  return {
    'run records and logs': runTexts.join('\n'),
    'API answers': api.join('\n'),
    'dashboard page and scripts': dashboard.join('\n'),
    'HTTP error bodies': errors.join('\n'),
    'audit log as stored': JSON.stringify(await deps.redis.lrange(`${deps.prefix}:audit:entries`, 0, -1)),
    'commits and patches': await git(['log', '--all', '-p', '--format=fuller'], { cwd: deps.remote }),
  };
}

/** Keeps what the process writes (service logs) from now until `stop()`, passing it through as well. */
export function captureOutput(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  const wrap = (stream: NodeJS.WriteStream) => {
    const real = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (real as (c: string | Uint8Array, ...r: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = real;
    };
  };
  const restore = [wrap(process.stdout), wrap(process.stderr)];
  return { text: () => chunks.join(''), stop: () => restore.forEach((r) => r()) };
}

/** Where each secret was found, as `place: secret name`; empty when nothing leaked. */
export function leaks(places: Record<string, string>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [place, text] of Object.entries(places)) for (const [name, secret] of Object.entries(secrets)) if (text.includes(secret)) found.push(`${place}: ${name}`);
  return found;
}
