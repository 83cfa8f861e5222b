import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { IncidentStore } from '../correlate/incident-store.ts';
import { directDependenciesOf, directDependentsOf, graphOfStatuses } from '../graph/stack-graph.ts';
import { HttpError } from '../http/http-error.ts';
import { requestField } from '../http/request-fields.ts';
import { sendJson } from '../http/send-json.ts';
import { IncidentIdSchema } from '../model/record-ids.ts';
import { StackKeySchema } from '../model/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
import type { ScoreStore } from '../telemetry/score-store.ts';
import { registerEventStream, type EventStreamDeps } from './event-stream-routes.ts';
import { incidentSeries } from './incident-series.ts';

export interface DashboardDeps {
  /** Incidents and recent signal values; without it (telemetry off) the series route answers 404. */
  incidents?: IncidentStore;
  /** The detector's recent scores per series, for the score line; without it the charts have none. */
  scores?: ScoreStore;
  /** Stack statuses, for the stack page's dependency links. */
  store?: RunStore;
  /** The live event stream (`GET /api/events`); without it the page polls. */
  events?: EventStreamDeps;
}

/** Registers the dashboard's routes, in the shape of `HttpDeps.extra`. */
export type DashboardRoutes = (app: FastifyInstance) => void;

const ASSET_FILES: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/stack': { file: 'stack.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/stack-page.js': { file: 'stack-page.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/live.js': { file: 'live.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/api.js': { file: 'api.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/chart.js': { file: 'chart.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/markup.js': { file: 'markup.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/promotions-view.js': { file: 'promotions-view.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/graph-view.js': { file: 'graph-view.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * The page may load only its own scripts and styles and talk only to this
 * server: even if some text slipped through unescaped, it could not run.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The operator's dashboard: the pages and their static assets (read once, at
 * start; no build step), `GET /api/incidents/:id/series` for its charts,
 * `GET /api/stacks/:key/links` for the stack page, and the live event
 * stream. Everything else the pages show comes from the service's JSON API.
 * The assets are open (they hold no data); the page asks for an API token and
 * sends it on each call.
 */
export function createDashboardRoutes(deps: DashboardDeps): DashboardRoutes {
  const assets = new Map(
    Object.entries(ASSET_FILES).map(([path, { file, type }]) => [path, { type, body: readFileSync(new URL(`./assets/${file}`, import.meta.url)) }]),
  );

  return (app) => {
    app.get('/', { config: { access: 'open' } }, async (_req, reply) => reply.code(302).header('location', '/dashboard').send());
    for (const [path, asset] of [...assets, ['/dashboard/', assets.get('/dashboard')!] as const]) {
      // Fastify answers HEAD from the GET route, without the body.
      app.get(path, { config: { access: 'open' } }, async (_req, reply) =>
        reply.code(200).headers({ 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS }).send(asset.body),
      );
    }
    app.get<{ Params: { id: string } }>('/api/incidents/:id/series', { config: { access: 'viewer' } }, async (req, reply) => {
      const id = requestField('id', req.params.id, IncidentIdSchema);
      if (!deps.incidents) return sendJson(reply, 404, { error: 'incidents are not available: telemetry is off' });
      const record = await deps.incidents.get(id);
      if (!record) return sendJson(reply, 404, { error: `no incident ${id}` });
      const ids = [...new Set(record.incident.signals.map((s) => s.seriesId))];
      const store = deps.incidents;
      const scores = deps.scores;
      const recent = new Map(await Promise.all(ids.map(async (sid) => [sid, await store.recent(sid)] as const)));
      const scored = new Map(await Promise.all(ids.map(async (sid) => [sid, scores ? await scores.recent(sid) : []] as const)));
      return sendJson(reply, 200, { signals: incidentSeries(record, recent, scored) });
    });
    // What the service knows of a stack's links to others, from the stack graph: `known` once an
    // apply of the stack recorded its links (its StackReferences and declared dependencies).
    app.get<{ Params: { key: string } }>('/api/stacks/:key/links', { config: { access: 'viewer' } }, async (req, reply) => {
      const key = requestField('stack', req.params.key, StackKeySchema);
      if (!deps.store) throw new HttpError(404, 'stack links are not available');
      const statuses = await deps.store.statuses();
      const status = statuses.find((s) => s.stackKey === key);
      if (!status) throw new HttpError(404, `no stack ${key}`);
      const graph = graphOfStatuses(statuses);
      return sendJson(reply, 200, { stackKey: key, known: status.links !== undefined, dependsOn: directDependenciesOf(graph, key), dependents: directDependentsOf(graph, key) });
    });
    if (deps.events) registerEventStream(app, deps.events);
  };
}
