import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JUPYTER_DISPLAY, bundleOf, escapeHtml, isDisplayable, registerDisplay, displayOf, type Displayable, type MimeBundle } from '../../src/display/protocol.js';

/** An object whose display method returns `result` (or throws it when `throws`). */
function displayable(result: unknown, throws = false): Displayable {
  return {
    [JUPYTER_DISPLAY]() {
      if (throws) throw result;
      return result as MimeBundle;
    },
  };
}

test('the protocol key is the shared Symbol.for("Jupyter.display") and isDisplayable recognises it', () => {
  assert.equal(JUPYTER_DISPLAY, Symbol.for('Jupyter.display'));
  assert.equal(isDisplayable(displayable({ 'text/plain': 'x' })), true);
  // A class instance and a function with the method count too; plain values do not.
  class Shown {
    [Symbol.for('Jupyter.display')]() {
      return { 'text/plain': 'shown' };
    }
  }
  assert.equal(isDisplayable(new Shown()), true);
  assert.equal(isDisplayable(Object.assign(() => 1, { [JUPYTER_DISPLAY]: () => ({ 'text/plain': 'f' }) })), true);
  for (const value of [null, undefined, 1, 'text', {}, [], { [JUPYTER_DISPLAY]: 'not a function' }]) assert.equal(isDisplayable(value), false, String(value));
});

test('a valid bundle keeps every MIME type, as a copy', () => {
  const bundle = { 'text/plain': 'plain', 'text/html': '<b>x</b>', 'application/vnd.plotly.v1+json': { data: [] }, 'image/svg+xml': '<svg/>' };
  const out = bundleOf(displayable(bundle));
  assert.deepEqual(out, bundle);
  assert.notEqual(out, bundle);
});

test('invalid implementations yield a text/plain description, never an exception', () => {
  class Broken {
    constructor(private readonly result: unknown, private readonly throws = false) {}
    [Symbol.for('Jupyter.display')](): unknown {
      if (this.throws) throw this.result;
      return this.result;
    }
  }
  const cases: [unknown, boolean, RegExp][] = [
    [new RangeError('no data yet'), true, /^\[Broken: cannot display: its display method threw RangeError: no data yet\]$/],
    ['a string', true, /threw a string/],
    [null, false, /returned null, not a MIME bundle/],
    ['<b>html</b>', false, /returned a string/],
    [[{ 'text/plain': 'x' }], false, /returned an array/],
    [Promise.resolve({ 'text/plain': 'late' }), false, /returned an object of class Promise/],
    [{ 'text/html': '<b>only html</b>' }, false, /needs a "text\/plain" string \(got undefined\)/],
    [{ 'text/plain': 42 }, false, /needs a "text\/plain" string \(got a number\)/],
    [{ 'text/plain': 'ok', html: '<b>x</b>' }, false, /"html" is not a MIME type/],
    [{ 'text/plain': 'ok', 'text/html': undefined }, false, /"text\/html" has no value/],
  ];
  for (const [result, throws, message] of cases) {
    const out = bundleOf(new Broken(result, throws) as unknown as Displayable);
    assert.deepEqual(Object.keys(out), ['text/plain'], String(message));
    assert.match(out['text/plain'] as string, message);
  }
});

test('escapeHtml escapes every special character; script tags never survive', () => {
  assert.equal(escapeHtml(`&"'<>`), '&amp;&quot;&#39;&lt;&gt;');
  const question = 'What is 2+2? <script>alert(1)</script> & "quotes" \'too\'';
  const escaped = escapeHtml(question);
  assert.equal(escaped, 'What is 2+2? &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;');
  assert.doesNotMatch(escaped, /[<>"']/);
  // Escaping is not idempotent by design: text is escaped exactly once, where HTML is built.
  assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  assert.equal(escapeHtml('plain text 123'), 'plain text 123');
});

test('registered renderers apply to a class and its subclasses; unknown classes get a plain name', () => {
  class Thing {
    constructor(readonly name: string) {}
  }
  class SpecialThing extends Thing {}
  registerDisplay(Thing, (t) => ({ 'text/plain': `Thing ${t.name}`, 'text/html': `<b>${escapeHtml(t.name)}</b>` }));
  assert.deepEqual(displayOf(new Thing('a<b')), { 'text/plain': 'Thing a<b', 'text/html': '<b>a&lt;b</b>' });
  assert.equal(displayOf(new SpecialThing('s'))['text/plain'], 'Thing s');
  class Unregistered {}
  assert.deepEqual(displayOf(new Unregistered()), { 'text/plain': '[Unregistered]' });
});
