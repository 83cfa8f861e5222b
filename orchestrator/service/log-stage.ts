import { anomalyInput, withRoles } from '../correlate/index.ts';
import { contextFrom } from '../correlate/stack-context.ts';
import type { LogEvidenceStore } from '../logs/log-evidence-store.ts';
import { logGroupsOfOutputs, type WatchedLogGroup } from '../logs/log-groups.ts';
import { createLogRunner, type LogRunSummary } from '../logs/log-runner.ts';
import { every, type Periodic } from '../runtime/periodic.ts';
import type { ReaderTurn } from '../runtime/reader-turn.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { SharedParts } from './shared-parts.ts';

/**
 * The log half of the detect stage, started next to the metrics poller:
 * every poll interval it reads the log groups the applied stacks' contracts
 * name (learnt afresh each poll, as the metrics poller learns its signals),
 * and its anomalies go on the same signal queue as the metrics' anomalies.
 * Reads are retried on throttling with the metrics' backoff schedule (the
 * poller's defaults are the same policy). The lines behind new templates and
 * log anomalies are recorded in `evidence` for incidents and diagnosis.
 */
export interface LogStageOptions {
  readonly evidence: LogEvidenceStore;
  readonly pollIntervalMs: number;
  readonly endpoint?: string;
  readonly region?: string;
  readonly initialLookbackMs: number;
  readonly settleMs: number;
  /** When several processes could read: reads only while this process has the turn. */
  readonly turn?: ReaderTurn;
}

export interface LogStage {
  /** One poll now (the periodic one waits for it); for tests. `read: false` when another process has the turn. */
  pollOnce(): Promise<LogRunSummary & { read: boolean }>;
  stop(): Promise<void>;
}

export function startLogStage(parts: Pick<SharedParts, 'redis' | 'prefix' | 'store' | 'signals' | 'emit'>, o: LogStageOptions): LogStage {
  const { emit } = parts;
  // A problem is told once, and again only when it changes: a poll every few seconds would drown the timeline.
  const told = new Map<string, string>();
  const tell = (about: string, problem: string) => {
    if (problem && problem !== told.get(about)) emit(timelineEvent('error', problem));
    told.set(about, problem);
  };

  async function groups(): Promise<WatchedLogGroup[]> {
    const out: WatchedLogGroup[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const s of await parts.store.statuses()) {
      if (s.outputs?.homeostat === undefined) continue;
      try {
        for (const g of logGroupsOfOutputs(s.stackKey, s.outputs.homeostat)) {
          // One group named by two stacks would share one watermark: the first stack keeps it.
          if (seen.has(g.name)) problems.push(`${s.stackKey}: log group ${g.name} is already read for another stack; not read twice`);
          else out.push(g);
          seen.add(g.name);
        }
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    tell('contracts', problems.join('; '));
    return out;
  }

  const newRunner = () => createLogRunner({
    redis: parts.redis,
    prefix: parts.prefix,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    groups,
    evidence: o.evidence,
    pollerOptions: { initialLookbackMs: o.initialLookbackMs, settleMs: o.settleMs },
    onWarning: (message) => emit(timelineEvent('error', message)),
    onAnomalies: async (anomalies) => {
      const ctx = contextFrom(await parts.store.statuses(), []);
      await parts.signals.add(withRoles(anomalies, ctx.topology).map(anomalyInput));
    },
  });

  let runner: ReturnType<typeof newRunner> | undefined;
  let last: (LogRunSummary & { read: boolean }) | undefined;
  const pollOnce = async (): Promise<void> => {
    const turn = o.turn ? await o.turn.take() : 'kept';
    if (turn === 'elsewhere') {
      last = { events: 0, calls: 0, retries: 0, failed: [], missing: [], points: 0, anomalies: 0, newTemplates: 0, read: false };
      return;
    }
    if (turn === 'taken') {
      // Another process may have read and mined since this one last did: templates and detector states start again.
      runner?.close();
      runner = undefined;
    }
    runner ??= newRunner();
    last = { ...(await runner.pollOnce()), read: true };
    tell('reads', last.failed.length ? `log read incomplete: ${last.failed.map((f) => `${f.group}: ${f.error}`).join('; ')}` : '');
  };
  const periodic: Periodic = every(o.pollIntervalMs, pollOnce, (err) => emit(timelineEvent('error', `log poll failed: ${err.message}`)), { runAtStart: true });

  return {
    async pollOnce() {
      await periodic.runNow();
      return last!;
    },
    async stop() {
      // The poll under way ends first: no read outlives the client it uses.
      await periodic.stop();
      runner?.close();
      await o.turn?.release();
    },
  };
}
