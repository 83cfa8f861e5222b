import { INSTANCE_SIZES, type InstanceSize } from '../stacks/sandbox/instance-sizes.ts';
import { mix } from './seeded-hash.ts';

/**
 * A pure, deterministic model of how one sandbox service behaves, one
 * simulated minute at a time: the demand it gets (a traffic curve with a
 * daily shape and seeded noise), and the CPU, p95 latency and error rate
 * that demand causes on the capacity it has.
 *
 * - Throughput: capacity (instances) × per-instance throughput, 100 requests
 *   per minute for a small instance, doubling with each size.
 * - Utilisation u = demand / throughput. CPU is u in percent, bending
 *   smoothly towards 100 above a knee instead of passing it.
 * - Latency is queueing: base / (1 − u), capped at a timeout.
 * - Errors: a small base rate; a rise as u nears 1; above 1 the requests
 *   beyond capacity fail (100·(1 − 1/u) %).
 * - Disk: the service's data (6 GiB, and whatever a scenario has written
 *   since) on its data volume (`volumeGiB`, 20 by default), in percent used;
 *   writes fail as the volume nears full (above 95 %, up to 40 % of
 *   requests at 100 %).
 * - A version can have an effect (a bad release raises errors and latency);
 *   a scenario adds demand, latency, errors and written data over simulated time.
 *
 * Every sample is a function of (seed, service name, minute, the service's
 * size and version at that minute, the conditions at that minute) only: the
 * noise comes from a hash of (seed, name, minute, channel), not from a
 * sequence. So a run replays exactly, a change of capacity, size or version
 * shows from the very next sample, and two runs that differ only in a
 * scenario differ only in the minutes that scenario touches.
 */

/** One service's health for one simulated minute: what the sandbox publishes to CloudWatch. */
export interface FleetSample {
  /** Simulated minute since the start of the run (history has negative minutes). */
  readonly minute: number;
  /** Requests that arrived during the minute (CloudWatch statistic: Sum). */
  readonly requestCount: number;
  /** CPU utilisation, percent of the fleet's capacity, 0–100. */
  readonly cpu: number;
  /** p95 latency, milliseconds. */
  readonly latencyP95: number;
  /** Failed requests, percent, 0–100. */
  readonly errorRate: number;
  /** Data volume in use, percent, 0–100. */
  readonly diskUsedPercent: number;
}

/** The part of a fleet service (fleet-api.ts `Service`) the model reads. */
export interface ServiceShape {
  readonly name: string;
  readonly capacity: number;
  readonly instanceSize: InstanceSize;
  readonly version: string;
  /** Size of the data volume, GiB; default {@link DEFAULT_VOLUME_GIB}. */
  readonly volumeGiB?: number;
}

/** The data volume of a service whose shape does not say (the sandbox stack's default). */
export const DEFAULT_VOLUME_GIB = 20;
/** Data a service holds before any scenario writes more, GiB: 30 % of the default volume. */
export const BASE_DATA_GIB = 6;
/** Standard deviation of the used space from minute to minute, GiB. */
const DATA_JITTER_GIB = 0.1;
/** Fill of the volume above which writes start to fail. */
const DISK_ERROR_FILL = 0.95;
/** Share of requests (percent) that fail on a full volume: the ones that write. */
const FULL_DISK_ERRORS = 40;

/** How a version behaves, relative to a good one. */
export interface VersionEffect {
  /** Percentage points added to the error rate. */
  readonly errorRateAdd: number;
  /** Factor on latency (1: none). */
  readonly latencyMultiplier: number;
}

/** What a scenario does to a service during one minute. */
export interface MinuteEffect {
  /** Factor on demand (1: none). */
  readonly demandMultiplier: number;
  /** Factor on latency (1: none). */
  readonly latencyMultiplier: number;
  /** Percentage points added to the error rate. */
  readonly errorRateAdd: number;
  /** Data written by the scenario so far, GiB (it stays on the volume); default 0. */
  readonly diskGiBAdded?: number;
}

export const NO_EFFECT: MinuteEffect = Object.freeze({ demandMultiplier: 1, latencyMultiplier: 1, errorRateAdd: 0 });

/** Conditions over simulated time, as a scenario (scenarios.ts) provides them. */
export interface Conditions {
  effectAt(minute: number): MinuteEffect;
  /** Versions that behave badly, by version string. */
  readonly versionEffects: Readonly<Record<string, VersionEffect>>;
}

/** The demand a service gets without any scenario. */
export interface TrafficCurve {
  /** Mean requests per minute over a day. */
  readonly baseRpm: number;
  /** Relative swing of the daily shape: demand goes from base·(1 − a) at midnight to base·(1 + a) at noon. */
  readonly dailyAmplitude: number;
  /** Time of day (minutes after midnight) at simulated minute 0. */
  readonly startMinuteOfDay: number;
  /** Relative standard deviation of the per-minute noise on demand (clipped at 3 σ). */
  readonly noise: number;
}

export interface FleetModelOptions {
  /** PRNG seed; the same seed gives the same samples. Default 1. */
  seed?: number;
  /** The traffic curve of every service; default {@link DEFAULT_TRAFFIC}. */
  traffic?: Partial<TrafficCurve>;
  /** Per-service overrides of the traffic curve, by service name. */
  trafficByService?: Readonly<Record<string, Partial<TrafficCurve>>>;
  /** Latency of an idle service, ms; default 80. */
  baseLatencyMs?: number;
  /** Latency cap (requests time out), ms; default 5000. */
  timeoutMs?: number;
  /** Error rate of a healthy service, percent; default 0.1. */
  baseErrorRate?: number;
  /** Effects of versions known to be bad, on top of a scenario's. */
  versionEffects?: Readonly<Record<string, VersionEffect>>;
}

/**
 * 90 requests per minute on average: a service of 2 small instances (the
 * sandbox stack's default) runs at about 45 % CPU, 38–52 % over the day.
 */
export const DEFAULT_TRAFFIC: TrafficCurve = Object.freeze({ baseRpm: 90, dailyAmplitude: 0.15, startMinuteOfDay: 9 * 60, noise: 0.03 });

/** Requests per minute one small instance serves; each larger size doubles it. */
export const SMALL_INSTANCE_RPM = 100;

/** Requests per minute one instance of `size` serves. */
export function instanceThroughputRpm(size: InstanceSize): number {
  const idx = INSTANCE_SIZES.indexOf(size);
  if (idx < 0) throw new Error(`unknown instanceSize: ${String(size)} (valid: ${INSTANCE_SIZES.join(', ')})`);
  return SMALL_INSTANCE_RPM * 2 ** idx;
}

/** Requests per minute the whole service can serve. */
export function serviceThroughputRpm(service: Pick<ServiceShape, 'capacity' | 'instanceSize'>): number {
  return service.capacity * instanceThroughputRpm(service.instanceSize);
}

/** CPU (fraction) for utilisation u: u below the knee, then bending towards 1 without reaching it. */
const CPU_KNEE = 0.85;
export function cpuFraction(u: number): number {
  if (u <= CPU_KNEE) return Math.max(0, u);
  const room = 1 - CPU_KNEE;
  return CPU_KNEE + room * (1 - Math.exp(-(u - CPU_KNEE) / room));
}

/** Utilisation at which queueing latency stops growing (then the timeout cap takes over). */
const MAX_QUEUE_U = 0.98;

// ---- seeded noise --------------------------------------------------------------

/** FNV-1a of a string, 32 bits. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A uniform number in (0, 1) for (seed, name, minute, channel). */
function uniform(seed: number, nameHash: number, minute: number, channel: number): number {
  return (mix(seed, nameHash, minute, channel) + 0.5) / 2 ** 32;
}

/** A standard normal number for (seed, name, minute, channel), clipped at ±3. */
function gaussian(seed: number, nameHash: number, minute: number, channel: number): number {
  const u1 = uniform(seed, nameHash, minute, channel * 2);
  const u2 = uniform(seed, nameHash, minute, channel * 2 + 1);
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.max(-3, Math.min(3, z));
}

const CHANNEL = { demand: 1, cpu: 2, latency: 3, errors: 4, disk: 5 } as const;

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// ---- the model -----------------------------------------------------------------

export interface FleetModel {
  /** The traffic curve of a service (defaults merged with its overrides). */
  traffic(serviceName: string): TrafficCurve;
  /** Requests per minute arriving at `serviceName` during `minute`, before noise. */
  expectedDemandRpm(serviceName: string, minute: number, conditions?: Conditions): number;
  /** The service's sample for `minute`, as it is sized and versioned during that minute. */
  sample(service: ServiceShape, minute: number, conditions?: Conditions): FleetSample;
}

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`invalid fleet model option ${name}: ${value} (a ${allowZero ? 'non-negative' : 'positive'} number)`);
  }
  return value;
}

function checkTraffic(where: string, t: TrafficCurve): TrafficCurve {
  positive(`${where}.baseRpm`, t.baseRpm, true);
  positive(`${where}.noise`, t.noise, true);
  if (!(t.dailyAmplitude >= 0 && t.dailyAmplitude < 1)) throw new Error(`invalid fleet model option ${where}.dailyAmplitude: ${t.dailyAmplitude} (0 ≤ a < 1)`);
  if (!Number.isFinite(t.startMinuteOfDay)) throw new Error(`invalid fleet model option ${where}.startMinuteOfDay: ${t.startMinuteOfDay}`);
  return t;
}

export function createFleetModel(options: FleetModelOptions = {}): FleetModel {
  const seed = Math.trunc(options.seed ?? 1);
  const baseLatencyMs = positive('baseLatencyMs', options.baseLatencyMs ?? 80);
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? 5000);
  const baseErrorRate = positive('baseErrorRate', options.baseErrorRate ?? 0.1, true);
  const modelVersionEffects = options.versionEffects ?? {};
  const defaults = checkTraffic('traffic', { ...DEFAULT_TRAFFIC, ...options.traffic });
  const perService = new Map<string, TrafficCurve>();
  for (const [name, over] of Object.entries(options.trafficByService ?? {})) {
    perService.set(name, checkTraffic(`trafficByService.${name}`, { ...defaults, ...over }));
  }
  const traffic = (name: string) => perService.get(name) ?? defaults;

  function expectedDemandRpm(serviceName: string, minute: number, conditions?: Conditions): number {
    const t = traffic(serviceName);
    const minuteOfDay = t.startMinuteOfDay + minute;
    // Lowest at midnight, highest at noon.
    const daily = 1 - t.dailyAmplitude * Math.cos((2 * Math.PI * minuteOfDay) / 1440);
    const effect = conditions?.effectAt(minute) ?? NO_EFFECT;
    return t.baseRpm * daily * effect.demandMultiplier;
  }

  function versionEffect(version: string, conditions?: Conditions): VersionEffect | undefined {
    return conditions?.versionEffects[version] ?? modelVersionEffects[version];
  }

  return {
    traffic,
    expectedDemandRpm,
    sample(service, minute, conditions) {
      if (!Number.isInteger(minute)) throw new Error(`minute must be a whole number, got ${minute}`);
      const nameHash = hashString(service.name);
      const t = traffic(service.name);
      const effect = conditions?.effectAt(minute) ?? NO_EFFECT;
      const version = versionEffect(service.version, conditions);

      const demand = Math.max(0, expectedDemandRpm(service.name, minute, conditions) * (1 + t.noise * gaussian(seed, nameHash, minute, CHANNEL.demand)));
      const throughput = serviceThroughputRpm(service);
      const latencyFactor = effect.latencyMultiplier * (version?.latencyMultiplier ?? 1) * (1 + 0.04 * gaussian(seed, nameHash, minute, CHANNEL.latency));
      const errorNoise = 0.03 * gaussian(seed, nameHash, minute, CHANNEL.errors);
      const addedErrors = effect.errorRateAdd + (version?.errorRateAdd ?? 0);

      let cpu: number;
      let latency: number;
      let errors: number;
      if (throughput <= 0) {
        // No instances: nothing serves, every request fails after the timeout.
        cpu = 0;
        latency = timeoutMs;
        errors = demand > 0 ? 100 : 0;
      } else {
        const u = demand / throughput;
        cpu = 100 * cpuFraction(u) + gaussian(seed, nameHash, minute, CHANNEL.cpu);
        latency = (baseLatencyMs / (1 - Math.min(u, MAX_QUEUE_U))) * latencyFactor;
        const nearSaturation = u > 0.9 ? 2 * ((Math.min(u, 1) - 0.9) / 0.1) : 0;
        const shed = u > 1 ? 100 * (1 - 1 / u) : 0;
        errors = baseErrorRate + errorNoise + addedErrors + nearSaturation + shed;
      }
      const volume = service.volumeGiB ?? DEFAULT_VOLUME_GIB;
      // Temporary files and log rotation make used space jitter: 0.1 GiB (0.5 % of the default volume).
      const data = BASE_DATA_GIB + DATA_JITTER_GIB * gaussian(seed, nameHash, minute, CHANNEL.disk) + (effect.diskGiBAdded ?? 0);
      const fill = volume > 0 ? data / volume : 1;
      if (fill > DISK_ERROR_FILL && demand > 0) errors += (FULL_DISK_ERRORS * (Math.min(fill, 1) - DISK_ERROR_FILL)) / (1 - DISK_ERROR_FILL);
      return {
        minute,
        requestCount: Math.round(demand),
        cpu: round(clamp(cpu, 0, 100), 2),
        latencyP95: round(clamp(latency, 1, timeoutMs), 1),
        errorRate: round(clamp(errors, 0, 100), 3),
        diskUsedPercent: round(clamp(100 * fill, 0, 100), 2),
      };
    },
  };
}
