import { parseScenarioName, scenario, type Scenario, type ScenarioName, type ScenarioOverrides } from './scenarios.ts';

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
      readonly description: string;
    }
  | { readonly kind: 'no-action'; readonly description: string };

export interface SandboxPlan {
  readonly scenario: Scenario;
  readonly expected: Expectation;
  /**
   * Simulated minutes after the fault's onset by which the expected outcome
   * must show (remedy), or after which the run passes if Homeostat did
   * nothing (no-action).
   */
  readonly settleMinutes: number;
}

/**
 * Minute the fault begins in every sandbox scenario: after diagnosis's
 * 30-minute deployment lookback, so the initial deploy is not a suspect, and
 * after half an hour of healthy live metrics.
 */
export const SANDBOX_ONSET_MINUTE = 35;

interface PlanDefaults {
  overrides: ScenarioOverrides;
  expected: Expectation;
  settleMinutes: number;
}

const PLANS: Record<ScenarioName, PlanDefaults> = {
  'traffic-spike': {
    // Longer than the default 20 minutes, so that it is the scale-out, not the end of the spike, that relieves the service.
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE, durationMinutes: 90 },
    expected: { kind: 'remedy', playbooks: ['scale-out'], beforeErrors: false, description: 'a scale-out, verified effective' },
    settleMinutes: 90,
  },
  'bad-release': {
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE },
    expected: { kind: 'remedy', playbooks: ['rollback-deploy'], beforeErrors: false, description: 'a revert of the release, verified effective' },
    settleMinutes: 90,
  },
  'slow-saturation': {
    // Slower than the default ramp: CPU passes 80 % half an hour before errors reach 1 %, time for a fix to be proposed, reviewed and deployed.
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE, rampMinutes: 180 },
    expected: { kind: 'remedy', playbooks: ['scale-out', 'scale-up'], beforeErrors: true, description: 'a scale-up or scale-out before errors, verified effective' },
    settleMinutes: 180,
  },
  'false-alarm': {
    overrides: { onsetMinute: SANDBOX_ONSET_MINUTE },
    expected: { kind: 'no-action', description: 'no remediation commit' },
    settleMinutes: 40,
  },
};

/** The sandbox's plan for scenario `name`; an unknown name gets an error that lists the valid ones. */
export function sandboxPlan(name: string): SandboxPlan {
  const n = parseScenarioName(name);
  const d = PLANS[n];
  return Object.freeze({ scenario: scenario(n, d.overrides), expected: d.expected, settleMinutes: d.settleMinutes });
}
