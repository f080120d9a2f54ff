import { test } from 'node:test';
import assert from 'node:assert/strict';
import { display, displaySink, inNotebook, isDisplayHandle, setDisplaySink, bundleForDisplay, type DisplaySink } from '../../src/display/display.js';
import { JUPYTER_DISPLAY, type MimeBundle } from '../../src/display/protocol.js';

/** A sink that records what would be sent to the notebook. */
function recordingSink(): DisplaySink & { events: { kind: 'show' | 'update'; id: string; bundle: MimeBundle }[] } {
  const events: { kind: 'show' | 'update'; id: string; bundle: MimeBundle }[] = [];
  return {
    events,
    show: (bundle, id) => events.push({ kind: 'show', id, bundle }),
    update: (bundle, id) => events.push({ kind: 'update', id, bundle }),
  };
}

test('display() sends the whole bundle to the kernel sink and the handle updates the same display id', (t) => {
  const sink = recordingSink();
  setDisplaySink(sink);
  t.after(() => setDisplaySink(undefined));
  assert.equal(inNotebook(), true);
  const chart = (n: number) => ({ [JUPYTER_DISPLAY]: () => ({ 'text/plain': `chart ${n}`, 'text/html': `<div>${n}</div>`, 'image/svg+xml': '<svg/>' }) });
  const handle = display(chart(1));
  assert.equal(isDisplayHandle(handle), true);
  handle.update(chart(2));
  handle.update('now plain text');
  const other = display({ a: 1 });
  assert.notEqual(other.id, handle.id);
  assert.deepEqual(sink.events.map((e) => [e.kind, e.id === handle.id]), [['show', true], ['update', true], ['update', true], ['show', false]]);
  assert.deepEqual(sink.events[0]!.bundle, { 'text/plain': 'chart 1', 'text/html': '<div>1</div>', 'image/svg+xml': '<svg/>' });
  assert.equal(sink.events[1]!.bundle['text/html'], '<div>2</div>');
  assert.deepEqual(sink.events[2]!.bundle, { 'text/plain': 'now plain text' });
  assert.deepEqual(sink.events[3]!.bundle, { 'text/plain': '{ a: 1 }' });
});

test('the sink lives on globalThis, so another copy of the library reaches the same kernel', (t) => {
  const sink = recordingSink();
  (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('latent-thinking.display.sink')] = sink;
  t.after(() => setDisplaySink(undefined));
  assert.equal(displaySink(), sink);
  display('from elsewhere');
  assert.equal(sink.events.length, 1);
});

test('outside a kernel display() prints text/plain on stdout', (t) => {
  setDisplaySink(undefined);
  assert.equal(inNotebook(), false);
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    written.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  t.after(() => {
    process.stdout.write = write;
  });
  const handle = display({ [JUPYTER_DISPLAY]: () => ({ 'text/plain': 'summary', 'text/html': '<b>summary</b>' }) });
  handle.update('second');
  process.stdout.write = write;
  assert.deepEqual(written, ['summary\n', 'second\n']);
});

test('bundleForDisplay validates displayables and inspects other values', () => {
  assert.deepEqual(bundleForDisplay({ [JUPYTER_DISPLAY]: () => ({ 'text/html': 'no plain' }) }), { 'text/plain': '[Object: cannot display: the bundle needs a "text/plain" string (got undefined)]' });
  assert.deepEqual(bundleForDisplay([1, 2]), { 'text/plain': '[ 1, 2 ]' });
  assert.deepEqual(bundleForDisplay('as is'), { 'text/plain': 'as is' });
});
