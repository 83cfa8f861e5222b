import assert from 'node:assert/strict';
import { BuildError, buildErrorOf, formatBuildErrors } from '../../../orchestrator/build/build-errors.ts';

describe('build errors: a compile error names file and line', () => {
  const at = (file: string, line: number, column: number) => ({ file, line, column, lineText: '' });

  it('prints file:line:column (column counted from 1, like an editor) before the text', () => {
    assert.equal(formatBuildErrors([{ text: 'Expected ";" but found "capacity"', location: at('stacks/sandbox/index.ts', 12, 4) }]), 'stacks/sandbox/index.ts:12:5: Expected ";" but found "capacity"');
  });

  it('keeps an error without a place, and counts what it leaves out', () => {
    const many = [{ text: 'Could not resolve "./gone.ts"' }, ...[1, 2, 3, 4].map((n) => ({ text: `error ${n}`, location: at('a.ts', n, 0) }))];
    assert.equal(formatBuildErrors(many), 'Could not resolve "./gone.ts"; a.ts:1:1: error 1; a.ts:2:1: error 2; and 2 more errors');
    assert.equal(formatBuildErrors(many.slice(0, 4)), 'Could not resolve "./gone.ts"; a.ts:1:1: error 1; a.ts:2:1: error 2; and 1 more error');
  });

  it('is an InvalidProgram that stalls, naming the first place in the message and on its own', () => {
    const err = buildErrorOf([{ text: 'Unexpected "}"', location: at('stacks/index.ts', 3, 0) }], 'the program (stacks/main.mjs)');
    assert.ok(err instanceof BuildError);
    assert.equal(err.reason, 'InvalidProgram');
    assert.equal(err.kind, 'stalled');
    assert.equal(err.at, 'stacks/index.ts:3:1');
    assert.equal(err.message, 'the program (stacks/main.mjs) does not compile: stacks/index.ts:3:1: Unexpected "}"');
  });
});
