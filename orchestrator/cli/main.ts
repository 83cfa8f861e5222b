import { Command, Option } from 'commander';
import { ConfigError, loadServiceConfigFile } from '../config/service-config.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { StackStatus } from '../records/stack-status.ts';
import { runSandbox } from '../../sandbox/run-sandbox.ts';
import { DEFAULT_SEED, parseScenarioName, parseSeed, SCENARIO_NAMES } from '../../sandbox/scenarios.ts';
import { MINUTE_LENGTHS_SECONDS, parseMinuteLength } from '../../sandbox/sim-clock.ts';
import { untilSignalled } from '../runtime/signals.ts';
import { createOperationalLog, logTimeline } from '../runtime/operational-log.ts';
import { configSecrets } from '../config/config-secrets.ts';
import { resolveToolchain } from '../runtime/toolchain.ts';
import { startService } from '../service/service.ts';
import { formatTimelineEvent, type TimelineEvent } from '../timeline/timeline-event.ts';
import { createApiClient, readApiToken } from './api-client.ts';
import { parsePulumiInvocation, PULUMI_USAGE, runPulumiForPerson } from './pulumi-command.ts';
import { checkPlugins } from './plugins-command.ts';
import { formatPluginsReport } from '../plan/plugin-check.ts';
import type { IncidentRecord } from '../correlate/incident-store.ts';
import { listPlaybooks } from '../../remediations/index.ts';
import { formatGraph, formatIncidents, formatPromotions, formatRemediations, formatReviews, formatRunDetail, formatRuns, formatStatuses, table } from './format.ts';
import type { StackGraph } from '../graph/stack-graph.ts';
import type { Promotion } from '../promote/promotion.ts';
import { formatAuditEntries, formatVerifyResult, type AuditEntry, type VerifyResult } from '../audit/index.ts';
import type { RemediationRecord, ReviewItem } from '../remediate/remediation-record.ts';
import type { RuntimeControls } from '../remediate/guardrail-ledger.ts';

/** `homeostat`: the service's command line. */
const program = new Command('homeostat')
  .description('Closes the loop between GitOps and AIOps for Pulumi infrastructure')
  .showHelpAfterError()
  .addOption(new Option('--url <url>', 'address of a running service (default HOMEOSTAT_URL or http://127.0.0.1:8080)'))
  .addOption(new Option('--token-file <path>', 'file holding your API token (default: the HOMEOSTAT_TOKEN environment variable)'))
  .addOption(new Option('--json', 'print JSON for scripts'));

function api() {
  const { url, tokenFile } = program.opts<{ url?: string; tokenFile?: string }>();
  return createApiClient({ ...(url ? { url } : {}), token: readApiToken({ ...(tokenFile ? { tokenFile } : {}) }) });
}
const json = () => program.opts<{ json?: boolean }>().json === true;
const print = (value: unknown, text: () => string) => console.log(json() ? JSON.stringify(value, null, 2) : text());

program
  .command('serve')
  .description('run the service: HTTP API and webhooks, workers, poller, drift checks')
  .requiredOption('-c, --config <file>', 'service config (YAML)')
  .addOption(new Option('--no-http', 'run only the workers (scale out: more processes against one Redis)'))
  .addOption(new Option('--no-workers', 'run only the HTTP API'))
  .action(async (opts: { config: string; http: boolean; workers: boolean }) => {
    const config = loadServiceConfigFile(opts.config);
    // The global --json asks for JSON whatever the config's format.
    const log = createOperationalLog({ ...config.log, ...(json() ? { format: 'json' as const } : {}), secrets: () => configSecrets(config) });
    const serviceLog = log.child({ stage: 'service' });
    const service = await startService(config, { http: opts.http, workers: opts.workers, emit: logTimeline(log), log });
    serviceLog.info(
      { url: service.url, workerId: service.workerId, node: service.runtime.node, engine: service.runtime.engine },
      `homeostat: serving${service.url ? ` on ${service.url}` : ''}${service.workerId ? `, worker ${service.workerId}` : ''} (Node.js ${service.runtime.node}, Pulumi ${service.runtime.engine})`,
    );
    await untilSignalled((signal) => serviceLog.warn({ signal }, `homeostat: ${signal} again, exiting without waiting`));
    serviceLog.info('homeostat: shutting down (running updates may finish within the grace period)');
    await service.stop();
    // Whatever still waits (a connection retrying an unreachable Redis) must not keep us alive.
    process.exit(process.exitCode ?? 0);
  });

program
  .command('status')
  .description('every stack with its applied commit and conditions')
  .action(async () => {
    const { stacks } = await api().get<{ stacks: StackStatus[] }>('/api/stacks');
    print(stacks, () => formatStatuses(stacks));
  });

program
  .command('graph')
  .description('which stacks depend on which (StackReferences and homeostat:dependsOn), in the order to apply them; exits 1 on a cycle')
  .action(async () => {
    const { graph } = await api().get<{ graph: StackGraph }>('/api/graph');
    print(graph, () => formatGraph(graph));
    if (graph.cycle) process.exitCode = 1;
  });

program
  .command('promotions')
  .description("where each change stands in its repository's promotion waves, newest first")
  .option('-n, --limit <n>', 'how many', '20')
  .action(async (opts: { limit: string }) => {
    const { promotions } = await api().get<{ promotions: Promotion[] }>(`/api/promotions?limit=${encodeURIComponent(opts.limit)}`);
    print(promotions, () => formatPromotions(promotions));
  });

for (const verb of ['pause', 'resume'] as const) {
  program
    .command(`promotion-${verb} <repo> <commit>`)
    .description(verb === 'pause' ? 'hold every later wave of a change where it is (operator; audited)' : "go on with a paused change, or let a halted wave pass on your word (operator; audited)")
    .action(async (repo: string, commit: string) => {
      const { promotion } = await api().post<{ promotion: Promotion }>(`/api/promotions/${encodeURIComponent(repo)}/${encodeURIComponent(commit)}/${verb}`, {});
      print(promotion, () => formatPromotions([promotion]));
    });
}

program
  .command('runs')
  .description('recent runs, newest first')
  .option('-s, --stack <key>', 'only this stack (<repo>/<project>/<stack>)')
  .option('-n, --limit <n>', 'how many', '20')
  .action(async (opts: { stack?: string; limit: string }) => {
    const q = new URLSearchParams({ limit: opts.limit, ...(opts.stack ? { stack: opts.stack } : {}) });
    const { runs } = await api().get<{ runs: RunRecord[] }>(`/api/runs?${q.toString()}`);
    print(runs, () => formatRuns(runs));
  });

program
  .command('run <id>')
  .description('one run with its preview diff and log')
  .action(async (id: string) => {
    const res = await api().get<{ run: RunRecord; log: string[] }>(`/api/runs/${encodeURIComponent(id)}`);
    print(res, () => formatRunDetail(res.run, res.log));
  });

for (const [name, verb] of [['preview', 'preview'], ['up', 'preview and apply']] as const) {
  program
    .command(`${name} <stack>`)
    .description(`${verb} a stack (<repo>/<project>/<stack>, for example infra/./sandbox) through the service's queue`)
    .option('--ref <ref>', name === 'up' ? 'only the deploy branch is applied' : 'branch, tag or commit (default: the deploy branch)')
    .action(async (stack: string, opts: { ref?: string }) => {
      const res = await api().post<{ status: string; jobId: string; commit: string }>(`/api/stacks/${encodeURIComponent(stack)}/${name}`, opts.ref ? { ref: opts.ref } : {});
      print(res, () => `${res.status}: ${name} of ${stack} at ${res.commit.slice(0, 12)} (job ${res.jobId}); follow it with 'homeostat runs --stack ${stack}'`);
    });
}

program
  .command('playbooks')
  .description('the remediation playbooks, as code in remediations/')
  .action(() => {
    const playbooks = listPlaybooks();
    print(playbooks, () => table([['ID', 'TITLE', 'WHAT IT DOES'], ...playbooks.map((p) => [p.id, p.title, p.description])]));
  });

program
  .command('incidents')
  .description('incidents, newest first, with their probable causes')
  .option('-n, --limit <n>', 'how many', '20')
  .action(async (opts: { limit: string }) => {
    const { incidents } = await api().get<{ incidents: IncidentRecord[] }>(`/api/incidents?limit=${encodeURIComponent(opts.limit)}`);
    print(incidents, () => formatIncidents(incidents));
  });

const audit = program.command('audit').description('the audit log: every remediation decision with its evidence, newest first');
audit
  .command('list', { isDefault: true })
  .description('recent entries')
  .option('-n, --limit <n>', 'how many', '50')
  .option('--incident <id>', 'only this incident')
  .option('-s, --stack <key>', 'only this stack')
  .action(async (opts: { limit: string; incident?: string; stack?: string }) => {
    const q = new URLSearchParams({ limit: opts.limit, ...(opts.incident ? { incident: opts.incident } : {}), ...(opts.stack ? { stack: opts.stack } : {}) });
    const { entries } = await api().get<{ entries: AuditEntry[] }>(`/api/audit?${q.toString()}`);
    print(entries, () => formatAuditEntries(entries));
  });
audit
  .command('verify')
  .description('check the hash chain of the whole log; exits 1 when it is broken')
  .action(async () => {
    const result = await api().get<VerifyResult>('/api/audit/verify');
    print(result, () => formatVerifyResult(result));
    if (!result.ok) process.exitCode = 1;
  });

program
  .command('reviews')
  .description('remediations waiting for a person (and decided ones with --all)')
  .option('--all', 'decided ones too')
  .action(async (opts: { all?: boolean }) => {
    const { reviews } = await api().get<{ reviews: ReviewItem[] }>(`/api/reviews${opts.all ? '' : '?status=open'}`);
    print(reviews, () => formatReviews(reviews));
  });

for (const verb of ['approve', 'reject'] as const) {
  program
    .command(`${verb} <review>`)
    .description(verb === 'approve' ? 'approve a review item: its branch is merged and deployed, then verified' : 'reject a review item: its branch is deleted, nothing changes')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(async (id: string, opts: { reason?: string }) => {
      // Who decides is the token's principal, as the service records it.
      const { review } = await api().post<{ review: ReviewItem }>(`/api/reviews/${encodeURIComponent(id)}/${verb}`, { ...(opts.reason ? { reason: opts.reason } : {}) });
      print(review, () => `${review.id}: ${review.status} by ${review.decidedBy ?? '(you)'}${verb === 'approve' ? `; the merge and deploy follow ('homeostat remediations')` : ''}`);
    });
}

program
  .command('remediations')
  .description('remediations, newest first: proposal, decision, commit, verification')
  .option('-n, --limit <n>', 'how many', '20')
  .option('--incident <id>', 'only this incident')
  .action(async (opts: { limit: string; incident?: string }) => {
    const q = new URLSearchParams({ limit: opts.limit, ...(opts.incident ? { incident: opts.incident } : {}) });
    const { remediations } = await api().get<{ remediations: RemediationRecord[] }>(`/api/remediations?${q.toString()}`);
    print(remediations, () => formatRemediations(remediations));
  });

const onOff = (flag: string) => (v: string): boolean => {
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new Error(`${flag}: expected on or off, got ${JSON.stringify(v)}`);
};
program
  .command('controls')
  .description('show or change the run-time controls of automated changes: dry-run mode and the kill switch')
  .option('--dry-run <on|off>', 'decide as usual but commit nothing automatically', onOff('--dry-run'))
  .option('--kill-switch <on|off>', 'stop every automated change', onOff('--kill-switch'))
  .action(async (opts: { dryRun?: boolean; killSwitch?: boolean }) => {
    const change = { ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}), ...(opts.killSwitch !== undefined ? { killSwitch: opts.killSwitch } : {}) };
    const { controls } = Object.keys(change).length > 0 ? await api().put<{ controls: RuntimeControls }>('/api/controls', change) : await api().get<{ controls: RuntimeControls }>('/api/controls');
    print(controls, () => `dry-run: ${controls.dryRun ? 'on' : 'off'}\nkill switch: ${controls.killSwitch ? 'on' : 'off'}`);
  });

program
  .command('drift <stack>')
  .description('check a stack for drift now: a refresh-only preview of the commit last applied')
  .action(async (stack: string) => {
    const res = await api().post<{ status: string; jobId: string; commit: string }>(`/api/stacks/${encodeURIComponent(stack)}/drift`, {});
    print(res, () => `${res.status}: drift check of ${stack} at ${res.commit.slice(0, 12)}; the result appears in 'homeostat runs --stack ${stack}'`);
  });

program
  .command('unlock <stack>')
  .description("remove a stack's engine locks, whoever holds them (pulumi cancel), when you know the holder is gone; audited")
  .option('--force', 'required: Homeostat itself never clears a lock it cannot prove its own')
  .action(async (stack: string, opts: { force?: boolean }) => {
    if (!opts.force) throw new Error(`unlock removes every engine lock of ${stack}, whoever holds it: say --force if the holder is gone`);
    const res = await api().post<{ stackKey: string; commit: string; holders?: { user: string; host: string; pid: number; since: string }[] }>(`/api/stacks/${encodeURIComponent(stack)}/unlock`, { force: true });
    const holders = res.holders === undefined ? 'the backend does not list its locks' : res.holders.length === 0 ? 'there was no lock' : res.holders.map((h) => `${h.user}@${h.host} (pid ${h.pid}) since ${h.since}`).join(', ');
    print(res, () => `${res.stackKey}: engine locks removed (${holders}); recorded in the audit log`);
  });

program
  .command('sandbox')
  .description('run the whole loop on this machine: a local Git remote, the real engine, a simulated fleet publishing to CloudWatch (moto), and a scenario')
  .addOption(new Option('--scenario <name>', `what happens to the fleet: ${SCENARIO_NAMES.join(', ')}`).default('traffic-spike'))
  .addOption(new Option('--minute-seconds <s>', `real seconds per simulated minute: ${MINUTE_LENGTHS_SECONDS.join(', ')}`).default('1'))
  .addOption(new Option('--once', 'exit when the scenario ends: 0 if it ended as expected, 1 if not'))
  .addOption(new Option('--data-dir <dir>', "folder for the sandbox's repositories and state (default: .homeostat/sandbox)"))
  .addOption(new Option('--seed <n>', "the run's seed, a whole number: the fleet's noise and the false alarm's blip length (1 to 6 minutes)").default(String(DEFAULT_SEED)))
  .action(async (opts: { scenario: string; minuteSeconds: string; once?: boolean; dataDir?: string; seed: string }) => {
    // Checked before anything starts, so a typo costs nothing.
    parseScenarioName(opts.scenario);
    const minuteSeconds = parseMinuteLength(opts.minuteSeconds);
    const seed = parseSeed(opts.seed);
    const emit = (e: TimelineEvent) => console.log(json() ? JSON.stringify(e) : formatTimelineEvent(e));
    process.exitCode = await runSandbox({ once: opts.once ?? false, emit, scenario: opts.scenario, minuteSeconds, seed, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  });

program
  .command('version')
  .description('the versions of Homeostat, of the Node.js it runs on and of the Pulumi engine it drives')
  .action(() => {
    const toolchain = resolveToolchain();
    const versions = { homeostat: toolchain.homeostatVersion, node: toolchain.node.version, pulumi: toolchain.pulumiVersion };
    print(versions, () => `homeostat ${versions.homeostat}\nNode.js ${versions.node}\nPulumi ${versions.pulumi}`);
  });

program
  .command('plugins')
  .description('the provider plugins the stacks need (pulumi.plugins)')
  .command('check')
  .description('for every configured stack, the plugins its program needs and whether the engine finds them; exit 1 when one is missing')
  .requiredOption('-c, --config <file>', 'service config (YAML)')
  .action(async (opts: { config: string }) => {
    const report = await checkPlugins(loadServiceConfigFile(opts.config));
    print(report, () => formatPluginsReport(report));
    process.exitCode = report.ok ? 0 : 1;
  });

program
  .command('pulumi')
  .description(`the engine Homeostat runs, with the service's backend and passphrase from -c: ${PULUMI_USAGE}`)
  .helpOption(false);

// `homeostat pulumi …` is dispatched before commander, so that every flag after it reaches pulumi as it is.
const [command, ...rest] = process.argv.slice(2);
const main =
  command === 'pulumi'
    ? Promise.resolve(rest)
        .then((args) => runPulumiForPerson(parsePulumiInvocation(args)))
        .then((code) => void (process.exitCode = code))
    : program.parseAsync(process.argv);
await main.catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `homeostat: ${err.message}` : `homeostat: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
