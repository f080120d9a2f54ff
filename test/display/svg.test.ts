import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTick, niceTicks, renderSvg, shorten, svgText } from '../../src/display/svg/chart.js';
import { VIRIDIS, contrastText, scaleColor } from '../../src/display/figures/colors.js';
import { HOSTILE } from './widget-fixtures.js';
import { checkWellFormed, parseWithExpat } from './xml.js';

test('ticks fall on 1, 2 or 5 times a power of ten and read well', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3.2, 11.7), [0, 5, 10]);
  assert.deepEqual(niceTicks(0.61, 0.9), [0.65, 0.7, 0.75, 0.8, 0.85, 0.9]);
  assert.deepEqual(niceTicks(2, 2), [2]);
  assert.equal(formatTick(0.30000000000000004, 0.1), '0.3');
  assert.equal(formatTick(15, 5), '15');
  assert.equal(formatTick(2e12, 1e12), '2e12');
  assert.equal(formatTick(0, 1), '0');
});

test('text for SVG is escaped and stripped of characters XML forbids', () => {
  assert.equal(svgText(`a<b>&"'\u0000\u0007c\uFFFE\uD800`), 'a&lt;b&gt;&amp;&quot;&#39;c');
  assert.equal(svgText('emoji 😀 ok'), 'emoji 😀 ok');
  assert.equal(shorten('abcdef', 4), 'abc…');
  assert.equal(shorten('😀😀😀', 3), '😀😀😀');
});

test('colour scales interpolate between stops and pick a readable text colour', () => {
  assert.equal(scaleColor(0, 0, 1, VIRIDIS), '#440154');
  assert.equal(scaleColor(1, 0, 1, VIRIDIS), '#fde725');
  assert.equal(scaleColor(5, 0, 1, VIRIDIS), '#fde725', 'clamped');
  assert.equal(scaleColor(0.5, 0, 1, [[0, '#000000'], [1, '#ffffff']]), '#808080');
  assert.equal(contrastText('#fde725'), '#000000');
  assert.equal(contrastText('#440154'), '#ffffff');
});

test('a figure with every mark kind, hostile labels and control characters is well-formed XML', () => {
  const hostile = `${HOSTILE}\u0001\u001f]]><!--`;
  const svg = renderSvg({
    title: hostile,
    panels: [
      { title: hostile, x: { label: hostile }, y: { label: hostile, kind: 'log' }, marks: [{ kind: 'points', x: [1, 2], y: [1, 100], color: ['#ff0000', '#00ff00'], symbol: ['circle', 'cross'] }, { kind: 'line', x: [1, 2, 3], y: [1, null, 10], color: '#0000ff', markers: true, dash: true }, { kind: 'band', x: [1, 2], lower: [1, 2], upper: [3, 4], color: '#0000ff' }, { kind: 'text', x: 1, y: 1, text: hostile }] },
      { x: { kind: 'category', categories: [hostile, 'b'] }, y: {}, marks: [{ kind: 'bars', series: [{ color: '#123456', values: [1, null], lower: [0.5, null], upper: [1.5, null] }] }] },
      { x: { kind: 'category', categories: ['a', 'b'] }, y: { kind: 'category', categories: [hostile] }, marks: [{ kind: 'cells', fills: [['#000000', '#ffffff']], labels: [[hostile, '1']] }] },
    ],
    legend: [{ label: hostile, color: '#ff0000', shape: 'point' }, { label: 'l', color: '#00ff00', shape: 'line', dash: true }, { label: 's', color: '#0000ff', shape: 'square' }, { label: 'c', color: '#000000', shape: 'cross' }],
    colorBar: { label: hostile, min: 0, max: 1, stops: VIRIDIS },
    footnote: hostile,
  });
  checkWellFormed(svg);
  parseWithExpat([svg]);
  assert.ok(!svg.includes('<img') && !svg.includes('<!--') && !/[\u0001\u001f]/.test(svg));
  // Two SVGs inlined in one page must not share clip-path or gradient ids.
  const ids = (s: string): string[] => [...s.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!);
  const other = renderSvg({ panels: [{ x: {}, y: {}, marks: [] }], colorBar: { label: 'r', min: 0, max: 1, stops: VIRIDIS } });
  assert.equal(ids(svg).filter((id) => ids(other).includes(id)).length, 0);
  assert.throws(() => renderSvg({ panels: [] }), /at least one panel/);
});

test('the well-formedness checker itself rejects broken XML', () => {
  for (const bad of ['<svg><g></svg>', '<svg a="1" a="2"/>', '<svg a=1/>', '<svg>&nbsp;</svg>', '<svg>a<b</svg>', '<svg/><svg/>', 'text<svg/>', '<svg>\u0001</svg>']) {
    assert.throws(() => checkWellFormed(bad), Error, bad);
  }
  checkWellFormed('<svg xmlns="http://www.w3.org/2000/svg"><!-- c --><g a=\'1\' b="&amp;&#39;&#x41;"><text>x &lt; y</text></g></svg>');
});
