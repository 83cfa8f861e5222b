import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, on a registry of their own (served at /metrics). */
export function createMetrics(queueDepths: () => Promise<Record<string, Record<string, number>>>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'homeostat_process_' });
  const runDuration = new Histogram({
    name: 'homeostat_run_duration_seconds',
    help: 'Duration of engine runs by kind (preview, up)',
    labelNames: ['kind'] as const,
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const runResults = new Counter({
    name: 'homeostat_runs_total',
    help: 'Finished runs by status and reason',
    labelNames: ['status', 'reason'] as const,
    registers: [registry],
  });
  const webhookRejects = new Counter({
    name: 'homeostat_webhook_rejects_total',
    help: 'Webhook deliveries refused, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'homeostat_webhooks_total',
    help: 'Webhook deliveries by outcome (queued, duplicate, ignored, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const builds = new Counter({
    name: 'homeostat_program_builds_total',
    help: 'Programs and policy packs compiled (not reused from the build cache), by target (program, policy-pack) and what the build found (compiled; plain JavaScript, run as it is)',
    labelNames: ['target', 'kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'homeostat_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, counts] of Object.entries(await queueDepths())) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    },
  });
  return { registry, runDuration, runResults, webhookRejects, webhooks, builds };
}
export type Metrics = ReturnType<typeof createMetrics>;
