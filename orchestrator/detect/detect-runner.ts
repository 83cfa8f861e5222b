import { alarmInputsFromPoll, anomalyInput, withRoles } from '../correlate/index.ts';
import type { RunStore } from '../records/run-store.ts';
import {
  createAnomalyStage,
  createCloudWatchReader,
  createRedisTelemetryStore,
  createTelemetryPoller,
  type SignalHealth,
  type TelemetryPoller,
  type TelemetryPollerOptions,
  type WatchedStack,
} from '../telemetry/index.ts';
import { every, type Periodic } from '../runtime/periodic.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import type { Redis } from 'ioredis';
import type { ReaderTurn } from '../runtime/reader-turn.ts';
import type { SignalQueue } from '../correlate/signal-queue.ts';
import { contextFrom } from '../correlate/stack-context.ts';
import type { IncidentStore } from '../correlate/incident-store.ts';
import { coalescedScores, createScoreStore } from '../telemetry/score-store.ts';
import type { SignalHealthStore } from '../telemetry/signal-health-store.ts';

export interface DetectRunnerDeps {
  redis: Redis;
  prefix: string;
  runs: RunStore;
  incidents: IncidentStore;
  signals: SignalQueue;
  /** CloudWatch endpoint override (moto); region and credentials come from the SDK chain. */
  endpoint?: string;
  region?: string;
  pollIntervalMs: number;
  pollerOptions?: Partial<TelemetryPollerOptions>;
  emit?: TimelineSink;
  /** When several processes could read: reads only while this process has the turn. */
  turn?: ReaderTurn;
  /** Told when this process takes the turn, to drop what stages fed by its points keep in memory. */
  onTurnTaken?: () => void;
  /** Where the reader leaves its signals' health for the other processes, and its name there. */
  sharedHealth?: { store: SignalHealthStore; readBy: string };
}

/**
 * Ingestion for every applied stack: polls CloudWatch for the signals each
 * stack declares (re-reading the stacks as they are applied), scores each
 * point with its series' detector, and puts anomalies and alarm states on the
 * signal queue.
 */
export function startDetectRunner(deps: DetectRunnerDeps) {
  const emit = deps.emit ?? (() => {});
  const store = createRedisTelemetryStore({ redis: deps.redis, prefix: deps.prefix });
  const reader = createCloudWatchReader({ ...(deps.endpoint ? { endpoint: deps.endpoint } : {}), ...(deps.region ? { region: deps.region } : {}) });
  let poller: TelemetryPoller | undefined;
  let watchedKey = '';
  let watched: WatchedStack[] = [];
  let periodic: Periodic | undefined;

  // Every point's score, kept per series with a bounded size, for the dashboard's score line.
  const scores = coalescedScores(createScoreStore(deps.redis, deps.prefix), { onError: (err) => emit(timelineEvent('error', `anomaly scores not stored: ${err.message}`)) });
  const stage = createAnomalyStage({
    store,
    onScores: (points) => scores.add(points),
    onWarning: (message) => emit(timelineEvent('error', message)),
    onAnomalies: async (anomalies) => {
      const ctx = contextFrom(await deps.runs.statuses(), []);
      await deps.signals.add(withRoles(anomalies, ctx.topology).map(anomalyInput));
    },
  });

  async function pollOnce(): Promise<void> {
    const turn = deps.turn ? await deps.turn.take() : 'kept';
    if (turn === 'elsewhere') {
      // Its signals' health is the reader's to tell now; this process's would go stale.
      poller = undefined;
      return;
    }
    if (turn === 'taken') {
      // Another process may have read and scored since this one last did: start again from the store.
      watchedKey = '';
      stage.forget();
      deps.onTurnTaken?.();
    }
    const ctx = contextFrom(await deps.runs.statuses(), []);
    const key = JSON.stringify(ctx.watched);
    if (key !== watchedKey) {
      watchedKey = key;
      watched = ctx.watched;
      poller = createTelemetryPoller({
        reader,
        store,
        stacks: watched,
        ...(deps.pollerOptions ? { options: deps.pollerOptions } : {}),
        onEvent: async (event) => {
          if (event.kind === 'points') {
            await deps.incidents.addRecent(event.points);
            await stage.handlePoints(event.points);
          } else {
            const state = await deps.incidents.trackerState();
            await deps.signals.add(alarmInputsFromPoll(state, event.alarms, event.observedAt, watched.map((w) => w.stackKey)));
          }
        },
      });
    }
    if (watched.length > 0) await poller?.pollOnce();
    if (poller) await deps.sharedHealth?.store.publish(deps.sharedHealth.readBy, poller.signalHealth());
  }

  return {
    pollOnce,
    start() {
      periodic ??= every(deps.pollIntervalMs, pollOnce, (err) => emit(timelineEvent('error', `telemetry poll failed: ${err.message}`)), { runAtStart: true });
    },
    /** This process's own list while it reads; else the reader's, from Redis (empty when none is fresh). */
    async signalHealth(): Promise<SignalHealth[]> {
      if (poller) return poller.signalHealth();
      const shared = await deps.sharedHealth?.store.read().catch((err: Error) => emit(timelineEvent('error', `signal health not shown: ${err.message}`)));
      return [...(shared?.signals ?? [])];
    },
    async stop() {
      await periodic?.stop();
      await scores.flush();
      await deps.turn?.release();
    },
  };
}
export type DetectRunner = ReturnType<typeof startDetectRunner>;
