// Table: truncation, formatting and escaping of arquero tables and row arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import aq = require('arquero');
import { bundleOf } from '../../src/display/protocol.js';
import { Table, formatNumber } from '../../src/display/table.js';
import { HOSTILE } from './widget-fixtures.js';

test('numbers: integers in full, others with four significant digits, extremes in exponent form', () => {
  assert.equal(formatNumber(42), '42');
  assert.equal(formatNumber(-1234567), '-1234567');
  assert.equal(formatNumber(0.123456), '0.1235');
  assert.equal(formatNumber(3.14159, 3), '3.14');
  assert.equal(formatNumber(1e-7), '1.000e-7');
  assert.equal(formatNumber(2.5e12 + 0.5), '2.500e+12');
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(-Infinity), '-Infinity');
});

test('an arquero table shows its first and last rows, aligned text and an escaped HTML table', () => {
  const n = 100;
  const table = aq.table({ id: Array.from({ length: n }, (_, i) => i), score: Array.from({ length: n }, (_, i) => i / 7), question: Array.from({ length: n }, (_, i) => (i === 99 ? HOSTILE : `q${i}`)) });
  const widget = new Table(table);
  const bundle = bundleOf(widget);
  assert.deepEqual(Object.keys(bundle).sort(), ['text/html', 'text/plain']);
  const plain = bundle['text/plain'] as string;
  const lines = plain.split('\n');
  assert.equal(lines[0], 'Table: 100 rows × 3 columns; rows 10–89 not shown');
  assert.equal(lines[1], '    id   score  question');
  assert.equal(lines[2], ' 0   0       0  q0');
  assert.equal(lines[3], ' 1   1  0.1429  q1');
  assert.equal(lines[12], '…');
  assert.equal(lines.length, 2 + 20 + 1);
  assert.equal(lines[lines.length - 1], `99  99   14.14  ${HOSTILE}`);
  const html = bundle['text/html'] as string;
  assert.equal((html.match(/<tr>/g) ?? []).length, 1 + 20 + 1, 'header, 20 rows, the gap row');
  assert.ok(html.includes('… 80 more rows …'));
  assert.ok(html.includes(`<td style="text-align:left">&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</td>`));
  assert.ok(!html.includes('<img') && !html.includes('</script>'));
  assert.ok(html.includes('<th style="text-align:right">score</th>'), 'numeric columns align right');
  // Filtering and ordering are respected (arquero's view of the table).
  const filtered = new Table(table.filter((d: { id: number }) => d.id >= 95).orderby(aq.desc('id')));
  assert.equal(filtered.toString().split('\n')[2], '0  99  14.14  </script><img src=x onerror=alert(1)>');
});

test('rows of objects: union of columns, wide tables and long strings shortened, any value type', () => {
  const rows = [
    { a: 1, b: 'x'.repeat(100), c: null, d: true, e: new Date(Date.UTC(2025, 0, 2)), f: { nested: [1, 2] }, g: new Float32Array([0.5, 0.25]), h: 10n },
    { a: 2.5, z: 'only here', b: 'line\nbreak' },
  ];
  const widget = new Table(rows, { maxColumns: 4, maxStringLength: 12, title: 'runs' });
  const plain = widget.toString();
  const lines = plain.split('\n');
  assert.equal(lines[0], 'runs: 2 rows × 9 columns; 5 columns not shown');
  // The first and last two columns; absent values are blank, null shows as null.
  assert.equal(lines[1], '     a  b             …   h  z');
  assert.equal(lines[2], '0    1  xxxxxxxxxxx…  …  10');
  assert.equal(lines[3], '1  2.5  line break    …      only here');
  assert.ok(new Table(rows, { maxColumns: 6 }).toString().split('\n')[2]!.includes('null'));
  const all = new Table(rows).toString();
  assert.ok(all.includes('2025-01-02T00:00:00.000Z') && all.includes('{"nested":[1,2]}') && all.includes('[0.5, 0.25]'));
  const html = widget.pageHtml();
  assert.ok(html.includes(`title="${'x'.repeat(100)}"`), 'the full string is kept in the tooltip');
  assert.ok(html.includes('<th>…</th>'));
  assert.throws(() => new Table([1, 2] as never), /rows\[0\] must be an object of column values, got number/);
  assert.throws(() => new Table('abc' as never), /expected an arquero table or an array of row objects/);
  assert.throws(() => new Table([], { maxRows: 0 }), /maxRows must be a positive integer/);
  assert.equal(new Table([]).toString(), 'Table: 0 rows × 0 columns\n');
});
