import { z } from 'zod';
import { GuardrailConfigSchema } from '../decide/guardrail-config.ts';

/** The AIOps sections of the service config: telemetry, forecast and remediation. */

/** Watching the stacks' health signals in CloudWatch: polls, incidents and their diagnosis. */
export const TelemetryConfigSchema = z
  .object({
    /** Watch the stacks' health signals in CloudWatch, find anomalies and open incidents. Default false. */
    enabled: z.boolean().default(false),
    /** CloudWatch endpoint override (a local endpoint such as moto); default the SDK's. */
    endpoint: z.string().url().optional(),
    /** Default: the SDK's chain (AWS_REGION). */
    region: z.string().optional(),
    /** Seconds between polls; default 60. */
    pollIntervalSeconds: z.number().min(0.1).default(60),
    /** First poll of a series looks back this far, in seconds (detectors warm up on it); default 3600. */
    initialLookbackSeconds: z.number().int().min(60).default(3600),
    /** Only periods older than this are read, in seconds (CloudWatch fills them late); default 60. */
    settleSeconds: z.number().min(0).default(60),
    /** Signals of one incident turn anomalous within this window, in seconds; default 600. */
    incidentWindowSeconds: z.number().int().min(1).default(600),
    /** An incident resolves after its signals are normal this long, in seconds; default 900. */
    incidentQuietSeconds: z.number().int().min(1).default(900),
    /** Windows of the diagnosis rules, in seconds; each defaults to diagnose/diagnosis-options.ts. */
    diagnosis: z
      .object({
        lookbackSeconds: z.number().min(0).optional(),
        afterOnsetGraceSeconds: z.number().min(0).optional(),
        leadSeconds: z.number().min(0).optional(),
        baselineSeconds: z.number().min(0).optional(),
        dependencyWindowSeconds: z.number().min(0).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .default({ enabled: false, pollIntervalSeconds: 60, initialLookbackSeconds: 3600, settleSeconds: 60, incidentWindowSeconds: 600, incidentQuietSeconds: 900, diagnosis: {} });

/**
 * Forecasts of saturating signals (role `utilisation` or `saturation`, with a `limit` in the
 * stack's contract): a breach predicted within the horizon opens a *predicted* incident, which
 * may lead to a proactive remediation. Needs telemetry.
 */
export const ForecastConfigSchema = z
  .object({
    /** Forecast saturating signals and open predicted incidents. Default true (when telemetry is enabled). */
    enabled: z.boolean().default(true),
    /**
     * A breach forecast within this many minutes opens a predicted incident; default 30. Long
     * enough for a change through Git, policy and a deploy to land first; a straight-line
     * forecast is not trusted much further (see orchestrator/forecast/README.md).
     */
    horizonMinutes: z
      .number({ error: 'a number of minutes' })
      .gt(0, 'a positive number of minutes')
      .max(24 * 60, 'at most 1440 minutes (a day): a straight-line forecast is not trusted further')
      .default(30),
    /** Smallest probability that the trend is past the limit at the horizon; in (0, 1), default 0.9. */
    minConfidence: z.number({ error: 'a probability' }).gt(0, 'a probability above 0').lt(1, 'a probability below 1').default(0.9),
  })
  .strict()
  .prefault({});

/** Acting on incidents: proposals, policy checks, commits or review items, and their verification. */
export const RemediationConfigSchema = z
  .object({
    /** Turn incidents into proposals, policy checks, commits or review items, and verify them. Default false (needs telemetry). */
    enabled: z.boolean().default(false),
    /** Confidence a proposal needs to be applied automatically, by default; in [0, 1]. Default 0.7. */
    confidenceThreshold: z.number().min(0).max(1).default(0.7),
    /** Per-stack thresholds by stack key (`<repo>/<project>/<stack>`), overriding the default. */
    stackThresholds: z.record(z.string(), z.number().min(0).max(1)).default({}),
    /**
     * Signal-time seconds of data after an incident's onset before a proposal is made: diagnosis
     * looks at the incident again with them (is demand still up? did errors follow the deploy?),
     * and an incident whose signals are back to their levels by then gets no change. Default 600:
     * a disturbance of a few minutes (a burst of demand, a blip of errors) is over before a change
     * through Git, policy and a deploy could help, and at its fourth minute it looks just like the
     * start of a lasting one; alarms still page people meanwhile.
     */
    evidenceSeconds: z.number().min(0).default(600),
    /** After the change is applied, how long to watch its signals, in seconds; default 600. */
    verificationSeconds: z.number().min(1).default(600),
    /** Fresh points each named signal needs after the apply before a verdict; default 5. */
    verificationPoints: z.number().int().min(1).default(5),
    /** Approved-and-effective reviews in a row after which a playbook runs automatically on that stack; 0 never. Default 3. */
    promoteAfter: z.number().int().min(0).default(3),
    /** Who remediation commits are authored by. */
    bot: z
      .object({ name: z.string().min(1).default('Homeostat'), email: z.string().min(3).default('homeostat@localhost') })
      .strict()
      .default({ name: 'Homeostat', email: 'homeostat@localhost' }),
    guardrails: GuardrailConfigSchema.prefault({}),
  })
  .strict()
  .prefault({});
