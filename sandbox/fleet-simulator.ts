import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceSpecSchema, type Service } from './fleet-api.ts';

/**
 * The fleet simulator plays the cloud for the sandbox stack: it holds the
 * services that the sandbox dynamic provider creates, updates and deletes.
 * It is a real HTTP server on loopback, so the Pulumi engine drives it through
 * the same provider protocol it uses for any cloud.
 */
export interface FleetSimulator {
  /** Base URL, for example `http://127.0.0.1:41234`. */
  readonly url: string;
  services(): Service[];
  /**
   * Changes a service behind the engine's back, as an operator with console
   * access would; refresh and drift detection must notice it.
   */
  tamper(id: string, patch: Partial<Pick<Service, 'capacity' | 'instanceSize' | 'version'>>): Service;
  /**
   * Tells `listener` about every tamper, as the cloud's audit trail would
   * (the sandbox turns it into a change event, `sandbox/change-events.ts`).
   */
  onTamper(listener: (change: TamperChange) => Promise<void> | void): void;
  /** Resolves when every listener told so far has finished; rejects with the first that failed. */
  tamperReported(): Promise<void>;
  /** Makes every change (create, update, delete) take this long, like a slow cloud API; default 0. */
  setChangeDelay(ms: number): void;
  /** The most changes that were ever under way at once: above 1 means two updates overlapped. */
  maxConcurrentChanges(): number;
  close(): Promise<void>;
}

/** A change made behind the engine's back: the service before and after, and the fields set. */
export interface TamperChange {
  before: Service;
  after: Service;
  patch: Partial<Pick<Service, 'capacity' | 'instanceSize' | 'version'>>;
  at: Date;
}

export interface FleetSimulatorOptions {
  /** Port to listen on; default 0 (a free port chosen by the kernel). */
  port?: number;
  /** Address to bind; default `127.0.0.1`. */
  host?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Starts a fleet simulator; resolves once it listens. */
export async function startFleetSimulator(options: FleetSimulatorOptions = {}): Promise<FleetSimulator> {
  const byId = new Map<string, Service>();
  let changeDelayMs = 0;
  const tamperListeners: ((change: TamperChange) => Promise<void> | void)[] = [];
  /** Listeners under way: a rejection is kept for tamperReported(), never left unhandled. */
  const reports: Promise<void>[] = [];
  let changing = 0;
  let maxChanging = 0;
  const changeDelay = () => (changeDelayMs > 0 ? new Promise((r) => setTimeout(r, changeDelayMs)) : Promise.resolve());
  /** Runs one change, counting how many are under way at once. */
  async function change<T>(fn: () => T): Promise<T> {
    changing += 1;
    maxChanging = Math.max(maxChanging, changing);
    try {
      await changeDelay();
      return fn();
    } finally {
      changing -= 1;
    }
  }

  function parseSpec(body: unknown) {
    const parsed = ServiceSpecSchema.safeParse(body);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw new HttpError(400, `invalid service: ${fields.join('; ')}`);
    }
    return parsed.data;
  }

  function find(id: string): Service {
    const svc = byId.get(id);
    if (!svc) throw new HttpError(404, `no service with id ${id}`);
    return svc;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fleet');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'services') throw new HttpError(404, `no route ${url.pathname}`);
    const id = parts[1];
    if (id === undefined) {
      if (req.method === 'GET') return send(res, 200, [...byId.values()]);
      if (req.method === 'POST') {
        const spec = parseSpec(await readJson(req));
        const svc = await change(() => {
          const now = new Date().toISOString();
          const created: Service = { ...spec, id: `svc-${randomUUID()}`, createdAt: now, updatedAt: now, generation: 1 };
          byId.set(created.id, created);
          return created;
        });
        return send(res, 201, svc);
      }
    } else {
      if (req.method === 'GET') return send(res, 200, find(id));
      if (req.method === 'PUT') {
        const spec = parseSpec(await readJson(req));
        const svc = await change(() => {
          const prev = find(id);
          const updated: Service = { ...prev, ...spec, updatedAt: new Date().toISOString(), generation: prev.generation + 1 };
          byId.set(id, updated);
          return updated;
        });
        return send(res, 200, svc);
      }
      if (req.method === 'DELETE') {
        await change(() => {
          find(id);
          byId.delete(id);
        });
        return send(res, 204);
      }
    }
    throw new HttpError(405, `${req.method} not allowed on ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;

  return {
    url: `http://${addr.address}:${addr.port}`,
    services: () => [...byId.values()],
    tamper(id, patch) {
      const prev = find(id);
      const svc = { ...prev, ...patch, updatedAt: new Date().toISOString(), generation: prev.generation + 1 };
      byId.set(id, svc);
      const change: TamperChange = { before: prev, after: svc, patch, at: new Date() };
      for (const l of tamperListeners) {
        const report = Promise.resolve().then(() => l(change));
        report.catch(() => {});
        reports.push(report);
      }
      return svc;
    },
    onTamper(listener) {
      tamperListeners.push(listener);
    },
    async tamperReported() {
      const pending = reports.splice(0);
      await Promise.all(pending);
    },
    setChangeDelay(ms) {
      changeDelayMs = ms;
    },
    maxConcurrentChanges: () => maxChanging,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
