import { z } from 'zod';

/**
 * What the traces tell the rest of the loop: per period, each service's and
 * each caller → callee edge's request rate, error rate and latency
 * percentiles, and the service graph those edges make. The shape the span
 * aggregator produces and diagnosis reads. Pure.
 */

/** One period's figures of a service or an edge. */
export const TraceFiguresSchema = z.object({
  /** Start of the period, ms since the epoch. */
  timestamp: z.number(),
  requests: z.number().int().nonnegative(),
  /** Requests per second over the period. */
  rate: z.number().nonnegative(),
  /** Share of requests that failed, 0..1; absent when there were none. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Latency percentiles in ms; absent when there were no requests. */
  p50: z.number().nonnegative().optional(),
  p95: z.number().nonnegative().optional(),
});
export type TraceFigures = z.infer<typeof TraceFiguresSchema>;

/** A service that sends spans, with the stack it runs in when known. */
export const TraceServiceSeriesSchema = z.object({
  service: z.string().min(1),
  stackKey: z.string().min(1).optional(),
  points: z.array(TraceFiguresSchema),
});
export type TraceServiceSeries = z.infer<typeof TraceServiceSeriesSchema>;

/**
 * One caller → callee edge. `measuredBy` says whose spans give the figures:
 * the callee's own server spans (children of the caller's), or the caller's
 * client spans when the callee sends none.
 */
export const TraceEdgeSeriesSchema = z.object({
  caller: z.string().min(1),
  callee: z.string().min(1),
  measuredBy: z.enum(['callee', 'caller']),
  points: z.array(TraceFiguresSchema),
});
export type TraceEdgeSeries = z.infer<typeof TraceEdgeSeriesSchema>;

/** The recent service graph from traces: services and edges, each with its recent periods in time order. */
export const TraceGraphSchema = z.object({
  periodMs: z.number().int().positive(),
  services: z.array(TraceServiceSeriesSchema),
  edges: z.array(TraceEdgeSeriesSchema),
});
export type TraceGraph = z.infer<typeof TraceGraphSchema>;
