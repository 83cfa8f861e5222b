import assert from 'node:assert/strict';
import { createTemplateMiner } from '../../../orchestrator/logs/template-miner.ts';
import { enumWord, plainWord } from '../../../orchestrator/logs/word-states.ts';

/** Each message's group at the end of the stream, as the bench reads it. */
function groupsAtEnd(messages: readonly string[], wordStates = 2): string[] {
  const miner = createTemplateMiner({ wordStates });
  const groups = messages.map((m) => miner.add(m).group);
  return groups.map((g) => miner.groupNow(g));
}

describe('word states', () => {
  it('reads letters, inner _ - * and one trailing sentence mark as a plain word, and nothing with a digit, dot or other punctuation', () => {
    for (const w of ['begin', 'SUSPENDED', 'Yes,', 'system_info*', 'on-line']) assert.equal(plainWord(w), true, w);
    for (const w of ['en0', 'a.b.c', 'user=root', '', '<*>', '-x']) assert.equal(plainWord(w), false, w);
  });
  it('tells apart lines that differ only in a state word, in one template', () => {
    const miner = createTemplateMiner();
    const begin = miner.add('The change in focus caused us to need to do a layout begin');
    const end = miner.add('The change in focus caused us to need to do a layout end');
    const begin2 = miner.add('The change in focus caused us to need to do a layout begin');
    assert.equal(end.templateId, begin.templateId);
    assert.equal(end.template, 'The change in focus caused us to need to do a layout <*>');
    assert.notEqual(miner.groupNow(end.group), miner.groupNow(begin.group));
    assert.equal(miner.groupNow(begin2.group), miner.groupNow(begin.group));
  });
  it('brings the lines together again once the word shows more values than the limit: it was a variable', () => {
    const g = groupsAtEnd(['session closed for user cyrus', 'session closed for user news', 'session closed for user cyrus', 'session closed for user test']);
    assert.equal(new Set(g).size, 1);
  });
  it('keeps telling states apart up to the limit', () => {
    const g = groupsAtEnd(['Captive: handler en0: Evaluating', 'Captive: handler en0: Authenticated', 'Captive: handler en0: Inactive'], 3);
    assert.equal(new Set(g).size, 3);
  });
  it('does not read the unit after a number as a state: it changes with the size', () => {
    const g = groupsAtEnd(['Block rdd_1 stored in memory of size 5.2 KB so far', 'Block rdd_2 stored in memory of size 80 B so far', 'Block rdd_3 stored in memory of size 1.5 KB so far']);
    assert.equal(new Set(g).size, 1);
  });
  it('reads capitals and _ as an enum-style name', () => {
    for (const w of ['RUNNING', 'TIME_TICK', 'LOOKING,']) assert.equal(enumWord(w), true, w);
    for (const w of ['Running', 'A', 'cyrus', 'IPV4']) assert.equal(enumWord(w), false, w);
  });
  it('allows an enum-style state twice the words of a plain one: three states by name stay apart, three user names are one variable', () => {
    const states = groupsAtEnd(['peer changed state to LOOKING', 'peer changed state to LEADING', 'peer changed state to FOLLOWING', 'peer changed state to LOOKING']);
    assert.equal(new Set(states).size, 3);
    const users = groupsAtEnd(['session opened for user cyrus', 'session opened for user news', 'session opened for user test']);
    assert.equal(new Set(users).size, 1);
  });
  it('tracks nothing with a limit below two', () => {
    const g = groupsAtEnd(['we need to do a layout begin now', 'we need to do a layout end now'], 0);
    assert.equal(new Set(g).size, 1);
  });
});
