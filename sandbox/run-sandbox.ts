import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { patchConfigValue } from '../remediations/yaml-patch.ts';
import { StackContractSchema } from '../stacks/contract.ts';
import { loadServiceConfig } from '../orchestrator/config/service-config.ts';
import { createRedis } from '../orchestrator/queue/redis.ts';
import type { RunRecord } from '../orchestrator/records/run-record.ts';
import { createRunStore, type RunStore } from '../orchestrator/records/run-store.ts';
import { startMoto, startRedis } from '../orchestrator/runtime/local-services.ts';
import { untilSignalled } from '../orchestrator/runtime/signals.ts';
import { PROJECT_ROOT } from '../orchestrator/runtime/toolchain.ts';
import { startService } from '../orchestrator/service/service.ts';
import { createCloudWatchClient } from '../orchestrator/telemetry/cloudwatch-reader.ts';
import { timelineEvent, type TimelineEvent, type TimelineSink } from '../orchestrator/timeline/timeline-event.ts';
import { createAlarmEvaluator } from './alarm-rules.ts';
import { createCloudAlarms } from './cloud-alarms.ts';
import { createFleetModel } from './fleet-model.ts';
import { callGraphMinuteOf, createFleetTraces } from './fleet-traces.ts';
import { startFleetSimulator } from './fleet-simulator.ts';
import { reportTampers, SANDBOX_CONSOLE_USER } from './change-events.ts';
import { deployBranchOf, remediationCommits } from './git-history.ts';
import { createLocalRepo, type LocalRepo } from './local-repo.ts';
import { createMetricsPublisher } from './metrics-publisher.ts';
import { createLogPublisher } from './log-publisher.ts';
import { createCloudWatchLogsClient } from '../orchestrator/logs/cloudwatch-logs-reader.ts';
import { announcePush, ZERO_COMMIT } from './push-webhook.ts';
import { SANDBOX_REPO_ID, SANDBOX_STACK_KEY, SANDBOX_TRACED_SERVICE, sandboxConfigDoc } from './sandbox-config.ts';
import { startSandboxOperator, type SandboxOperator } from './sandbox-operator.ts';
import { startScenarioPlayer, type ScenarioPlayer } from './scenario-player.ts';
import { readServiceRecords } from './service-records.ts';
import { sandboxPlan, type SandboxPlan } from './scenario-plan.ts';
import type { ServiceSample } from './scenarios.ts';
import type { MinuteRecord, Verdict } from './observations.ts';
import { judge } from './scenario-verdict.ts';
import { clockOfTimeline, liveTimeline, MINUTE_MS, parseMinuteLength, type SimClock } from './sim-clock.ts';

export const DEFAULT_SCENARIO = 'traffic-spike';

/** Healthy history published before the run: more than the detectors' warm-up (150 points). */
export const DEFAULT_BACKFILL_MINUTES = 240;

export interface SandboxOptions {
  /** Data folder for this run (repositories, state); default `<project>/.homeostat/sandbox`. */
  dataDir?: string;
  /** Exit once the scenario's outcome is known, instead of serving until Ctrl-C. */
  once?: boolean;
  /** Scenario to play (scenarios.ts `SCENARIO_NAMES`); default `traffic-spike`. */
  scenario?: string;
  /** Real seconds per simulated minute: 1, 5, 10, 30 or 60; default 1. */
  minuteSeconds?: number;
  /** Minutes of healthy history published before the run; default {@link DEFAULT_BACKFILL_MINUTES}. */
  backfillMinutes?: number;
  /** The run's seed: the fleet model's noise and the false alarm's blip length; a whole number from 0, default 1 (scenarios.ts `DEFAULT_SEED`). */
  seed?: number;
  /** Where the stacks, policies and package files are copied from; default the project. */
  projectRoot?: string;
  emit: TimelineSink;
}

const STACK_FILE = join('stacks', 'Pulumi.sandbox.yaml');
const PERIOD_KEY = 'sandbox:metricPeriodSeconds';
const PERSON = { name: 'Dana Developer', email: 'dana@sandbox.local' };
/** Who decides review items in a scripted run. */
const ON_CALL = 'Sam (on call)';
/** Dummy credentials for moto; the SDK's standard chain reads them, in this process and the engine's. */
const MOTO_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };

/** Sets environment variables; returns how to put them back. */
function setEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Sets `key` in a stack file: changes its line, or adds one at the top of `config:`. */
function setStackConfig(text: string, key: string, value: number | string): string {
  if (new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`, 'm').test(text)) return patchConfigValue(text, key, value);
  if (!/^config:\s*$/m.test(text)) throw new Error(`${STACK_FILE} has no config: section`);
  return text.replace(/^config:\s*$/m, (line) => `${line}\n  ${key}: ${value}`);
}

/** Waits for the sandbox stack's finished deploy of `commit`. */
async function waitForDeploy(store: RunStore, commit: string, timeoutMs: number): Promise<RunRecord> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
    const run = (await store.list({ stackKey: SANDBOX_STACK_KEY, limit: 20 })).find((r) => r.commit === commit && r.mode === 'deploy' && r.status !== 'running' && r.status !== 'skipped');
    if (run) return run;
  }
  throw new Error(`the deploy of ${commit.slice(0, 12)} did not finish within ${Math.round(timeoutMs / 60_000)} minutes`);
}

/**
 * The sandbox: the whole loop on this machine. Redis, moto (CloudWatch), a
 * fleet simulator playing the cloud, a local Git remote with the stacks, and
 * the Homeostat service itself (webhooks, queues, workers, the real engine
 * on a file backend, telemetry and remediation). The stacks are pushed and
 * deployed; then a simulated clock starts, the fleet's metrics flow to
 * CloudWatch, and a scenario plays. The run is judged from the service's
 * records (remediations, review items, audit log), the Git history and the
 * fleet's metrics (scenario-verdict.ts).
 *
 * @returns the exit code: 0 when the scenario ended as expected, 1 when not, 130 when interrupted.
 */
export async function runSandbox(options: SandboxOptions): Promise<number> {
  // Bad input is refused before anything starts.
  const plan: SandboxPlan = sandboxPlan(options.scenario ?? DEFAULT_SCENARIO, options.seed === undefined ? {} : { seed: options.seed });
  const minuteSeconds = parseMinuteLength(options.minuteSeconds ?? 1);
  const backfillMinutes = options.backfillMinutes ?? DEFAULT_BACKFILL_MINUTES;
  if (!Number.isInteger(backfillMinutes) || backfillMinutes < 0) throw new Error(`invalid backfill: ${backfillMinutes} minutes`);
  const dataDir = options.dataDir ?? join(PROJECT_ROOT, '.homeostat', 'sandbox');
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;

  const events: TimelineEvent[] = [];
  let clock: SimClock | undefined;
  // Every event is kept for the verdict; once the clock runs, each carries its simulated minute.
  const emit: TimelineSink = (e) => {
    events.push(e);
    const simMinute = clock ? Math.floor(clock.simMsAt(Date.parse(e.at)) / MINUTE_MS) : undefined;
    options.emit(simMinute === undefined ? e : { ...e, details: { ...e.details, simMinute } });
  };

  const started: { stop(): Promise<void> | void }[] = [];
  // Temporary files (Redis's folder, the engine's event logs) stay in the data folder too.
  const tmp = join(dataDir, 'tmp');
  const restoreEnv = setEnv({ ...MOTO_ENV, TMPDIR: tmp });
  let player: ScenarioPlayer | undefined;
  let operator: SandboxOperator | undefined;
  try {
    // Every sandbox starts from nothing: no state, no repositories left from a previous one.
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const [redis, moto] = await Promise.all([startRedis(), startMoto()]);
    started.push(redis, moto);
    const fleet = await startFleetSimulator();
    started.push({ stop: () => fleet.close() });
    emit(timelineEvent('service', `redis on ${redis.url}, CloudWatch (moto) on ${moto.url}, fleet simulator on ${fleet.url}`));

    // The Git remote, with the stacks; the sandbox stack reports one metric period per simulated minute.
    const repo: LocalRepo = await createLocalRepo(join(dataDir, 'git'), projectRoot);
    const stackFile = join(repo.workDir, STACK_FILE);
    await writeFile(stackFile, setStackConfig(await readFile(stackFile, 'utf8'), PERIOD_KEY, minuteSeconds));

    // A scenario that changes the fleet in the console gets the change-event route (EventBridge rule → SQS) on moto.
    const changeRoute = plan.scenario.tamper ? await reportTampers(fleet, { endpoint: moto.url, region: MOTO_ENV.AWS_REGION, name: 'homeostat-changes' }) : undefined;
    if (changeRoute) started.push({ stop: () => changeRoute.close() });

    // A fresh sandbox gets fresh secrets; they live in this process only.
    // The API tokens too: one for you at the dashboard (printed once, below), one for the scripted stand-in approver.
    const secrets = {
      SANDBOX_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
      SANDBOX_PASSPHRASE: randomBytes(24).toString('base64url'),
      SANDBOX_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      SANDBOX_ON_CALL_TOKEN: randomBytes(24).toString('base64url'),
      SANDBOX_TRACES_TOKEN: randomBytes(24).toString('base64url'),
    };
    const doc = sandboxConfigDoc({
      redisUrl: redis.url,
      motoUrl: moto.url,
      dataDir: join(dataDir, 'data'),
      stateDir: join(dataDir, 'state'),
      fleetUrl: fleet.url,
      remote: repo.remote,
      minuteSeconds,
      backfillMinutes,
      secretEnv: { webhook: 'SANDBOX_WEBHOOK_SECRET', passphrase: 'SANDBOX_PASSPHRASE', adminToken: 'SANDBOX_ADMIN_TOKEN', onCallToken: 'SANDBOX_ON_CALL_TOKEN' },
      onCallName: ON_CALL,
      ...(changeRoute ? { changeEvents: { queueUrl: changeRoute.queueUrl, endpoint: moto.url, region: MOTO_ENV.AWS_REGION } } : {}),
      tracesTokenEnv: 'SANDBOX_TRACES_TOKEN',
    });
    const config = loadServiceConfig({ ...doc, shutdownGraceSeconds: 5 }, secrets);
    const service = await startService(config, { emit });
    started.push(service);
    const dashboard = `${service.url}/dashboard`;
    // The admin token goes to the terminal only (stderr), never into the timeline, logs or audit log.
    process.stderr.write(`homeostat sandbox: dashboard ${dashboard}, API token (admin, this run only): ${secrets.SANDBOX_ADMIN_TOKEN}\n`);
    emit(timelineEvent('service', `homeostat serving on ${service.url} (dashboard: ${dashboard}, API: ${service.url}/api/runs; Node.js ${service.runtime.node}, Pulumi ${service.runtime.engine})`, { details: { node: service.runtime.node, engine: service.runtime.engine } }));

    const announce = (before: string, after: string) =>
      announcePush({ serviceUrl: service.url!, repoId: SANDBOX_REPO_ID, secret: secrets.SANDBOX_WEBHOOK_SECRET, remote: repo.remote, branch: 'main', before, after });

    // push → preview → policy → apply of the initial stacks.
    const initial = await repo.commitAndPush('Initial stacks');
    emit(timelineEvent('push', 'initial stacks pushed to main', { commit: initial }));
    await announce(ZERO_COMMIT, initial);
    const storeRedis = createRedis(redis.url);
    started.push({ stop: () => storeRedis.quit().then(() => undefined) });
    const store = createRunStore(storeRedis, 'sandbox');
    const run = await waitForDeploy(store, initial, 10 * 60_000);
    if (run.status !== 'applied') throw new Error(`the initial deploy ${run.status}: ${run.reason ?? ''} ${run.message ?? ''}`.trim());
    emit(timelineEvent('service', `fleet runs ${fleet.services().map((s) => `${s.name} (capacity ${s.capacity}, ${s.instanceSize}, ${s.version})`).join(', ') || 'nothing'}`));

    // The metrics must come in the period the stack tells Homeostat to read.
    const contract = StackContractSchema.safeParse((await store.status(SANDBOX_STACK_KEY)).outputs?.homeostat);
    const periods = contract.success ? [...new Set(contract.data.healthSignals.map((s) => s.period))] : [];
    if (periods.length !== 1 || periods[0] !== minuteSeconds) {
      throw new Error(`the sandbox stack declares health signals with period ${periods.join(', ') || '(none)'} s, but a simulated minute lasts ${minuteSeconds} s here (${PERIOD_KEY})`);
    }

    // The clock starts: healthy history first, so the detectors have a baseline, then one minute at a time.
    const cw = createCloudWatchClient({ endpoint: moto.url, region: MOTO_ENV.AWS_REGION, disableRequestCompression: true });
    started.push({ stop: () => cw.destroy() });
    const timeline = liveTimeline(Date.now(), minuteSeconds);
    const simClock = clockOfTimeline(timeline, Date.now);
    const model = createFleetModel({ seed: plan.seed });
    const publisher = createMetricsPublisher({ client: cw, timeline });
    const alarms = createCloudAlarms({ client: cw, periodSeconds: minuteSeconds });
    // The fleet's call graph sends its spans, as the services' SDKs would, to the service's receiver.
    const spans = createFleetTraces({ url: `${service.url}/v1/traces`, token: secrets.SANDBOX_TRACES_TOKEN });
    started.push({ stop: () => spans.shutdown() });
    const sendSpans = (samples: readonly ServiceSample[]) => {
      for (const s of samples) {
        if (s.serviceName !== SANDBOX_TRACED_SERVICE) continue;
        spans.emitMinute(callGraphMinuteOf(s, plan.scenario.effectAt(s.minute).latencyMultiplier, plan.scenario.slowDependency, publisher.timestampOf(s.minute), minuteSeconds * 1000));
      }
    };
    const names = fleet.services().map((s) => s.name);
    await alarms.define(names);
    await publisher.backfill(model, fleet.services(), backfillMinutes);
    // The services' logs beside their metrics: the same healthy history, then each minute's lines.
    const cwLogs = createCloudWatchLogsClient({ endpoint: moto.url, region: MOTO_ENV.AWS_REGION });
    started.push({ stop: () => cwLogs.destroy() });
    const logPublisher = createLogPublisher({ client: cwLogs, timeline, seed: plan.seed });
    await logPublisher.backfill(model, fleet.services(), backfillMinutes);
    clock = simClock;
    const sc = plan.scenario;
    emit(
      timelineEvent('service', `clock started: one simulated minute every ${minuteSeconds} s, ${backfillMinutes} minutes of healthy history published; seed ${plan.seed}; scenario ${sc.name}: ${sc.description}, from minute ${sc.release?.atMinute ?? sc.onsetMinute}; expected: ${plan.expected.description}; judged at minute ${plan.horizonMinute}`, {
        details: { scenario: sc.name, seed: plan.seed, minuteSeconds, backfillMinutes, expected: plan.expected, faultMinutes: sc.durationMinutes, horizonMinute: plan.horizonMinute },
      }),
    );

    // Nobody watches the dashboard in a scripted run: a stand-in decides review items.
    if (options.once) {
      operator = startSandboxOperator({ serviceUrl: service.url!, token: secrets.SANDBOX_ON_CALL_TOKEN, emit, name: ON_CALL, thinkMs: 3 * minuteSeconds * 1000 });
      emit(timelineEvent('service', `review items are decided by ${ON_CALL}, a stand-in for the person at the dashboard: approves every review item after 3 simulated minutes, whatever it proposes`));
    }

    // The scenario plays; each minute the run is judged, until its outcome is known.
    const minutes: MinuteRecord[] = [];
    let verdict: Verdict | undefined;
    let decided: (v: Verdict) => void = () => {};
    const outcome = new Promise<Verdict>((resolve) => (decided = resolve));
    const startedAt = Date.now();
    const bad = new Set(sc.badVersions);
    const runningOf = (name: string) => {
      const version = fleet.services().find((s) => s.name === name)?.version ?? '';
      return { version, bad: bad.has(version) };
    };
    player = startScenarioPlayer({
      clock: simClock,
      model,
      scenario: sc,
      services: () => fleet.services(),
      publish: (samples) => {
        sendSpans(samples);
        return Promise.all([publisher.publish(samples), logPublisher.publish(samples, runningOf)]);
      },
      alarms: { evaluator: createAlarmEvaluator(), apply: (t) => alarms.apply(t) },
      // A person releases the scenario's version: a commit to the stack file, pushed and announced like any other.
      release: async (version, minute) => {
        const before = await repo.pull();
        await writeFile(stackFile, patchConfigValue(await readFile(stackFile, 'utf8'), 'sandbox:version', version));
        const commit = await repo.commitAndPush(`Release ${version}`, PERSON);
        emit(timelineEvent('push', `${PERSON.name} released ${version} (sandbox:version) at minute ${minute}`, { stack: 'sandbox', commit }));
        await announce(before, commit);
      },
      // A person changes the fleet in the console, outside Git; the cloud's audit trail reports it (reportTampers).
      tamper: async (patch, minute) => {
        for (const s of fleet.services()) {
          fleet.tamper(s.id, patch);
          emit(timelineEvent('service', `${SANDBOX_CONSOLE_USER} set ${s.name}'s capacity from ${s.capacity} to ${patch.capacity} in the console, outside Git (minute ${minute})`, { stack: 'sandbox' }));
        }
        await fleet.tamperReported();
      },
      onError: (what, err) => emit(timelineEvent('error', `${what}: ${err.message}`)),
      onMinute: async (record, transitions) => {
        const prev = minutes.at(-1);
        minutes.push(record);
        if (!sc.release && record.minute === sc.onsetMinute) emit(timelineEvent('service', `fault: ${sc.description} (minute ${record.minute})`, { stack: 'sandbox' }));
        if (record.services.some((s) => bad.has(s.version)) && !prev?.services.some((s) => bad.has(s.version))) {
          emit(timelineEvent('service', `fault: the fleet runs ${record.services.map((s) => s.version).join(', ')} (minute ${record.minute})`, { stack: 'sandbox' }));
        }
        for (const t of transitions) emit(timelineEvent('service', `CloudWatch alarm ${t.alarmName} is ${t.state}: ${t.reason}`, { stack: 'sandbox', outcome: t.state }));
        if (verdict && verdict.status !== 'pending') return;
        const obs = { plan, minuteMs: minuteSeconds * 1000, events: [...events], minutes };
        let v = judge(obs);
        // What happened, as the service recorded it and the deploy branch holds it.
        if (v.needsRecords) {
          try {
            const [records, git, deployBranch] = await Promise.all([
              readServiceRecords({ serviceUrl: service.url!, stackKey: SANDBOX_STACK_KEY, token: secrets.SANDBOX_ON_CALL_TOKEN }),
              remediationCommits(repo.remote),
              deployBranchOf(repo.remote, STACK_FILE),
            ]);
            v = judge({ ...obs, records, git, deployBranch });
          } catch (err) {
            emit(timelineEvent('error', `reading the service's records to judge minute ${record.minute}: ${(err as Error).message}`));
            return;
          }
        }
        verdict = v;
        if (v.status !== 'pending') {
          emit(
            timelineEvent('service', v.summary, {
              outcome: v.status,
              durationMs: Date.now() - startedAt,
              details: { scenario: sc.name, seed: plan.seed, faultMinutes: sc.durationMinutes, expected: plan.expected.description, observed: v.observed, measurements: v.measurements, reasons: v.reasons, minuteSeconds },
            }),
          );
          decided(v);
        }
      },
    });

    if (options.once) {
      const v = await Promise.race([outcome, untilSignalled().then(() => undefined)]);
      return v === undefined ? 130 : v.status === 'passed' ? 0 : 1;
    }
    emit(timelineEvent('service', `sandbox running: dashboard ${dashboard}; push to ${repo.workDir} and see it deployed; Ctrl-C stops everything`));
    await untilSignalled();
    return verdict?.status === 'passed' ? 0 : verdict?.status === 'failed' ? 1 : 130;
  } catch (err) {
    emit(timelineEvent('error', `sandbox: ${err instanceof Error ? err.message : String(err)}`));
    throw err;
  } finally {
    await operator?.stop();
    await player?.stop();
    for (const s of started.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        options.emit(timelineEvent('error', `stopping the sandbox: ${(err as Error).message}`));
      }
    }
    restoreEnv();
  }
}
