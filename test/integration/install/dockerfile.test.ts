import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { deployTools, missingTool } from '../../support/deploy-tools.ts';

const run = promisify(execFile);
const DOCKERFILE = join(PROJECT_ROOT, 'deploy', 'docker', 'Dockerfile');

// What scripts/dockerfile-check prints: BuildKit's own parse of the file.
const InstructionSchema = z.object({
  keyword: z.string(),
  original: z.string(),
  args: z.array(z.string()),
  flags: z.array(z.string()),
  line: z.number(),
  healthcheck: z.object({ test: z.array(z.string()), intervalNs: z.number(), timeoutNs: z.number(), startPeriodNs: z.number(), retries: z.number() }).optional(),
});
const ParsedSchema = z.object({
  metaArgs: z.record(z.string(), z.string()),
  stages: z.array(z.object({ name: z.string(), baseName: z.string(), instructions: z.array(InstructionSchema) })),
  warnings: z.array(z.string()),
});
type Parsed = z.infer<typeof ParsedSchema>;

async function parseDockerfile(file: string): Promise<Parsed> {
  const { stdout } = await run(deployTools().dockerfileCheck, [file]);
  return ParsedSchema.parse(JSON.parse(stdout));
}

/** Refused by BuildKit: the error message, or a failure when it was accepted. */
async function refusal(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'homeostat-dockerfile-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), text);
    await run(deployTools().dockerfileCheck, [join(dir, 'Dockerfile')]);
  } catch (err) {
    return (err as { stderr: string }).stderr;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  throw new Error('BuildKit accepted it');
}

describe('the container image definition (deploy/docker/Dockerfile), read by BuildKit\'s parser', function () {
  let parsed: Parsed;
  const pkg = async () => z.object({ dependencies: z.record(z.string(), z.string()), homeostat: z.object({ node: z.object({ version: z.string() }) }) }).parse(JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')));
  const runtime = () => parsed.stages.at(-1)!;
  const all = (keyword: string) => runtime().instructions.filter((i) => i.keyword === keyword);

  before(async function () {
    const missing = missingTool([deployTools().dockerfileCheck]);
    if (missing) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    parsed = await parseDockerfile(DOCKERFILE);
  });

  it('parses, and BuildKit\'s build checks find nothing', () => {
    assert.deepEqual(parsed.warnings, []);
  });

  it('builds in three stages: the engine from Go sources, the npm dependencies, and a runtime that copies their results', () => {
    assert.deepEqual(parsed.stages.map((s) => s.name), ['engine', 'deps', 'runtime']);
    assert.match(parsed.stages[0]!.baseName, /^golang:/);
    const engineRuns = parsed.stages[0]!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' ')).join('\n');
    assert.match(engineRuns, /go build .*-o \/out\/bin\/pulumi github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi/);
    assert.match(engineRuns, /go build .*-o \/out\/bin\/pulumi-language-nodejs \.\/cmd\/pulumi-language-nodejs/);
    const froms = all('COPY').flatMap((c) => c.flags.filter((f) => f.startsWith('--from=')));
    assert.deepEqual(froms.sort(), ['--from=deps', '--from=engine']);
  });

  it('installs the npm dependencies without dev dependencies and without install scripts', () => {
    const npm = parsed.stages[1]!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' '));
    assert.ok(npm.some((cmd) => /npm ci\b/.test(cmd) && cmd.includes('--omit=dev') && cmd.includes('--ignore-scripts')), npm.join('\n'));
  });

  it('pins the engine and Node.js at the versions package.json pins', async () => {
    const p = await pkg();
    assert.equal(parsed.metaArgs.PULUMI_VERSION, `v${p.dependencies['@pulumi/pulumi']}`);
    assert.equal(parsed.metaArgs.NODE_VERSION, p.homeostat.node.version);
  });

  it('runs as a non-root user, by number so that Kubernetes can check runAsNonRoot', () => {
    const users = all('USER');
    assert.ok(users.length > 0, 'no USER in the runtime stage');
    const last = users.at(-1)!.args[0]!;
    assert.match(last, /^[1-9][0-9]*(:[1-9][0-9]*)?$/, `USER ${last}`);
    // Nothing after the USER line runs as root again.
    const lastUserLine = users.at(-1)!.line;
    assert.ok(!runtime().instructions.some((i) => i.keyword === 'RUN' && i.line > lastUserLine), 'a RUN after USER');
  });

  it('has a HEALTHCHECK that asks /healthz through the bundled script, and the script is copied in', () => {
    const checks = all('HEALTHCHECK');
    assert.equal(checks.length, 1);
    const hc = checks[0]!.healthcheck!;
    assert.deepEqual(hc.test, ['CMD', 'node', '/app/deploy/docker/healthcheck.mjs']);
    assert.ok(hc.intervalNs > 0 && hc.timeoutNs > 0 && hc.retries > 0);
    assert.ok(all('COPY').some((c) => c.args[0] === 'deploy/docker/healthcheck.mjs'));
  });

  it('starts homeostat serve under tini with the mounted config', () => {
    assert.deepEqual(all('ENTRYPOINT')[0]!.args, ['/usr/bin/tini', '--', 'node', '/app/orchestrator/cli/bin.mjs']);
    assert.deepEqual(all('CMD')[0]!.args, ['serve', '--config', '/etc/homeostat/config.yaml']);
  });

  it('bakes in no secret: no ENV or ARG named like one, and no secret file copied', () => {
    const secretLike = /(TOKEN|SECRET|PASSWORD|PASSPHRASE|CREDENTIAL|PRIVATE_KEY|AWS_ACCESS)/i;
    for (const stage of parsed.stages) {
      for (const i of stage.instructions.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) {
        assert.ok(!secretLike.test(i.args.join(' ')), `line ${i.line}: ${i.original}`);
      }
    }
    for (const c of parsed.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      assert.ok(!c.args.some((a) => /(\.env|\.pem|\.key|id_rsa|config\.ya?ml)$/.test(a)), c.original);
    }
  });

  it('copies only paths that exist in the repository and that its .dockerignore lets into the context', async () => {
    const ignore = (await readFile(`${DOCKERFILE}.dockerignore`, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = parsed.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'COPY' && !i.flags.some((f) => f.startsWith('--from='))).flatMap((i) => i.args.slice(0, -1));
    assert.ok(sources.length > 5);
    for (const src of sources) {
      assert.ok(existsSync(join(PROJECT_ROOT, src)), `COPY ${src}: not in the repository`);
      assert.ok(allowed.some((a) => src === a || src.startsWith(`${a}/`)), `COPY ${src}: excluded by Dockerfile.dockerignore`);
    }
  });

  it('is refused by BuildKit when an instruction is wrong, so these checks can fail', async () => {
    assert.match(await refusal('FROM node:24\nHEALTHCHECK --intervl=30s CMD true\n'), /unknown flag: --intervl/);
    assert.match(await refusal('FROM node:24\nCOPYY a b\n'), /unknown instruction: COPYY/i);
    const lint = await parseDockerfile(await (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'homeostat-dockerfile-'));
      await writeFile(join(dir, 'Dockerfile'), 'from node:24 AS build\nRUN true\n');
      return join(dir, 'Dockerfile');
    })());
    assert.ok(lint.warnings.some((w) => w.startsWith('FromAsCasing')), lint.warnings.join('\n'));
  });
});
