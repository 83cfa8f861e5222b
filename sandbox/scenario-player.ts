import { setTimeout as sleep } from 'node:timers/promises';
import type { AlarmEvaluator, AlarmTransition } from './alarm-rules.ts';
import type { FleetModel, ServiceShape } from './fleet-model.ts';
import type { MinuteRecord } from './observations.ts';
import { fleetSamplesAt, type Scenario, type ScenarioTamper, type ServiceSample } from './scenarios.ts';
import type { SimClock } from './sim-clock.ts';

/**
 * Plays a scenario against the fleet, one simulated minute at a time: at the
 * start of each minute it reads the fleet's services as they are now (so a
 * scale-out or a rollback the engine applied shows from the next minute),
 * computes their samples under the scenario, publishes them, evaluates the
 * alarms, and at the scenario's release minute has the release pushed (at
 * its tamper minute, the console change made). A
 * minute that starts late (a busy machine) is played at once, never skipped.
 */
export interface ScenarioPlayerDeps {
  clock: SimClock;
  model: FleetModel;
  scenario: Scenario;
  /** The fleet's services now. */
  services(): readonly ServiceShape[];
  publish(samples: readonly ServiceSample[]): Promise<unknown>;
  alarms?: { evaluator: AlarmEvaluator; apply(transitions: readonly AlarmTransition[]): Promise<void> };
  /** Pushes the scenario's release (a person's commit); runs beside the clock, which does not wait for it. */
  release?(version: string, minute: number): Promise<void>;
  /** Makes the scenario's console change (fleet simulator `tamper`) and reports it; runs beside the clock, like a release. */
  tamper?(patch: ScenarioTamper['patch'], minute: number): Promise<void>;
  /** Told about each minute once it is published; the clock waits for it. */
  onMinute?(record: MinuteRecord, transitions: readonly AlarmTransition[]): Promise<void> | void;
  /** Told about a minute whose publishing failed, or a failed release; the clock goes on. */
  onError?(what: string, err: Error): void;
  /** First minute to play; default 0. */
  fromMinute?: number;
}

export interface ScenarioPlayer {
  /** The next minute to be played. */
  readonly nextMinute: number;
  /** Stops after the minute under way; resolves once stopped (a release or console change under way is awaited too). */
  stop(): Promise<void>;
}

const shapeOf = (s: ServiceShape): ServiceShape => ({ name: s.name, capacity: s.capacity, instanceSize: s.instanceSize, version: s.version, ...(s.volumeGiB !== undefined ? { volumeGiB: s.volumeGiB } : {}) });

export function startScenarioPlayer(deps: ScenarioPlayerDeps): ScenarioPlayer {
  const { clock, model, scenario } = deps;
  const onError = deps.onError ?? (() => {});
  const stopping = new AbortController();
  let next = deps.fromMinute ?? 0;
  let releasing: Promise<void> | undefined;
  let tampering: Promise<void> | undefined;

  async function playMinute(m: number): Promise<void> {
    const services = deps.services().map(shapeOf);
    const samples = fleetSamplesAt(model, services, m, scenario);
    try {
      await deps.publish(samples);
    } catch (err) {
      onError(`publishing minute ${m}`, err as Error);
    }
    let transitions: AlarmTransition[] = [];
    if (deps.alarms) {
      transitions = deps.alarms.evaluator.observe(samples);
      try {
        await deps.alarms.apply(transitions);
      } catch (err) {
        onError(`setting alarm states at minute ${m}`, err as Error);
      }
    }
    if (scenario.release && scenario.release.atMinute === m && deps.release) {
      const version = scenario.release.version;
      releasing = deps.release(version, m).catch((err: Error) => onError(`releasing ${version}`, err));
    }
    if (scenario.tamper && scenario.tamper.atMinute === m && deps.tamper) {
      tampering = deps.tamper(scenario.tamper.patch, m).catch((err: Error) => onError('making the console change', err));
    }
    await deps.onMinute?.({ minute: m, realMs: clock.realMsAtMinute(m), samples, services }, transitions);
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const wait = clock.realDelayUntilMinute(next);
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal: stopping.signal });
        } catch {
          break;
        }
      }
      await playMinute(next);
      next += 1;
    }
  })();

  return {
    get nextMinute() {
      return next;
    },
    async stop() {
      stopping.abort();
      await loop;
      await releasing;
      await tampering;
    },
  };
}
