/**
 * The service config the sandbox runs Homeostat with: Redis, the local Git
 * remote, the file backend, CloudWatch at moto, and every time window of the
 * AIOps half scaled to the sandbox's clock. Pure: it builds the document that
 * `loadServiceConfig` validates, exactly as a config file would be.
 *
 * The sandbox publishes each simulated minute as one CloudWatch period of
 * the minute's real length, stamped at the real time it starts (sim-clock.ts
 * `liveTimeline`). Signal time is therefore wall time, and a window of "N
 * simulated minutes" is simply N × the minute's length in real seconds: the
 * service needs no notion of simulated time. What stays in real time is what
 * the engine takes: a deploy lasts its real seconds, whatever the clock.
 */

/** Windows of the service, in real seconds unless named otherwise. */
export interface SandboxWindows {
  telemetry: {
    pollIntervalSeconds: number;
    initialLookbackSeconds: number;
    settleSeconds: number;
    incidentWindowSeconds: number;
    incidentQuietSeconds: number;
  };
  /** Diagnosis rules' windows (diagnose/diagnosis-options.ts), in seconds. */
  diagnosis: {
    lookbackSeconds: number;
    afterOnsetGraceSeconds: number;
    leadSeconds: number;
    baselineSeconds: number;
    dependencyWindowSeconds: number;
  };
  /** Forecasts of saturating signals (config `forecast`). */
  forecast: { horizonMinutes: number };
  remediation: {
    evidenceSeconds: number;
    verificationSeconds: number;
    verificationPoints: number;
    guardrails: { cooldownMs: number; maxChangesPerHourPerStack: number; maxChangesPerHourGlobal: number };
  };
}

/**
 * The production defaults (service-config.ts, diagnosis-options.ts,
 * guardrail-config.ts) in simulated minutes, scaled to a minute of
 * `minuteSeconds` real seconds, so the service behaves as it would in
 * production, only faster.
 *
 * @param backfillMinutes - history published before the run; the first poll must reach back over it.
 */
export function sandboxWindows(minuteSeconds: number, backfillMinutes: number): SandboxWindows {
  if (!(minuteSeconds > 0)) throw new Error(`invalid minute length: ${minuteSeconds} s`);
  const min = (m: number) => m * minuteSeconds;
  return {
    telemetry: {
      // One poll per simulated minute: each brings the minute that just ended.
      pollIntervalSeconds: minuteSeconds,
      // CloudWatch aggregates nothing late here: every datum is the period's only one.
      settleSeconds: 0,
      initialLookbackSeconds: Math.max(60, Math.ceil(min(backfillMinutes + 5))),
      incidentWindowSeconds: Math.max(1, Math.round(min(10))),
      incidentQuietSeconds: Math.max(1, Math.round(min(15))),
    },
    diagnosis: {
      lookbackSeconds: min(30),
      // A deploy's run finishes some real seconds after the fleet changed; that part does not scale.
      afterOnsetGraceSeconds: min(1) + 10,
      leadSeconds: min(5),
      baselineSeconds: min(60),
      dependencyWindowSeconds: min(30),
    },
    // 120 simulated minutes, not the default 30: the sandbox's CPU alarm fires at 80 % of its limit, and a
    // slow ramp (slow-saturation: about 0.35 points a minute) takes about an hour from there to the limit,
    // so a warning must look further ahead than that to come before the alarm.
    forecast: { horizonMinutes: min(120) / 60 },
    remediation: {
      evidenceSeconds: min(10),
      verificationSeconds: min(25),
      verificationPoints: 5,
      guardrails: { cooldownMs: Math.round(min(30) * 1000), maxChangesPerHourPerStack: 10, maxChangesPerHourGlobal: 20 },
    },
  };
}

export interface SandboxConfigInput {
  redisUrl: string;
  motoUrl: string;
  /** The service's data folder (mirrors, checkouts). */
  dataDir: string;
  /** The Pulumi file backend's folder. */
  stateDir: string;
  fleetUrl: string;
  /** The bare Git remote. */
  remote: string;
  minuteSeconds: number;
  backfillMinutes: number;
  /**
   * Environment variable names holding the webhook secret, the passphrase
   * and the API tokens: `admin` for the person at the dashboard, `onCall` for
   * the scripted run's stand-in approver. Without tokens the API is `auth: none` (loopback).
   */
  secretEnv: { webhook: string; passphrase: string; adminToken?: string; onCallToken?: string };
  /** Environment variable holding the trace receiver's ingest token (the fleet's span senders present it); without it, no traces section. */
  tracesTokenEnv?: string;
  /** Name of the stand-in approver's token (what review decisions record); default `on-call`. */
  onCallName?: string;
  /**
   * The change-event queue on moto (sandbox/change-events.ts), for a scenario that changes the fleet
   * outside Git; with it, drift is reconciled (`drift.action: reconcile`). Absent: no change events, drift reported only.
   */
  changeEvents?: { queueUrl: string; endpoint: string; region: string };
}

/** The repository id and stack the sandbox watches. */
export const SANDBOX_REPO_ID = 'sandbox';
export const SANDBOX_STACK = 'sandbox';
export const SANDBOX_STACK_KEY = `${SANDBOX_REPO_ID}/./${SANDBOX_STACK}`;

/** Who the sandbox's remediation commits are by. */
export const SANDBOX_BOT = { name: 'Homeostat', email: 'homeostat@sandbox.local' } as const;

/** The service whose spans the sandbox stack's own are: checkout in the fleet's call graph (fleet-traces.ts). */
export const SANDBOX_TRACED_SERVICE = 'checkout';

/**
 * The `traces` section: periods of 10 simulated minutes (the receiver's
 * shortest is 10 s, ten simulated minutes at the default clock, so the
 * figures of one run have a baseline), settled after one (the SDK exports every 200 ms). Only checkout runs
 * in the sandbox stack; payments and frontend are other teams' services.
 */
export function sandboxTraces(minuteSeconds: number, tokenEnv: string): Record<string, unknown> {
  return { enabled: true, ingestToken: { env: tokenEnv }, services: { [SANDBOX_TRACED_SERVICE]: SANDBOX_STACK_KEY }, ...sandboxTracePeriods(minuteSeconds) };
}

/** The trace period and its settling, in real seconds. */
export function sandboxTracePeriods(minuteSeconds: number): { periodSeconds: number; settleSeconds: number } {
  return { periodSeconds: Math.max(10, Math.round(10 * minuteSeconds)), settleSeconds: Math.max(1, Math.round(minuteSeconds)) };
}

/**
 * Evidence gathered before a proposal, with traces on: at least one trace
 * period, its settling and a tick of the trace stage (four a period) after
 * the onset, so the period holding the onset is closed and in the graph the
 * propose step diagnoses with. In production a trace period (60 s) is far
 * shorter than the evidence window (10 minutes); here a period is ten
 * simulated minutes, as long as the window itself.
 */
export function tracedEvidenceSeconds(minuteSeconds: number, evidenceSeconds: number): number {
  const t = sandboxTracePeriods(minuteSeconds);
  return Math.max(evidenceSeconds, Math.ceil(t.periodSeconds * 1.25 + t.settleSeconds));
}

/** The config document (as a YAML file would hold it) for the sandbox's service. */
export function sandboxConfigDoc(input: SandboxConfigInput): Record<string, unknown> {
  const w = sandboxWindows(input.minuteSeconds, input.backfillMinutes);
  return {
    redisUrl: input.redisUrl,
    redisPrefix: 'sandbox',
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: input.dataDir,
    pulumi: { backendUrl: `file://${input.stateDir}`, passphrase: { env: input.secretEnv.passphrase }, plugins: 'off', env: { HOMEOSTAT_FLEET_URL: input.fleetUrl } },
    telemetry: { enabled: true, endpoint: input.motoUrl, region: 'us-east-1', ...w.telemetry, diagnosis: w.diagnosis },
    forecast: { enabled: true, horizonMinutes: w.forecast.horizonMinutes },
    ...(input.tracesTokenEnv ? { traces: sandboxTraces(input.minuteSeconds, input.tracesTokenEnv) } : {}),
    remediation: {
      enabled: true,
      evidenceSeconds: input.tracesTokenEnv ? tracedEvidenceSeconds(input.minuteSeconds, w.remediation.evidenceSeconds) : w.remediation.evidenceSeconds,
      verificationSeconds: w.remediation.verificationSeconds,
      verificationPoints: w.remediation.verificationPoints,
      bot: { ...SANDBOX_BOT },
      guardrails: w.remediation.guardrails,
    },
    // Wait 1 s, not SQS's 20: the sandbox's minute can be 1 s, and stopping waits out a poll.
    ...(input.changeEvents ? { changeEvents: { ...input.changeEvents, waitSeconds: 1 } } : {}),
    auth: input.secretEnv.adminToken
      ? {
          tokens: [
            { name: 'sandbox-admin', role: 'admin', token: { env: input.secretEnv.adminToken } },
            ...(input.secretEnv.onCallToken ? [{ name: input.onCallName ?? 'on-call', role: 'approver', token: { env: input.secretEnv.onCallToken } }] : []),
          ],
        }
      : 'none',
    repositories: [
      {
        id: SANDBOX_REPO_ID,
        url: input.remote,
        deployBranch: 'main',
        forge: 'github',
        webhookSecret: { env: input.secretEnv.webhook },
        // A fallback: the sandbox announces its pushes with webhooks.
        pollIntervalSeconds: 2,
        stacks: [SANDBOX_STACK],
        // A change made outside Git is undone by applying Git's commit again.
        ...(input.changeEvents ? { drift: { intervalSeconds: 0, action: 'reconcile' } } : {}),
      },
    ],
  };
}
