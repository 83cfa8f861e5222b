import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncidentStore } from '../aiops/incident-store.ts';
import { sendJson } from '../http/http-server.ts';
import { incidentSeries } from './incident-series.ts';

export interface DashboardDeps {
  /** Incidents and recent signal values; without it (telemetry off) the series route answers 404. */
  incidents?: IncidentStore;
}

/** A route handler in the shape of `HttpDeps.extra`: true when it answered. */
export type DashboardRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const ASSET_FILES: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
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
 * The operator's dashboard: the page and its static assets (read once, at
 * start; no build step), and `GET /api/incidents/:id/series` for its charts.
 * Everything else the page shows comes from the service's JSON API.
 */
export function createDashboardRoutes(deps: DashboardDeps): DashboardRoutes {
  const assets = new Map(
    Object.entries(ASSET_FILES).map(([path, { file, type }]) => [path, { type, body: readFileSync(new URL(`./assets/${file}`, import.meta.url)) }]),
  );

  return async (req, res, url) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = url.pathname;
    if (path === '/') {
      res.writeHead(302, { location: '/dashboard' }).end();
      return true;
    }
    const asset = assets.get(path === '/dashboard/' ? '/dashboard' : path);
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(method === 'HEAD' ? undefined : asset.body);
      return true;
    }
    const m = /^\/api\/incidents\/([^/]+)\/series$/.exec(path);
    if (m) {
      let id: string;
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        sendJson(res, 400, { error: 'id: not a valid percent-encoded string' });
        return true;
      }
      if (!deps.incidents) {
        sendJson(res, 404, { error: 'incidents are not available: telemetry is off' });
        return true;
      }
      const record = await deps.incidents.get(id);
      if (!record) {
        sendJson(res, 404, { error: `no incident ${id}` });
        return true;
      }
      const ids = [...new Set(record.incident.signals.map((s) => s.seriesId))];
      const store = deps.incidents;
      const recent = new Map(await Promise.all(ids.map(async (sid) => [sid, await store.recent(sid)] as const)));
      sendJson(res, 200, { signals: incidentSeries(record, recent) });
      return true;
    }
    return false;
  };
}
