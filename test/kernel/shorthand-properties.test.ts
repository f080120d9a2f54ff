import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandShorthandProperties } from '../../src/kernel/shorthand-properties.js';

test('shorthand properties are written out; everything else is left as it is', () => {
  const source = 'const o = { alpha, beta: 2, gamma };\nconst { delta } = o;\n({ eps = 1 } = o);\nf({ ...rest, zeta });';
  assert.equal(
    expandShorthandProperties(source).source,
    'const o = { alpha: alpha, beta: 2, gamma: gamma };\nconst { delta } = o;\n({ eps: eps = 1 } = o);\nf({ ...rest, zeta: zeta });',
  );
  const plain = 'const x = [1, 2];\nclass A { m() { return { a: 1 }; } }';
  assert.equal(expandShorthandProperties(plain).source, plain);
});

test('offsets in the expanded source map back to the source as written', () => {
  const source = 'const o = { alpha, b };\nbad(';
  const expanded = expandShorthandProperties(source);
  assert.equal(expanded.source, 'const o = { alpha: alpha, b: b };\nbad(');
  // Before, inside and after an insertion; the second line.
  assert.equal(expanded.originalOffset(12), 12); // "alpha"
  assert.equal(expanded.originalOffset(19), 17); // inside ": alpha" -> end of "alpha"
  assert.equal(expanded.originalOffset(expanded.source.indexOf('b:')), source.indexOf('b }'));
  assert.equal(expanded.originalOffset(expanded.source.indexOf('bad')), source.indexOf('bad'));
});
