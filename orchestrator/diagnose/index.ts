/** Diagnosis: an incident and its context in, ranked probable causes out. Pure. */
export { DeploymentChangeSchema, DeploymentSchema, deploymentsFromRuns, describeChange } from './deployment.ts';
export type { Deployment, DeploymentChange } from './deployment.ts';
export { classifyChange } from './change-kind.ts';
export type { ChangeClass } from './change-kind.ts';
export { SignalSeriesSchema } from './signal-series.ts';
export type { SignalSeries } from './signal-series.ts';
export { DIAGNOSIS_DEFAULTS, resolveDiagnosisOptions } from './diagnosis-options.ts';
export type { DiagnosisOptions } from './diagnosis-options.ts';
export { CauseKindSchema, DiagnosisContextSchema, ProbableCauseSchema } from './probable-cause.ts';
export type { CauseKind, Diagnosis, DiagnosisContext, ProbableCause } from './probable-cause.ts';
export { deploymentCauses } from './deployment-rule.ts';
export { saturationCauses } from './saturation-rule.ts';
export { predictedSaturationCauses } from './predicted-saturation-rule.ts';
export { dependencyCauses } from './dependency-rule.ts';
export { diagnose, summarise } from './diagnose.ts';
export { LogTemplateEvidenceSchema, newErrorTemplatesAfter } from './log-template.ts';
export type { LogTemplateEvidence } from './log-template.ts';
