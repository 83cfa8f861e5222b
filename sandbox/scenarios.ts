import { z } from 'zod';
import { NO_EFFECT, type Conditions, type FleetModel, type FleetSample, type MinuteEffect, type ServiceShape, type VersionEffect } from './fleet-model.ts';
import { mix } from './seeded-hash.ts';

/**
 * Named incidents the sandbox can play against its services, over simulated
 * minutes (sim-clock.ts). A scenario is data plus `effectAt(minute)`; it
 * satisfies the fleet model's {@link Conditions}, so it is passed straight to
 * `model.sample(service, minute, scenario)`. Pure.
 *
 * - `traffic-spike`: demand × 2.5 for 20 minutes, then back. A service of 2
 *   small instances saturates; 5 do not. Remedy: capacity.
 * - `bad-release`: at onset the scenario releases `v1.1.0`, a version that
 *   raises errors (+6 points) and latency (× 1.8) for as long as it runs.
 *   Remedy: revert the version. The runner performs the release (see
 *   {@link Scenario.release}); the model only knows the version is bad.
 * - `slow-saturation`: demand grows steadily for 40 minutes to × 2.4, then
 *   stays there, so CPU climbs past 80 % and nears its limit. Remedy: capacity
 *   (or size).
 * - `disk-fill`: from onset the service writes data at a steady rate (0.1
 *   GiB a minute, 0.5 % of the default 20 GiB volume, 30 % used) for 150
 *   minutes; the data stays. Without a remedy the volume is full 140 minutes
 *   in, and writes fail from about 95 %. Remedy: a bigger volume (storage).
 * - `false-alarm`: one blip of 1 to 6 minutes (demand × 1.8, latency × 2,
 *   errors +1.5 points), then nothing; 2 by default, and in the sandbox a
 *   seeded draw ({@link blipMinutesOf}). Remedy: none; acting on it is a
 *   false positive.
 * - `manual-change`: at onset a person shrinks the service's capacity in the
 *   console (2 instances to 1), behind Git's back, while demand stays
 *   normal, so the one instance left runs near saturation. Remedy: apply
 *   Git's commit again (a drift reconcile), not a change to Git. The runner
 *   performs the console change (see {@link Scenario.tamper}).
 * - `dependency-slowdown`: payments, the service checkout calls, slows, so
 *   checkout's latency rises (× 2.5 by default, all of it payments' time);
 *   checkout's demand, CPU and errors stay as they were. Remedy: none on checkout (its capacity would not
 *   help); the diagnosis should name payments. The sandbox's spans
 *   (fleet-traces.ts) carry the slowdown on payments' own time.
 */

export const SCENARIO_NAMES = ['traffic-spike', 'bad-release', 'slow-saturation', 'disk-fill', 'false-alarm', 'manual-change', 'dependency-slowdown'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What should fix the scenario, in the sandbox stack's remediable purposes; `none` for a false alarm. */
export type ExpectedRemedy = 'capacity' | 'version' | 'storage' | 'none' | 'reconcile';

/** A change the scenario makes to the fleet behind the engine's back (a person at the console), at a minute. */
export interface ScenarioTamper {
  readonly atMinute: number;
  /** The fields set; only capacity for now. */
  readonly patch: { readonly capacity: number };
}

export interface Scenario extends Conditions {
  readonly name: ScenarioName;
  readonly description: string;
  /** First simulated minute the scenario affects. */
  readonly onsetMinute: number;
  /** Minutes it lasts from onset; `null`: until remediated (it never ends on its own). For `disk-fill`: how long data is written (it stays). */
  readonly durationMinutes: number | null;
  /** Minutes over which the effect grows from none to its peak (0: at once). */
  readonly rampMinutes: number;
  /** The effect at its peak. */
  readonly peak: MinuteEffect;
  /** Versions that behave badly while they run. */
  readonly badVersions: readonly string[];
  readonly versionEffects: Readonly<Record<string, VersionEffect>>;
  /** A version the scenario deploys itself at a minute (through Git, like any change), or `null`. */
  readonly release: { readonly atMinute: number; readonly version: string } | null;
  /** A console change the runner makes itself (fleet simulator `tamper`), or `null`. */
  readonly tamper: ScenarioTamper | null;
  readonly expectedRemedy: ExpectedRemedy;
  /**
   * The service the sandbox service calls whose own time the latency effect
   * is (`payments` in dependency-slowdown), or `null` when the latency is
   * the sandbox service's own. Only the spans tell them apart.
   */
  readonly slowDependency: string | null;
  /** The effect on demand, latency and errors during `minute`. */
  effectAt(minute: number): MinuteEffect;
}

/** Changes to a scenario's defaults. */
export const ScenarioOverridesSchema = z
  .object({
    onsetMinute: z.number().int().min(0),
    durationMinutes: z.number().int().min(1).nullable(),
    rampMinutes: z.number().int().min(0),
    demandMultiplier: z.number().positive().max(100),
    latencyMultiplier: z.number().positive().max(100),
    errorRateAdd: z.number().min(0).max(100),
    /** bad-release: the version it releases. */
    badVersion: z.string().min(1).max(64),
    /** disk-fill: data written per minute, GiB. */
    diskFillGiBPerMinute: z.number().positive().max(1000),
    /** manual-change: the capacity the console change sets. */
    tamperCapacity: z.number().int().min(0).max(1000),
  })
  .partial()
  .strict();
export type ScenarioOverrides = z.infer<typeof ScenarioOverridesSchema>;

interface Defaults {
  /** What the scenario does, from its effective parameters. */
  describe(p: { durationMinutes: number | null; rampMinutes: number; peak: MinuteEffect; badVersion?: string; diskFillGiBPerMinute?: number; tamperCapacity?: number }): string;
  onsetMinute: number;
  durationMinutes: number | null;
  rampMinutes: number;
  peak: MinuteEffect;
  badVersion?: { version: string; effect: VersionEffect };
  /** disk-fill: GiB written per minute while it lasts. */
  diskFillGiBPerMinute?: number;
  /** manual-change: the capacity the console change sets. */
  tamperCapacity?: number;
  expectedRemedy: ExpectedRemedy;
  slowDependency?: string;
}

/** The shortest and the longest blip a false alarm plays, in simulated minutes. */
export const FALSE_ALARM_MINUTES = Object.freeze({ min: 1, max: 6 });

/** The seed of a sandbox run when none is given: the fleet's noise and the false alarm's length follow from it. */
export const DEFAULT_SEED = 1;
/** The largest seed (the fleet model mixes it as a 32-bit integer). */
export const MAX_SEED = 2 ** 31 - 1;

/** Validates a seed (`--seed`): a whole number from 0 to {@link MAX_SEED}. */
export function parseSeed(value: string | number): number {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SEED) throw new Error(`invalid seed ${JSON.stringify(value)}: a whole number from 0 to ${MAX_SEED}`);
  return n;
}

/** Channel of the blip's length in the seed's hash ("blip"), apart from the fleet model's noise channels. */
const BLIP_CHANNEL = 0x626c6970;

/**
 * The false alarm's blip length for `seed`: a whole number of simulated
 * minutes from {@link FALSE_ALARM_MINUTES} `min` to `max`, each about equally
 * likely over seeds. Pure: the same seed gives the same length.
 */
export function blipMinutesOf(seed: number): number {
  const { min, max } = FALSE_ALARM_MINUTES;
  const u = (mix(parseSeed(seed), BLIP_CHANNEL) + 0.5) / 2 ** 32;
  return min + Math.floor(u * (max - min + 1));
}

/** Where each scenario starts by default: ten minutes in, after detectors have seen a healthy service. */
export const DEFAULT_ONSET_MINUTE = 10;

export const BAD_RELEASE_VERSION = 'v1.1.0';
export const BAD_VERSION_EFFECT: VersionEffect = Object.freeze({ errorRateAdd: 6, latencyMultiplier: 1.8 });

const DEFAULTS: Record<ScenarioName, Defaults> = {
  'traffic-spike': {
    describe: (p) => `demand × ${p.peak.demandMultiplier} for ${p.durationMinutes ?? 'ever'} minutes, then back to normal`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: 20,
    rampMinutes: 0,
    peak: { demandMultiplier: 2.5, latencyMultiplier: 1, errorRateAdd: 0 },
    expectedRemedy: 'capacity',
  },
  'bad-release': {
    describe: (p) => `release ${p.badVersion ?? BAD_RELEASE_VERSION}, which raises errors and latency while it runs`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: null,
    rampMinutes: 0,
    peak: NO_EFFECT,
    badVersion: { version: BAD_RELEASE_VERSION, effect: BAD_VERSION_EFFECT },
    expectedRemedy: 'version',
  },
  'slow-saturation': {
    describe: (p) => `demand grows steadily for ${p.rampMinutes} minutes to × ${p.peak.demandMultiplier} and stays there, until CPU nears its limit`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: null,
    rampMinutes: 40,
    peak: { demandMultiplier: 2.4, latencyMultiplier: 1, errorRateAdd: 0 },
    expectedRemedy: 'capacity',
  },
  'disk-fill': {
    describe: (p) => `the service writes ${p.diskFillGiBPerMinute ?? 0} GiB a minute for ${p.durationMinutes ?? 'ever'} minutes, and the data stays, until its volume is full`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: 150,
    rampMinutes: 0,
    peak: NO_EFFECT,
    diskFillGiBPerMinute: 0.1,
    expectedRemedy: 'storage',
  },
  'false-alarm': {
    describe: (p) => `one blip of ${p.durationMinutes ?? 1} minute${p.durationMinutes === 1 ? '' : 's'} (a burst of demand, latency and errors) that needs no action`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: 2,
    rampMinutes: 0,
    peak: { demandMultiplier: 1.8, latencyMultiplier: 2, errorRateAdd: 1.5 },
    expectedRemedy: 'none',
  },
  'manual-change': {
    describe: (p) => `a person sets the service's capacity to ${p.tamperCapacity ?? 1} in the console, outside Git, while demand stays normal`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: null,
    rampMinutes: 0,
    // Normal demand: it is the smaller capacity that raises utilisation.
    peak: NO_EFFECT,
    tamperCapacity: 1,
    expectedRemedy: 'reconcile',
  },
  'dependency-slowdown': {
    describe: (p) => `payments, which checkout calls, slows: checkout's latency × ${p.peak.latencyMultiplier} ${p.durationMinutes === null ? 'from then on' : `for ${p.durationMinutes} minutes`}, its demand, CPU and errors unchanged`,
    onsetMinute: DEFAULT_ONSET_MINUTE,
    durationMinutes: null,
    rampMinutes: 0,
    peak: { demandMultiplier: 1, latencyMultiplier: 2.5, errorRateAdd: 0 },
    expectedRemedy: 'none',
    slowDependency: 'payments',
  },
};

/** Validates a scenario name; an unknown one gets an error that lists the valid ones. */
export function parseScenarioName(name: string): ScenarioName {
  if ((SCENARIO_NAMES as readonly string[]).includes(name)) return name as ScenarioName;
  throw new Error(`unknown scenario ${JSON.stringify(name)}: valid scenarios are ${SCENARIO_NAMES.join(', ')}`);
}

/** Interpolates from no effect (progress 0) to `peak` (progress 1). */
function partial(peak: MinuteEffect, progress: number): MinuteEffect {
  return {
    demandMultiplier: 1 + (peak.demandMultiplier - 1) * progress,
    latencyMultiplier: 1 + (peak.latencyMultiplier - 1) * progress,
    errorRateAdd: peak.errorRateAdd * progress,
  };
}

/** The scenario `name` with its defaults, changed by `overrides`; bad input gets an error that names the field. */
export function scenario(name: string, overrides: ScenarioOverrides = {}): Scenario {
  const scenarioName = parseScenarioName(name);
  const parsed = ScenarioOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(overrides)'}: ${i.message}`);
    throw new Error(`invalid overrides for scenario ${scenarioName}: ${fields.join('; ')}`);
  }
  const o = parsed.data;
  const d = DEFAULTS[scenarioName];
  if (scenarioName !== 'bad-release' && o.badVersion !== undefined) {
    throw new Error(`invalid overrides for scenario ${scenarioName}: badVersion: only bad-release releases a version`);
  }
  if (scenarioName !== 'disk-fill' && o.diskFillGiBPerMinute !== undefined) {
    throw new Error(`invalid overrides for scenario ${scenarioName}: diskFillGiBPerMinute: only disk-fill writes data`);
  }
  if (scenarioName !== 'manual-change' && o.tamperCapacity !== undefined) {
    throw new Error(`invalid overrides for scenario ${scenarioName}: tamperCapacity: only manual-change changes the fleet in the console`);
  }
  const tamperCapacity = o.tamperCapacity ?? d.tamperCapacity;
  const fillRate = o.diskFillGiBPerMinute ?? d.diskFillGiBPerMinute;
  const durationMinutes = o.durationMinutes === undefined ? d.durationMinutes : o.durationMinutes;
  if (scenarioName === 'false-alarm' && (durationMinutes === null || durationMinutes < FALSE_ALARM_MINUTES.min || durationMinutes > FALSE_ALARM_MINUTES.max)) {
    throw new Error(`invalid overrides for scenario false-alarm: durationMinutes: a false alarm lasts ${FALSE_ALARM_MINUTES.min} to ${FALSE_ALARM_MINUTES.max} minutes, got ${String(durationMinutes)}`);
  }
  const onsetMinute = o.onsetMinute ?? d.onsetMinute;
  const rampMinutes = o.rampMinutes ?? d.rampMinutes;
  const peak: MinuteEffect = {
    demandMultiplier: o.demandMultiplier ?? d.peak.demandMultiplier,
    latencyMultiplier: o.latencyMultiplier ?? d.peak.latencyMultiplier,
    errorRateAdd: o.errorRateAdd ?? d.peak.errorRateAdd,
  };
  const bad = d.badVersion ? { version: o.badVersion ?? d.badVersion.version, effect: d.badVersion.effect } : undefined;
  const versionEffects: Record<string, VersionEffect> = bad ? { [bad.version]: bad.effect } : {};

  const effectAt = (minute: number): MinuteEffect => {
    if (minute < onsetMinute) return NO_EFFECT;
    if (fillRate !== undefined) {
      // Written data stays after the writing stops.
      const writing = Math.min(minute - onsetMinute + 1, durationMinutes ?? Infinity);
      return { ...NO_EFFECT, diskGiBAdded: fillRate * writing };
    }
    if (durationMinutes !== null && minute >= onsetMinute + durationMinutes) return NO_EFFECT;
    const progress = rampMinutes > 0 ? Math.min(1, (minute - onsetMinute + 1) / rampMinutes) : 1;
    return partial(peak, progress);
  };

  return Object.freeze({
    name: scenarioName,
    description: d.describe({
      durationMinutes,
      rampMinutes,
      peak,
      ...(bad ? { badVersion: bad.version } : {}),
      ...(fillRate !== undefined ? { diskFillGiBPerMinute: fillRate } : {}),
      ...(tamperCapacity !== undefined ? { tamperCapacity } : {}),
    }),
    onsetMinute,
    durationMinutes,
    rampMinutes,
    peak: Object.freeze(peak),
    badVersions: Object.freeze(Object.keys(versionEffects)),
    versionEffects: Object.freeze(versionEffects),
    release: bad ? Object.freeze({ atMinute: onsetMinute, version: bad.version }) : null,
    tamper: tamperCapacity !== undefined ? Object.freeze({ atMinute: onsetMinute, patch: Object.freeze({ capacity: tamperCapacity }) }) : null,
    expectedRemedy: d.expectedRemedy,
    slowDependency: d.slowDependency ?? null,
    effectAt,
  });
}

/** Every scenario with its defaults, for listings (`homeostat sandbox --scenario …` help, the API). */
export function listScenarios(): Scenario[] {
  return SCENARIO_NAMES.map((n) => scenario(n));
}

/** A sample with the service it belongs to: what the publisher takes. */
export interface ServiceSample extends FleetSample {
  readonly serviceName: string;
}

/**
 * The samples of every service for one simulated minute, under a scenario
 * (or none): what the sandbox computes and publishes each simulated minute.
 */
export function fleetSamplesAt(model: FleetModel, services: readonly ServiceShape[], minute: number, active: Conditions | null = null): ServiceSample[] {
  return services.map((svc) => ({ serviceName: svc.name, ...model.sample(svc, minute, active ?? undefined) }));
}

/**
 * Healthy history for `services` as they are now: minutes −`minutes` … −1,
 * with no scenario, for the publisher's backfill.
 */
export function historySamples(model: FleetModel, services: readonly ServiceShape[], minutes: number): ServiceSample[] {
  if (!Number.isInteger(minutes) || minutes < 0) throw new Error(`invalid history length: ${minutes} (a whole number of minutes, 0 or more)`);
  const out: ServiceSample[] = [];
  for (let m = -minutes; m < 0; m++) out.push(...fleetSamplesAt(model, services, m));
  return out;
}
