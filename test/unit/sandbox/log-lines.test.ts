import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFleetModel, type ServiceShape } from '../../../sandbox/fleet-model.ts';
import { logLinesOf, sandboxLogGroup } from '../../../sandbox/log-lines.ts';
import { BAD_RELEASE_VERSION, fleetSamplesAt, historySamples, scenario, type ServiceSample } from '../../../sandbox/scenarios.ts';
import { createLogSignals, isErrorLine, type NewTemplateEvent } from '../../../orchestrator/logs/log-signals.ts';

const SEED = 7;
const svc: ServiceShape = { name: 'checkout', capacity: 2, instanceSize: 'medium', version: 'v1.0.0' };

/** Mines the lines of `samples` as the service would read them (history first); returns the templates reported new. */
function mine(samples: readonly ServiceSample[], badFrom = Infinity): NewTemplateEvent[] {
  const signals = createLogSignals();
  return samples.flatMap((s) => {
    const running = s.minute >= badFrom ? { version: BAD_RELEASE_VERSION, bad: true } : { version: svc.version, bad: false };
    const events = logLinesOf(s, running, SEED).map((l, i) => ({ logStreamName: 'checkout-1', eventId: `${s.minute}-${i}`, timestamp: (s.minute + 300) * 60_000 + Math.floor(l.at * 60_000), message: l.message }));
    return signals.ingest({ stackKey: 'infra/./sandbox', logGroupId: 'app', group: sandboxLogGroup(svc.name), events });
  });
}

describe('sandbox log lines', () => {
  const model = createFleetModel({ seed: SEED });
  // What the service reads at the least: the last hour of history (the read's overlap), then the run.
  const history = historySamples(model, [svc], 60);

  it('names the log group the sandbox stack\'s contract names', () => {
    const program = readFileSync(join(import.meta.dirname, '..', '..', '..', 'stacks', 'sandbox', 'index.ts'), 'utf8');
    assert.ok(program.includes("name: `/homeostat/sandbox/${cfg.serviceName}`"));
    assert.equal(sandboxLogGroup('checkout'), '/homeostat/sandbox/checkout');
  });

  it('writes the same lines for the same seed, sample and version', () => {
    const s = history[0]!;
    assert.deepEqual(logLinesOf(s, { version: 'v1', bad: false }, SEED), logLinesOf(s, { version: 'v1', bad: false }, SEED));
    assert.notDeepEqual(logLinesOf(s, { version: 'v1', bad: false }, SEED), logLinesOf(s, { version: 'v1', bad: false }, SEED + 1));
  });

  it('after a bad release, logs one error template never seen before, naming the version', () => {
    const sc = scenario('bad-release');
    const run = Array.from({ length: 30 }, (_, m) => fleetSamplesAt(model, [{ ...svc, version: m >= 10 ? BAD_RELEASE_VERSION : svc.version }], m, sc)).flat();
    const fresh = mine([...history, ...run], 10);
    assert.equal(fresh.length, 1, JSON.stringify(fresh));
    assert.ok(isErrorLine(fresh[0]!.line));
    assert.match(fresh[0]!.template, /^ERROR TypeError: Cannot read properties of undefined .* in <\*> request <\*>$/);
    assert.match(fresh[0]!.line, / in v1\.1\.0 request \d+$/);
    assert.ok(fresh[0]!.at >= (10 + 300) * 60_000);
  });

  for (const name of ['traffic-spike', 'slow-saturation', 'disk-fill', 'false-alarm'] as const) {
    it(`logs no new error template in ${name}: its errors are the ordinary upstream failures, more of them`, () => {
      const sc = scenario(name);
      const run = Array.from({ length: 60 }, (_, m) => fleetSamplesAt(model, [svc], m, sc)).flat();
      const fresh = mine([...history, ...run]);
      assert.deepEqual(fresh.filter((f) => isErrorLine(f.line)), []);
    });
  }
});
