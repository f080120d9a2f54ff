import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar, formatDuration, withProgress, type ProgressStream } from '../../src/display/progress.js';
import { setDisplaySink, type DisplaySink } from '../../src/display/display.js';
import { bundleOf, type MimeBundle } from '../../src/display/protocol.js';

/** A manual clock in milliseconds. */
function fakeClock(start = 0): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A stream that records writes, as a terminal (isTTY) or as a log file. */
function recordingStream(isTTY: boolean, columns = 200): ProgressStream & { writes: string[] } {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (text: string) => writes.push(text) };
}

test('formatDuration: seconds, minutes, hours', () => {
  assert.equal(formatDuration(850), '0.8s');
  assert.equal(formatDuration(59_940), '59.9s');
  assert.equal(formatDuration(125_000), '2m05s');
  assert.equal(formatDuration(4_000_000), '1h06m');
});

test('the bundle shows label, bar, percentage, counts and time; the label is escaped', () => {
  const clock = fakeClock();
  const bar = new ProgressBar({ total: 10, label: '<script>alert(1)</script> & "q"', target: 'none', now: clock.now });
  clock.advance(2000);
  bar.advance(4, 'loss 2.5');
  const b = bundleOf(bar);
  assert.deepEqual(Object.keys(b).sort(), ['text/html', 'text/plain']);
  // 40% of 20 cells = 8 filled; 2 s for 4 steps -> 3 s left.
  assert.equal(b['text/plain'], `<script>alert(1)</script> & "q" ${'█'.repeat(8)}${'░'.repeat(12)} 40% 4/10 2.0s<3.0s loss 2.5`);
  const html = b['text/html'] as string;
  assert.ok(!html.includes('<script>'), html);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;'), html);
  assert.ok(html.includes('<progress value="4" max="10"'), html);
  assert.ok(html.includes('40% 4/10 2.0s&lt;3.0s loss 2.5'), html);
  clock.advance(1000);
  bar.set(10);
  bar.finish('done');
  clock.advance(5000);
  // Finished: the time is frozen and no estimate is shown.
  assert.equal(bar.text(), `<script>alert(1)</script> & "q" ${'█'.repeat(20)} 100% 10/10 3.0s done`);
  assert.throws(() => bar.advance(), /already finished/);
});

test('an unknown total shows a count and a rate, and an indeterminate <progress>', () => {
  const clock = fakeClock();
  const bar = new ProgressBar({ label: 'tokens', target: 'none', now: clock.now });
  clock.advance(4000);
  bar.advance(100);
  assert.equal(bar.text(), 'tokens 100 4.0s 25.0/s');
  assert.match(bundleOf(bar)['text/html'] as string, /<progress style="width:16em"><\/progress>/);
  assert.throws(() => bar.advance(-1), /steps must be a finite number >= 0/);
  assert.throws(() => new ProgressBar({ total: Number.NaN, target: 'none' }), /total must be/);
});

test('in a notebook the bar is one display, updated in place and throttled', (t) => {
  const events: { kind: string; id: string; bundle: MimeBundle }[] = [];
  const sink: DisplaySink = {
    show: (bundle, id) => events.push({ kind: 'show', id, bundle }),
    update: (bundle, id) => events.push({ kind: 'update', id, bundle }),
  };
  setDisplaySink(sink);
  t.after(() => setDisplaySink(undefined));
  const clock = fakeClock();
  // target 'auto' finds the kernel's sink.
  const bar = new ProgressBar({ total: 100, label: 'sampling', now: clock.now });
  for (let i = 0; i < 100; i++) {
    clock.advance(10);
    bar.advance();
  }
  bar.finish();
  // Created (show), then at most one update per 100 ms over 1 s of work, then the final state.
  assert.equal(events[0]!.kind, 'show');
  assert.ok(events.slice(1).every((e) => e.kind === 'update' && e.id === events[0]!.id));
  assert.ok(events.length >= 10 && events.length <= 12, `${events.length} events`);
  const last = events[events.length - 1]!.bundle;
  assert.match(last['text/plain'] as string, /^sampling █{20} 100% 100\/100 1\.0s$/);
  assert.match(last['text/html'] as string, /<progress value="100" max="100"/);
});

test('on a terminal the bar redraws one line with carriage returns, throttled, and ends the line when finished', () => {
  const clock = fakeClock();
  const stream = recordingStream(true, 40);
  const bar = new ProgressBar({ total: 4, label: 'eval', stream, now: clock.now, target: 'terminal' });
  bar.advance(); // within 100 ms of the first draw: throttled
  clock.advance(150);
  bar.advance();
  bar.finish();
  assert.equal(stream.writes.length, 3);
  for (const w of stream.writes) {
    assert.ok(w.startsWith('\r') && w.includes('\x1b[K'), JSON.stringify(w));
    // Cut to the terminal width (39 visible characters) so that the line never wraps.
    assert.ok(w.replace('\r', '').replace('\x1b[K', '').replace('\n', '').length <= 39, JSON.stringify(w));
  }
  assert.ok(stream.writes[1]!.includes('50% 2/4'), stream.writes[1]);
  assert.ok(stream.writes[2]!.endsWith('\n'));
  assert.equal(stream.writes.filter((w) => w.includes('\n')).length, 1);
});

test('when stderr is a log file, lines are printed every few seconds, not on every step', () => {
  const clock = fakeClock();
  const stream = recordingStream(false);
  const items = Array.from({ length: 50 }, (_, i) => i);
  let sum = 0;
  for (const i of withProgress(items, { label: 'batches', stream, now: clock.now, target: 'terminal' })) {
    clock.advance(400); // 20 s of work in all
    sum += i;
  }
  assert.equal(sum, 1225);
  // First line, one per 5 s, and the final line.
  assert.ok(stream.writes.length >= 4 && stream.writes.length <= 6, JSON.stringify(stream.writes));
  assert.ok(stream.writes.every((w) => w.endsWith('\n') && !w.includes('\r')));
  assert.match(stream.writes[stream.writes.length - 1]!, /^batches █{20} 100% 50\/50 20\.0s\n$/);
});

test('withProgress finishes its bar when the loop breaks early', () => {
  const stream = recordingStream(false);
  const clock = fakeClock();
  for (const i of withProgress(new Set([1, 2, 3, 4]), { label: 'early', stream, now: clock.now, target: 'terminal' })) {
    if (i === 2) break;
  }
  assert.match(stream.writes[stream.writes.length - 1]!, /^early █{5}░{15} 25% 1\/4 0\.0s\n$/);
});
