/** Promotion waves: pure decisions on where a change stands and whether the next wave may apply it. */
export { advancePromotion, type Advanced, type ApplyFact, type PromotionEvent, type PromotionFacts } from './advance-promotion.ts';
export { openPromotion } from './open-promotion.ts';
export { PromotionSchema, type Promotion, type PromotionWave, type WaveState } from './promotion.ts';
export { pausePromotion, resumePromotion, type ControlResult } from './promotion-control.ts';
export { promotionGate, type PromotionGateDecision } from './promotion-gate.ts';
export { globMatches, globToRegExp, waveOf, type WaveSpec } from './wave-match.ts';
