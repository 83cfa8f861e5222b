/**
 * Types of promotions-view.js (plain JavaScript, served to the browser as it
 * is), so that TypeScript tests can import it. Keep in step with it.
 */
import type { Promotion } from '../../promote/promotion.ts';
import type { VNode } from './render.js';

export function soakLeftText(endMs: number, nowMs: number): string;
export function waveShownState(promotion: Promotion, index: number): Promotion['waves'][number]['state'] | 'paused';
export function promotionsList(promotions: Promotion[], nowMs: number): VNode;
