// BehaviorState.servesAll lets the request path skip the behavior decision: it must hold exactly
// while the decision could only be "serve, no overrides" (the default Normal), and the decision it
// stands for must equal what forRequest answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBehavior } from '../../simulator/behaviors/registry.js';
import { BehaviorState } from '../../simulator/behaviors/state.js';

const facts = { port: 1, serverKey: 'k', method: 'POST', path: '/api/chat', model: 'llama3.2', seed: 0 };
const servedTiming = (s: BehaviorState) => {
  const e = s.forRequest(facts).effect;
  return e.kind === 'serve' ? Object.values(e.timing ?? {}).filter((v) => v !== undefined) : null;
};

test('the default Normal serves all, and forRequest agrees: serve, no overrides', () => {
  const s = new BehaviorState(() => {});
  assert.ok(s.servesAll);
  assert.is(s.normal.spec.type, 'Normal');
  assert.is(s.normal.effect.kind, 'serve');
  assert.equal(servedTiming(s), []);
  assert.is(s.forRequest(facts).spec.type, 'Normal');
});

test('a Normal with parameters, set through the API, does not: its overrides apply', () => {
  const s = new BehaviorState(() => {});
  s.set(parseBehavior({ type: 'Normal', num_tokens: 3 }));
  assert.not.ok(s.servesAll);
  const e = s.forRequest(facts).effect;
  assert.ok(e.kind === 'serve' && e.timing?.numTokens === 3);
});

test('a behavior for N requests: not while it is active, again once it is used up', () => {
  const s = new BehaviorState(() => {});
  s.set(parseBehavior({ type: 'HttpError', status_code: 500, times: 1 }));
  assert.not.ok(s.servesAll);
  assert.is(s.forRequest(facts).effect.kind, 'error');
  assert.ok(s.servesAll, 'back to the default Normal');
  s.reset();
  assert.ok(s.servesAll);
});

test.run();
