/** Decisions: guardrails, the auto/review/reject decision and the playbooks' track record. Pure. */
export { FreezeWindowSchema, OnceFreezeSchema, WEEKDAYS, WeeklyFreezeSchema, activeFreeze, inFreezeWindow } from './freeze-window.ts';
export type { FreezeWindow } from './freeze-window.ts';
export { BlastRadiusSchema, CanaryGroupSchema, GuardrailConfigSchema, defaultGuardrailConfig } from './guardrail-config.ts';
export type { BlastRadius, CanaryGroup, GuardrailConfig, GuardrailConfigInput } from './guardrail-config.ts';
export type { CanaryVerification, GuardrailState } from './guardrail-state.ts';
export {
  GUARDRAILS,
  GUARDRAIL_NAMES,
  blastRadius,
  canary,
  changeFingerprint,
  cooldown,
  dryRun,
  evaluateGuardrails,
  freezeWindow,
  globalRate,
  killSwitch,
  rollbackLimit,
  stackRate,
} from './guardrails.ts';
export type { Guardrail, GuardrailInput, GuardrailName, GuardrailResult } from './guardrails.ts';
export { decide } from './decide.ts';
export { heldForDependents } from './dependent-risk.ts';
export type { Decision, DecisionInput, PolicyFinding, PolicyResult } from './decide.ts';
export {
  CALIBRATION_PRIOR_STRENGTH,
  EMPTY_COUNTS,
  OutcomeEventSchema,
  TrackCountsSchema,
  TrackRecordSchema,
  calibratedConfidence,
  countsOf,
  promotable,
  trackKey,
  updateTrackRecord,
} from './track-record.ts';
export type { Outcome, OutcomeEvent, TrackCounts, TrackRecord } from './track-record.ts';
