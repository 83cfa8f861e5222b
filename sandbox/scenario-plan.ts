import { blipMinutesOf, DEFAULT_SEED, parseScenarioName, parseSeed, scenario, type Scenario, type ScenarioName, type ScenarioOverrides } from './scenarios.ts';

/**
 * What the sandbox plays for each scenario and what it expects Homeostat to
 * do about it: the scenario (with the sandbox's changes to its defaults),
 * the playbooks that count as the right remedy, and how long after the
 * fault the outcome must show. Pure.
 */

/** Error rate (percent) above which users notice: "errors" in "before errors". */
export const ERROR_SLO_PERCENT = 1;
/** Minutes in a row the error rate must stay at or above the SLO to count as errors (one noisy minute does not). */
export const ERROR_SLO_MINUTES = 3;

export type Expectation =
  | {
      readonly kind: 'remedy';
      /** Playbooks whose verified-effective commit fixes the scenario. */
      readonly playbooks: readonly string[];
      /** The fleet must be resized before the error rate stays at {@link ERROR_SLO_PERCENT} or more for {@link ERROR_SLO_MINUTES} minutes. */
      readonly beforeErrors: boolean;
      /**
       * A saturation the forecast should see coming: the service's records must show a predicted
       * incident (a forecast breach) before the first error and before any alarm.
       */
      readonly warnedAhead: boolean;
      readonly description: string;
    }
  | { readonly kind: 'no-action'; readonly description: string }
  /**
   * A change made outside Git: the service applies Git's commit again (a drift reconcile, no new
   * commit), and any incident names the manual change as its top cause (verdicts/manual-change-verdict.ts).
   */
  | { readonly kind: 'reconcile'; readonly description: string }
  | {
      readonly kind: 'dependency';
      /** The slow service the incident's top cause must name (kind `dependency`). */
      readonly service: string;
      /** The service that slows with it, on whose stack nothing may be proposed or committed. */
      readonly caller: string;
      readonly description: string;
    };

export interface SandboxPlan {
  readonly scenario: Scenario;
  /** The run's seed: the fleet's noise, and the false alarm's blip length ({@link blipMinutesOf}). */
  readonly seed: number;
  readonly expected: Expectation;
  /**
   * Simulated minutes the run is watched after the fault: from its onset
   * (a fault that lasts until remediated), or from its end (a fault that
   * ends by itself, the false alarm's blip).
   */
  readonly settleMinutes: number;
  /**
   * The simulated minute up to which the run is watched before it is judged
   * (the verdict may wait longer for a remediation still under way). It is
   * how long to look, not what to find: the same for any outcome.
   */
  readonly horizonMinute: number;
}

/**
 * Minute the fault begins in every sandbox scenario: after diagnosis's
 * 30-minute deployment lookback, so the initial deploy is not a suspect, and
 * after half an hour of healthy live metrics.
 */
export const SANDBOX_ONSET_MINUTE = 35;

/** Minute payments slows in dependency-slowdown: after 70 minutes of traced calls (seven trace periods). */
export const DEPENDENCY_ONSET_MINUTE = 70;

interface PlanDefaults {
  overrides: ScenarioOverrides;
  expected: Expectation;
  settleMinutes: number;
}

const PLANS: Record<ScenarioName, PlanDefaults> = {
  'traffic-spike': {
    // Longer than the default 20 minutes, so that it is the scale-out, not the end of the spike, that relieves the service.
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE, durationMinutes: 90 },
    expected: { kind: 'remedy', playbooks: ['scale-out'], beforeErrors: false, warnedAhead: false, description: 'a scale-out, verified effective' },
    settleMinutes: 90,
  },
  'bad-release': {
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE },
    expected: { kind: 'remedy', playbooks: ['rollback-deploy'], beforeErrors: false, warnedAhead: false, description: 'a revert of the release, verified effective' },
    settleMinutes: 90,
  },
  'slow-saturation': {
    // Slower than the default ramp: CPU passes 80 % half an hour before errors reach 1 %, time for a fix to be proposed, reviewed and deployed.
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE, rampMinutes: 180 },
    expected: {
      kind: 'remedy',
      playbooks: ['scale-out', 'scale-up'],
      beforeErrors: true,
      // The forecaster restarts its line where this ramp bends (orchestrator/forecast/README.md);
      // before it did, its forecast lagged the CPU alarm by about 20 minutes. See README, Forecasting.
      warnedAhead: true,
      description: 'a warning (predicted incident) before any error or alarm, and a scale-up or scale-out before errors, verified effective',
    },
    settleMinutes: 180,
  },
  'disk-fill': {
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE },
    expected: {
      kind: 'remedy',
      playbooks: ['grow-volume'],
      beforeErrors: true,
      warnedAhead: true,
      description: 'a warning (predicted incident) before any error or alarm, and a bigger volume before errors, verified effective',
    },
    // Watched from the onset (the fill, 150 minutes, outlasts this) until the volume would have been full (140 minutes in).
    settleMinutes: 140,
  },
  'false-alarm': {
    // The blip's length is drawn from the seed (sandboxPlan).
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE },
    expected: { kind: 'no-action', description: 'no proposal, no review item and no remediation commit' },
    settleMinutes: 40,
  },
  'manual-change': {
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE },
    expected: { kind: 'reconcile', description: "Git's commit applied again (a drift reconcile, explained by the console change), no remediation commit" },
    // Long enough for a scale-out to land, had the service taken the shrink for load: evidence (10) and cooldown-free proposal.
    settleMinutes: 30,
  },
  'dependency-slowdown': {
    // Later than the others: the trace periods are 10 simulated minutes, and the dependency rule needs
    // three of them before its 30-minute window as a baseline; the spans start at minute 0.
    overrides: { onsetMinute: DEPENDENCY_ONSET_MINUTE },
    expected: { kind: 'dependency', service: 'payments', caller: 'checkout', description: "a top cause naming payments (kind dependency), and no proposal, review item or commit on checkout's stack" },
    settleMinutes: 40,
  },
};

export interface SandboxPlanOptions {
  /** The run's seed, a whole number from 0; default {@link DEFAULT_SEED}. */
  seed?: number;
}

/** The sandbox's plan for scenario `name`; an unknown name gets an error that lists the valid ones, a bad seed one that says what a seed is. */
export function sandboxPlan(name: string, options: SandboxPlanOptions = {}): SandboxPlan {
  const n = parseScenarioName(name);
  const seed = parseSeed(options.seed ?? DEFAULT_SEED);
  const d = PLANS[n];
  const sc = scenario(n, n === 'false-alarm' ? { ...d.overrides, durationMinutes: blipMinutesOf(seed) } : d.overrides);
  // A fault that ends by itself is watched from its end; one that lasts, from its start.
  const faultMinute = sc.release?.atMinute ?? sc.onsetMinute;
  const endsBySelf = sc.durationMinutes !== null && sc.durationMinutes < d.settleMinutes;
  const horizonMinute = faultMinute + (endsBySelf ? sc.durationMinutes! : 0) + d.settleMinutes;
  return Object.freeze({ scenario: sc, seed, expected: d.expected, settleMinutes: d.settleMinutes, horizonMinute });
}
