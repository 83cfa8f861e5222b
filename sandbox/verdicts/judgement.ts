/** What a per-scenario verdict says: still watching, or passed or failed, with a line and the facts behind it. */
export interface Judgement {
  readonly status: 'pending' | 'passed' | 'failed';
  readonly summary: string;
  readonly reasons: readonly string[];
}
