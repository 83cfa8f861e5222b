/**
 * The streaming anomaly detector: one small, fixed-size state per series,
 * updated point by point, scoring each point from earlier points only.
 *
 * Per observation, in order:
 * 1. clock: elapsed steps of the series' own sampling interval (gaps age the state);
 * 2. forecast: robust level and trend plus learnt daily/weekly profile;
 * 3. evidence, each as surprise in nats: record-breaking excursion (tail
 *    envelopes and peaks over threshold), level shift (short-term mean vs. its
 *    own spread), variance change (short-term mean of ln|z| vs. its own
 *    spread), flat line (run of repeats);
 * 4. re-base on an accepted shift, so one step change alerts once;
 * 5. learn: level, scale, envelopes, profiles;
 * 6. score: squash into [0, 1], damp repeats of an event already reported.
 *
 * Pure: no I/O, no clock, no randomness. Labels, windows and file names never
 * reach it; it sees timestamps and values only.
 */
import { resolveDetectorOptions } from './detector-options.ts';
import type { DetectorOptions } from './detector-options.ts';
import { S, createDetectorState, restoreState, snapshotState } from './detector-state.ts';
import type { DetectorSnapshot } from './detector-state.ts';
import { flatLineSurprise } from './flat-line.ts';
import { rebaseLevel, shiftSurprise, updateFastMean } from './level-shift.ts';
import { initLevel, predictLevel, scaleFloor, updateLevel } from './robust-level.ts';
import { advanceClock, decay } from './sampling-clock.ts';
import { dailyBucket, hourOf, seasonalOffset, updateSeasonalProfiles, weeklyBucket } from './seasonal-profile.ts';
import { calibratedSurprise, updateCalibration } from './surprise-calibration.ts';
import { combineSurprises, natsForScore, squash, suppressRepeats } from './surprise-score.ts';
import { narrowEnvelopes, recordSurprise, updateEnvelopes } from './tail-envelope.ts';
import { excessSurprise, updateExcess } from './tail-excess.ts';
import { rebaseVariance, regularVariance, varianceSurprise } from './variance-shift.ts';

/** What the detector says about one observation. */
export interface DetectorResult {
  /** Anomaly score in [0, 1]; higher is more anomalous. 0 during warm-up and for missing values. */
  readonly score: number;
  /** `score >= threshold`. */
  readonly isAnomaly: boolean;
}

/** A streaming detector for one series. */
export interface Detector {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<DetectorOptions>;
  /**
   * Scores an observation, then learns from it. Observations should come in
   * time order; a duplicate or earlier timestamp counts as one more observation
   * at the latest time. A non-finite value is a missing point: it scores 0 and
   * changes nothing.
   */
  update(timestampMs: number, value: number): DetectorResult;
  /** The state as JSON-safe data, to persist and later pass to {@link createDetector}. */
  snapshot(): DetectorSnapshot;
  /** Bytes of numeric state this series holds. */
  stateBytes(): number;
}

const MISSING: DetectorResult = Object.freeze({ score: 0, isAnomaly: false });

/**
 * Creates a detector, fresh or resumed from a snapshot.
 *
 * @param options - overrides of the defaults (`DEFAULT_DETECTOR_OPTIONS`).
 * @param snapshot - state from {@link Detector.snapshot} of a detector with the same options.
 */
export function createDetector(options: Partial<DetectorOptions> = {}, snapshot?: DetectorSnapshot): Detector {
  const o = resolveDetectorOptions(options);
  const state = snapshot === undefined ? createDetectorState() : restoreState(snapshot);
  // Bound once, as locals of this closure: read through an object on every point, they halved bench:detector's throughput (two alternating runs).
  const { alarmNats, shiftMinWeight, calibrationPriorPoints, seasonHorizon, unit, regularSpread } = constantsOf(o);

  function update(timestampMs: number, value: number): DetectorResult {
    if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) return MISSING;
    // 1. clock
    const steps = advanceClock(state, timestampMs);
    const count = state[S.count]! + 1;
    state[S.count] = count;
    if (count === 1) {
      initLevel(state, value);
      state[S.previous] = value;
      return MISSING;
    }
    const one = steps === 1;
    const keepLevel = one ? unit.level : decay(steps, o.levelHorizon);
    const keepShort = one ? unit.short : decay(steps, o.shiftHorizon);
    const keepVariance = one ? unit.variance : decay(steps, o.varianceHorizon);
    const keepEnvelope = one ? unit.envelope : decay(steps, o.envelopeHorizon);

    // 2. forecast
    const hour = hourOf(timestampMs);
    const day = dailyBucket(hour);
    const week = weeklyBucket(hour);
    const season = seasonalOffset(state, day, week);
    const y = value - season;
    const forecast = predictLevel(state, steps);
    const scale = Math.max(state[S.scale]!, scaleFloor(state));
    const residual = y - forecast;

    // 3. evidence
    // A spike must be surprising under both models of the tail: record-breaking and peaks over threshold.
    const points = state[S.envelopeWeight]!;
    const record = Math.min(recordSurprise(state, residual, scale, o.minEnvelope), excessSurprise(state, residual, scale, points));
    const z = residual / scale;
    const shift = shiftSurprise(state, z, keepShort, keepLevel, o.huberClip, shiftMinWeight);
    const spread = varianceSurprise(state, z, keepVariance, keepLevel, o.huberClip, shiftMinWeight, regularSpread);
    const flat = flatLineSurprise(state, value, keepEnvelope, alarmNats);
    const raw = combineSurprises(record, shift, spread, flat);
    // Judged against this series' own earlier surprises (before learning from this one: causal).
    const nats = calibratedSurprise(state, raw, o.calibrationBase, o.calibrationPrior, calibrationPriorPoints);

    // 4. re-base on an accepted shift
    if (shift > o.rebaseNats) {
      rebaseLevel(state);
      rebaseVariance(state);
      narrowEnvelopes(state, o.rebaseEnvelope * scale);
    }

    // 5. learn
    updateLevel(state, y, steps, keepLevel, o.levelHorizon, o.huberClip);
    updateFastMean(state, y, keepShort);
    updateEnvelopes(state, y - state[S.level]!, keepEnvelope);
    updateExcess(state, residual, scale, points, keepEnvelope, alarmNats);
    updateSeasonalProfiles(state, hour, day, week, value, forecast, scale, o.huberClip, one ? unit.season : decay(steps, seasonHorizon));
    if (count > shiftMinWeight) updateCalibration(state, raw, keepEnvelope, o.calibrationBase);
    state[S.previous] = value;

    // 6. score
    const squashed = count > o.warmUpPoints ? squash(nats, o.scoreHalfNats) : 0;
    const score = suppressRepeats(state, squashed, count > o.warmUpPoints ? nats : 0, one ? unit.suppression : decay(steps, o.suppressionHorizon), o.suppressionFactor, o.suppressionGrowth);
    return { score, isAnomaly: score >= o.threshold };
  }

  return {
    options: o,
    update,
    snapshot: () => snapshotState(state),
    stateBytes: () => state.byteLength,
  };
}

/** What a detector computes once from its options. */
function constantsOf(o: DetectorOptions) {
  const seasonHorizon = 2 * o.levelHorizon;
  // Decay factors for the usual case of one step between points, computed once: exp() is the main cost per point.
  const unit = {
    level: decay(1, o.levelHorizon),
    short: decay(1, o.shiftHorizon),
    variance: decay(1, o.varianceHorizon),
    envelope: decay(1, o.envelopeHorizon),
    season: decay(1, seasonHorizon),
    suppression: decay(1, o.suppressionHorizon),
  };
  return {
    // Surprise at the alerting threshold: flat-line runs report once they reach it.
    alarmNats: natsForScore(o.threshold, o.scoreHalfNats),
    shiftMinWeight: o.warmUpPoints / 2,
    calibrationPriorPoints: o.calibrationPrior * Math.exp(o.calibrationBase),
    seasonHorizon,
    unit,
    regularSpread: regularVariance(unit.variance),
  };
}
