import { z } from 'zod';

/**
 * Each playbook's record on each stack: how often it proposed, was
 * approved, applied, effective or rolled back. It feeds calibration (how
 * far to trust a playbook's own confidence) and promotion (when a playbook
 * that ran in review mode may run automatically).
 */

export const TrackCountsSchema = z.object({
  proposed: z.number().int().nonnegative().default(0),
  /** Approved by a person in review. */
  approved: z.number().int().nonnegative().default(0),
  /** Rejected by a person in review. */
  rejected: z.number().int().nonnegative().default(0),
  applied: z.number().int().nonnegative().default(0),
  /** Verified as having helped, and kept. */
  effective: z.number().int().nonnegative().default(0),
  rolledBack: z.number().int().nonnegative().default(0),
  /** Approved in review and then effective. */
  reviewEffective: z.number().int().nonnegative().default(0),
  /** Approved-and-effective in review in a row, with no rejection or rollback since. */
  reviewStreak: z.number().int().nonnegative().default(0),
});
export type TrackCounts = z.infer<typeof TrackCountsSchema>;

/** Counts by {@link trackKey}. Plain JSON; parse with {@link TrackRecordSchema} when read back. */
export const TrackRecordSchema = z.object({ entries: z.record(z.string(), TrackCountsSchema) });
export type TrackRecord = z.infer<typeof TrackRecordSchema>;

export const OutcomeEventSchema = z.enum(['proposed', 'approved', 'rejected', 'applied', 'effective', 'rolled-back']);
export type OutcomeEvent = z.infer<typeof OutcomeEventSchema>;

/** One thing that happened to one proposal. */
export interface Outcome {
  playbook: string;
  stackKey: string;
  event: OutcomeEvent;
  /** How the proposal was handled: automatically, or through review. */
  mode: 'auto' | 'review';
}

export const EMPTY_COUNTS: Readonly<TrackCounts> = Object.freeze({
  proposed: 0,
  approved: 0,
  rejected: 0,
  applied: 0,
  effective: 0,
  rolledBack: 0,
  reviewEffective: 0,
  reviewStreak: 0,
});

/** `scale-out@infra/./sandbox`. */
export function trackKey(playbook: string, stackKey: string): string {
  return `${playbook}@${stackKey}`;
}

/** The counts of one playbook on one stack (zeros when it has none). */
export function countsOf(record: TrackRecord, playbook: string, stackKey: string): TrackCounts {
  return { ...EMPTY_COUNTS, ...record.entries[trackKey(playbook, stackKey)] };
}

/** The record with one outcome counted. Returns a new record; the one given is left as it was. */
export function updateTrackRecord(record: TrackRecord, outcome: Outcome): TrackRecord {
  const c = countsOf(record, outcome.playbook, outcome.stackKey);
  switch (outcome.event) {
    case 'proposed':
      c.proposed++;
      break;
    case 'approved':
      c.approved++;
      break;
    case 'rejected':
      c.rejected++;
      c.reviewStreak = 0;
      break;
    case 'applied':
      c.applied++;
      break;
    case 'effective':
      c.effective++;
      if (outcome.mode === 'review') {
        c.reviewEffective++;
        c.reviewStreak++;
      }
      break;
    case 'rolled-back':
      c.rolledBack++;
      c.reviewStreak = 0;
      break;
  }
  return { entries: { ...record.entries, [trackKey(outcome.playbook, outcome.stackKey)]: c } };
}

/** Weight of a playbook's own confidence, in verified outcomes; default 4. */
export const CALIBRATION_PRIOR_STRENGTH = 4;

/**
 * A playbook's confidence corrected by its record: the mean of a Beta
 * prior centred on `raw` with the weight of `priorStrength` outcomes,
 * updated with the verified ones (effective against rolled back):
 *
 *   (priorStrength x raw + effective) / (priorStrength + effective + rolledBack)
 *
 * With no record it is `raw`; as outcomes accumulate it moves toward the
 * observed effectiveness. In [0, 1].
 */
export function calibratedConfidence(raw: number, counts: Pick<TrackCounts, 'effective' | 'rolledBack'>, priorStrength = CALIBRATION_PRIOR_STRENGTH): number {
  const p = Math.min(1, Math.max(0, Number.isFinite(raw) ? raw : 0));
  const n = Math.max(0, priorStrength);
  const verdicts = counts.effective + counts.rolledBack;
  if (n + verdicts === 0) return p;
  return Math.min(1, Math.max(0, (n * p + counts.effective) / (n + verdicts)));
}

/**
 * Whether a playbook that runs in review mode on a stack has earned
 * automatic runs there: approved and effective `k` times in a row in review,
 * with no rejection or rollback in between.
 */
export function promotable(counts: Pick<TrackCounts, 'reviewStreak'>, k: number): boolean {
  return k > 0 && counts.reviewStreak >= k;
}
