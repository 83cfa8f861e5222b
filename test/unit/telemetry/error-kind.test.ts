import assert from 'node:assert/strict';
import { classifyError, errorFacts, errorText, redactSecrets, type ErrorFacts, type ErrorKind } from '../../../orchestrator/telemetry/error-kind.ts';

describe('error kinds', () => {
  const cases: [ErrorFacts, ErrorKind][] = [
    [{ name: 'Throttling', message: 'Rate exceeded', httpStatus: 400 }, 'throttled'],
    [{ name: 'ThrottlingException', message: '' }, 'throttled'],
    [{ name: 'RequestLimitExceeded', message: '' }, 'throttled'],
    [{ name: 'Whatever', message: '', httpStatus: 429 }, 'throttled'],
    [{ name: 'InternalFailure', message: '' }, 'transient'],
    [{ name: 'CloudWatchServiceException', message: '', httpStatus: 503 }, 'transient'],
    [{ name: 'Error', message: 'socket hang up', code: 'ECONNRESET' }, 'transient'],
    [{ name: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' }, 'transient'],
    [{ name: 'TimeoutError', message: '' }, 'transient'],
    [{ name: 'InvalidParameterValue', message: 'bad stat', httpStatus: 400 }, 'invalid'],
    [{ name: 'ValidationError', message: '', httpStatus: 400 }, 'invalid'],
    [{ name: 'AccessDenied', message: '', httpStatus: 403 }, 'persistent'],
    [{ name: 'InvalidClientTokenId', message: '', httpStatus: 403 }, 'persistent'],
    [{ name: 'TypeError', message: 'x is undefined' }, 'persistent'],
  ];
  for (const [facts, kind] of cases) it(`${facts.name}${facts.httpStatus ? ` ${facts.httpStatus}` : ''}${facts.code ? ` ${facts.code}` : ''} is ${kind}`, () => assert.equal(classifyError(facts), kind));
});

describe('error facts', () => {
  it('reads an SDK service exception', () => {
    const err = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    assert.deepEqual(errorFacts(err), { name: 'Throttling', message: 'Rate exceeded', httpStatus: 400 });
  });
  it('reads a network code from the error or its cause', () => {
    assert.equal(errorFacts(Object.assign(new Error('x'), { code: 'ECONNRESET' })).code, 'ECONNRESET');
    assert.equal(errorFacts(new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } })).code, 'ECONNREFUSED');
  });
  it('survives a thrown non-error', () => {
    assert.deepEqual(errorFacts('boom'), { name: 'Error', message: 'boom' });
    assert.deepEqual(errorFacts(undefined), { name: 'Error', message: 'undefined' });
  });
});

describe('error text', () => {
  const secrets: [string, string][] = [
    ['access key id', 'The security token AKIAIOSFODNN7EXAMPLE is invalid'],
    ['signature header', 'Credential=AKIAIOSFODNN7EXAMPLE/20240101/eu-west-1/monitoring/aws4_request, Signature=0123abcdef'],
    ['secret access key', 'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked'],
    ['session token', 'X-Amz-Security-Token=FwoGZXIvYXdzEJr//////////wEaDP'],
    ['url user info', 'failed to reach http://user:hunter2@127.0.0.1:5000/'],
  ];
  for (const [name, text] of secrets) {
    it(`removes a ${name}`, () => {
      const out = redactSecrets(text);
      assert.match(out, /\[redacted\]/);
      for (const s of ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '0123abcdef', 'FwoGZXIvYXdz', 'hunter2']) assert.ok(!out.includes(s), `${s} in ${out}`);
    });
  }
  it('keeps ordinary text, with name and status, cut to 300 characters', () => {
    assert.equal(errorText({ name: 'Throttling', message: 'Rate exceeded', httpStatus: 400 }), 'Throttling (HTTP 400): Rate exceeded');
    assert.equal(redactSecrets('AWS/ApplicationELB TargetResponseTime p99'), 'AWS/ApplicationELB TargetResponseTime p99');
    assert.equal(errorText({ name: 'E', message: 'x'.repeat(1000) }).length, 300);
  });
});
