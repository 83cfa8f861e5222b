import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lint rule for pure folders does not cover orchestrator/telemetry (mixed folder), so this pins its pure files. */
const PURE = [
  'series.ts', 'period-window.ts', 'query-batch.ts', 'datapoints.ts', 'backoff.ts', 'error-kind.ts', 'retry.ts',
  'signal-health.ts', 'alarm-state.ts', 'anomaly.ts', 'event-channel.ts', 'metrics-reader.ts', 'telemetry-store.ts', 'telemetry-poller.ts', 'anomaly-stage.ts',
  'forecast-stage.ts',
];
const DIR = join(import.meta.dirname, '../../../orchestrator/telemetry');

describe('telemetry: pure files do no I/O', () => {
  for (const file of PURE) {
    it(file, () => {
      const src = readFileSync(join(DIR, file), 'utf8');
      const imports = [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
      for (const spec of imports) {
        assert.ok(spec.startsWith('./') || spec.startsWith('../') || spec === 'zod', `${file} imports ${spec}`);
        assert.ok(!/^node:|ioredis|bullmq|@aws-sdk/.test(spec), `${file} imports ${spec}`);
      }
      for (const spec of imports.filter((s) => s.startsWith('../'))) assert.match(spec, /^\.\.\/(detect\/index|forecast\/index|correlate\/predicted-breach|\.\.\/stacks\/contract)\.ts$/, `${file} imports ${spec}`);
    });
  }
});
