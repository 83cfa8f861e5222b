import type { IncidentStore } from '../correlate/incident-store.ts';
import type { ForecastStage } from '../telemetry/index.ts';

/**
 * The incident store as the detect runner is given it, with the forecasters
 * fed on the way: the runner keeps every polled batch of points as recent
 * values (`addRecent`) before its detectors score them, so the same points,
 * in the same order, reach the forecasters there. A batch the forecast stage
 * fails on fails the poll's hand-over, and comes again with the next poll
 * (recent values are keyed by time, so keeping them twice changes nothing).
 *
 * Why here: the detect runner belongs to the detect stage, and the forecast
 * stage is a peer of the detectors rather than a part of them.
 */
export function feedingForecasts(incidents: IncidentStore, forecasts: ForecastStage): IncidentStore {
  return {
    ...incidents,
    async addRecent(points, keep) {
      await incidents.addRecent(points, keep);
      await forecasts.handlePoints(points);
    },
  };
}
