import { pino, type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from '../audit/redact.ts';
import type { LogConfig } from '../config/log-config.ts';
import { formatTimelineEvent, TimelineEventSchema, type TimelineEvent, type TimelineEventType, type TimelineSink } from '../timeline/timeline-event.ts';

/**
 * The service's operational log: pino, one JSON object per line (or one
 * readable line, `log.format: text`), at the configured level, with one
 * child logger per stage of the loop. Every entry passes the audit log's
 * redactor on its way out: the config's secrets and anything shaped like a
 * credential become `[redacted]`, in the message and in every field.
 */

/** The stages entries are filed under: the loop's, plus the process itself and its Redis connection. */
export type LogStage = 'service' | 'intake' | 'deploy' | 'detect' | 'correlate' | 'remediate' | 'verify' | 'redis';

export interface OperationalLogOptions extends Partial<LogConfig> {
  /** Secret values to remove; read at each entry, so secrets learned later count too. */
  secrets?: () => readonly string[];
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

export function createOperationalLog(options: OperationalLogOptions = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  const format = options.format ?? 'json';
  const out = options.destination ?? pino.destination({ fd: 1, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redactSecrets(fields, secrets()) as Record<string, unknown>,
      },
      hooks: {
        // The message is not one of the fields the `log` formatter sees.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? (redactSecrets(a, secrets()) as string) : a)) as Parameters<typeof method>);
        },
      },
    },
    format === 'text' ? textLines(out) : out,
  );
}

/** Where each kind of timeline event comes from. */
const STAGE_OF: Record<TimelineEventType, LogStage> = {
  service: 'service',
  push: 'intake',
  preview: 'deploy',
  policy: 'deploy',
  apply: 'deploy',
  drift: 'deploy',
  change: 'detect',
  anomaly: 'detect',
  incident: 'correlate',
  proposal: 'remediate',
  decision: 'remediate',
  commit: 'remediate',
  verify: 'verify',
  rollback: 'remediate',
  error: 'service',
};

/** Outcomes a person should notice although nothing broke. */
const WARNING_OUTCOMES = new Set(['failed', 'violated', 'rejected', 'refused', 'aborted', 'not-effective', 'rolled-back', 'escalated']);

/** A timeline sink that writes each event to `log`, under its stage, at a level that matches what it says. */
export function logTimeline(log: Logger): TimelineSink {
  const byStage = new Map<LogStage, Logger>();
  const stageLog = (stage: LogStage) => byStage.get(stage) ?? byStage.set(stage, log.child({ stage })).get(stage)!;
  return (event) => {
    const { message, ...fields } = event;
    const target = stageLog(STAGE_OF[event.type]);
    if (event.type === 'error') target.error(fields, message);
    else if (event.outcome !== undefined && WARNING_OUTCOMES.has(event.outcome)) target.warn(fields, message);
    else target.info(fields, message);
  };
}

/** A destination that turns each JSON line pino writes into one readable line. */
function textLines(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      out.write(`${formatLogLine(JSON.parse(line) as Record<string, unknown>)}\n`);
    },
  };
}

/** One log entry as a person reads it: a timeline event as the timeline prints it, anything else as time, level, stage and message. */
export function formatLogLine(entry: Record<string, unknown>): string {
  const event = TimelineEventSchema.safeParse({ ...entry, message: entry.msg });
  if (event.success) return formatTimelineEvent(event.data as TimelineEvent);
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  return `${time} ${String(entry.level).padEnd(5)} ${String(entry.stage ?? '').padEnd(9)} ${String(entry.msg ?? '')}`;
}
