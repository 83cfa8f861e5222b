import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { createStackRunner, type StackRunner } from '../../../orchestrator/engine/stack-runner.ts';
import { PROJECT_ROOT, resolveToolchain } from '../../../orchestrator/runtime/toolchain.ts';

/**
 * `apply` is one `pulumi up`: a preview, then the update. The engine numbers
 * the events of each from 0, and every one of them must reach the caller,
 * in order, whatever the timing: the summary, the audit trail and the
 * program's output are made of them.
 */
const PROGRAM = `
const pulumi = require('@pulumi/pulumi');
console.log('PROGRAM-RAN');
for (let i = 0; i < 40; i++) new pulumi.ComponentResource('probe:index:Part', 'part-' + i);
module.exports = { parts: 40 };
`;

describe('engine: apply passes on every event of its preview and of its update', function () {
  this.timeout(180_000);
  let root: string;
  let runner: StackRunner;
  let workDir: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'homeostat-apply-events-'));
    workDir = join(root, 'probe');
    mkdirSync(workDir);
    mkdirSync(join(root, 'state'));
    writeFileSync(join(workDir, 'Pulumi.yaml'), 'name: eventprobe\nruntime: nodejs\n');
    writeFileSync(join(workDir, 'package.json'), JSON.stringify({ name: 'eventprobe', main: 'index.js' }));
    writeFileSync(join(workDir, 'index.js'), PROGRAM);
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir');
    const toolchain = resolveToolchain();
    runner = await createStackRunner({ pulumiDir: toolchain.pulumiDir, backendUrl: `file://${join(root, 'state')}`, passphrase: 'apply-events-passphrase', policyPacks: [], plugins: { mode: 'off' }, env: toolchain.engineEnv });
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The events split where the numbering starts again. */
  function phases(events: EngineEvent[]): EngineEvent[][] {
    const out: EngineEvent[][] = [];
    for (const e of events) {
      if (e.sequence === 0) out.push([]);
      out.at(-1)?.push(e);
    }
    return out;
  }

  for (const round of ['first apply (everything created)', 'second apply (nothing to do)']) {
    it(`${round}: two phases, each numbered from 0 without a gap, each with its prelude, the program's output and its summary`, async () => {
      const events: EngineEvent[] = [];
      const result = await runner.run('apply', { workDir, stack: 'probe' }, { onEvent: (e) => events.push(e) });
      assert.equal(result.ok, true, result.error);
      assert.equal(events[0]?.sequence, 0, 'the first event the engine sent');
      const [preview, update, ...more] = phases(events);
      assert.deepEqual(more, []);
      for (const [name, phase] of [['preview', preview], ['update', update]] as const) {
        assert.ok(phase, `the ${name}'s events`);
        assert.deepEqual(phase.map((e) => e.sequence), phase.map((_, i) => i), `the ${name}'s events, in order, none missing`);
        assert.ok(phase[0]?.preludeEvent, `the ${name} begins with its prelude`);
        assert.ok(phase.some((e) => e.summaryEvent), `the ${name} ends with its summary`);
        assert.ok(phase.some((e) => e.diagnosticEvent?.message.includes('PROGRAM-RAN')), `the program's output in the ${name}`);
      }
      assert.equal(result.summary.resources.length, 40, 'the summary counts every declared resource once');
    });
  }
});
