import { z } from 'zod';
import { SignalRoleSchema } from '../../stacks/contract.ts';

/**
 * A forecast that a saturating health signal (role `utilisation` or
 * `saturation`, with a `limit` in the stack's contract) will reach its limit
 * within the configured horizon: what the forecast stage hands to
 * correlation, where it opens (or joins) a *predicted* incident. Parsed with
 * this schema where it crosses a boundary (a job payload read back from Redis).
 */
export const PredictedBreachSchema = z.object({
  /** Stable id of the metric series. */
  seriesId: z.string().min(1),
  stackKey: z.string().min(1),
  /** The health signal's id in the stack's contract, for example `disk`. */
  signalId: z.string().min(1),
  role: SignalRoleSchema,
  /** Time of the latest point the forecast rests on (start of its metric period), epoch ms. */
  timestamp: z.number().int().nonnegative(),
  /** That point's value. */
  value: z.number(),
  /** The contract's limit and the side it is breached from (`up`: higher is worse). */
  limit: z.number(),
  direction: z.enum(['up', 'down']),
  /** Point estimate of the time from `timestamp` to the breach, ms. */
  timeToBreachMs: z.number().nonnegative(),
  /** Interval of the time to breach (ms from `timestamp`), at the forecaster's interval level. */
  interval: z.object({ earliestMs: z.number().nonnegative(), latestMs: z.number().nonnegative() }),
  /** Probability that the trend is past the limit at the horizon. */
  confidence: z.number().min(0).max(1),
  /** The horizon the prediction was judged against, ms. */
  horizonMs: z.number().positive(),
  /** One line for a person, from `predictedBreach`. */
  summary: z.string(),
});
export type PredictedBreach = z.infer<typeof PredictedBreachSchema>;

/**
 * What an incident keeps of the predictions of one series: when it was first
 * predicted and the latest forecast. Kept on the incident even once observed
 * anomalies or alarms join it, so the lead time stays on record.
 */
export const IncidentPredictionSchema = z.object({
  seriesId: z.string(),
  stackKey: z.string(),
  signalId: z.string(),
  role: SignalRoleSchema,
  limit: z.number(),
  direction: z.enum(['up', 'down']),
  /** Time of the point behind the first prediction, epoch ms. */
  firstPredictedAt: z.number(),
  /** The time to breach and its interval as first predicted (ms from `firstPredictedAt`). */
  firstTimeToBreachMs: z.number().nonnegative(),
  firstInterval: z.object({ earliestMs: z.number().nonnegative(), latestMs: z.number().nonnegative() }),
  /** Time of the point behind the latest prediction, epoch ms. */
  lastPredictedAt: z.number(),
  /** Latest time to breach and interval (ms from `lastPredictedAt`), its breach time and confidence. */
  timeToBreachMs: z.number().nonnegative(),
  interval: z.object({ earliestMs: z.number().nonnegative(), latestMs: z.number().nonnegative() }),
  breachAt: z.number(),
  confidence: z.number().min(0).max(1),
  /** Value of the series at the latest prediction. */
  lastValue: z.number(),
  horizonMs: z.number().positive(),
  /** Predictions counted (each point once). */
  points: z.number().int().nonnegative(),
  summary: z.string(),
});
export type IncidentPrediction = z.infer<typeof IncidentPredictionSchema>;
