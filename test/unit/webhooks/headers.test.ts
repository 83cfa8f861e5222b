import assert from 'node:assert/strict';
import { readHeaders } from '../../../orchestrator/webhooks/headers.ts';

describe('webhooks: reading headers', () => {
  const table: [title: string, raw: Record<string, string | string[] | undefined>, expected: string | undefined][] = [
    ['finds a lower-case header by any spelling', { 'x-github-event': 'push' }, 'push'],
    ['finds a mixed-case header', { 'X-GitHub-Event': 'push' }, 'push'],
    ['trims surrounding spaces', { 'X-GitHub-Event': '  push ' }, 'push'],
    ['takes a single-element array', { 'x-github-event': ['push'] }, 'push'],
    ['takes the same value sent twice', { 'x-github-event': 'push', 'X-GITHUB-EVENT': 'push' }, 'push'],
    ['treats two different values as absent', { 'x-github-event': 'push', 'X-GitHub-Event': 'ping' }, undefined],
    ['treats an array of different values as absent', { 'x-github-event': ['push', 'ping'] }, undefined],
    ['treats an empty value as absent', { 'x-github-event': '' }, undefined],
    ['treats an undefined value as absent', { 'x-github-event': undefined }, undefined],
    ['returns undefined for a header not sent', { 'x-gitlab-event': 'Push Hook' }, undefined],
  ];
  for (const [title, raw, expected] of table) {
    it(title, () => assert.equal(readHeaders(raw)('X-GitHub-Event'), expected));
  }
});
