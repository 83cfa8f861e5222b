import assert from 'node:assert/strict';
import { changedOutputs } from '../../../orchestrator/deploy/output-changes.ts';

describe('the outputs an apply changed', () => {
  const cases: { name: string; before: Record<string, unknown> | undefined; after: Record<string, unknown>; want: string[] }[] = [
    { name: 'every output of a new stack', before: undefined, after: { url: 'http://a', port: 80 }, want: ['port', 'url'] },
    { name: 'none when the values are the same, nested ones compared by value', before: { url: 'http://a', tags: { team: 'x' } }, after: { tags: { team: 'x' }, url: 'http://a' }, want: [] },
    { name: 'one with a new value', before: { url: 'http://a', port: 80 }, after: { url: 'http://a', port: 8080 }, want: ['port'] },
    { name: 'a nested change, by its top-level name', before: { tags: { team: 'x' } }, after: { tags: { team: 'y' } }, want: ['tags'] },
    { name: 'one added and one removed', before: { old: 1 }, after: { new: 1 }, want: ['new', 'old'] },
    { name: 'one that becomes null', before: { url: 'http://a' }, after: { url: null }, want: ['url'] },
    { name: 'none for a stack without outputs before or after', before: undefined, after: {}, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(changedOutputs(c.before, c.after), c.want));
  }
});
