/**
 * Forecasts of saturating signals (time to breach a limit): the public surface
 * of `orchestrator/forecast`. Pure: the telemetry stage's forecast stage
 * (`telemetry/forecast-stage.ts`) feeds it and persists its state.
 */
export { createForecaster } from './forecaster.ts';
export type { Forecaster } from './forecaster.ts';
export { DEFAULT_FORECAST_OPTIONS, MAX_CHANGE_RUN, resolveForecastOptions } from './forecast-options.ts';
export type { ForecastOptions } from './forecast-options.ts';
export { FORECAST_STATE_LENGTH, FORECAST_STATE_VERSION } from './forecaster-state.ts';
export type { ForecasterSnapshot } from './forecaster-state.ts';
export type {
  BreachDirection,
  BreachExpectedForecast,
  BreachForecast,
  BreachedForecast,
  NoBreachForecast,
  NoBreachReason,
  SaturationLimit,
  TrendEstimate,
  WarmingUpForecast,
} from './breach-forecast.ts';
export { DEFAULT_MIN_CONFIDENCE, predictedBreach } from './predicted-breach.ts';
export type { BreachPrediction, NoPredictionReason, PredictedBreachOptions } from './predicted-breach.ts';
export { predictedBreachOf, saturationLimitOf } from './breach-watch.ts';
export type { BreachWatchOptions, ForecastPoint, SaturatingSignal } from './breach-watch.ts';
