/**
 * A small static SVG chart renderer: the fallback image of every figure (`image/svg+xml`, and
 * the picture shown until plotly has drawn). Panels in a grid, each with numeric (linear or log)
 * or categorical axes, and marks: points, lines, bands, grouped bars with error bars, heatmap
 * cells and text; a legend and a colour bar. It only lays out the numbers it is given.
 *
 * The output is well-formed XML: every text goes through `svgText`, which escapes markup and
 * drops the characters XML 1.0 forbids, so hostile labels can neither inject markup nor break
 * the document.
 */
import { escapeHtml } from '../protocol.js';
import { CATEGORY_COLORS } from '../figures/colors.js';

export type NumericAxis = {
  readonly kind?: 'linear' | 'log';
  readonly label?: string;
  /** Fixed range; otherwise the data's extent (padded a little for linear axes). */
  readonly range?: readonly [number, number];
  /** Draw tick labels (default true). */
  readonly ticks?: boolean;
};
export type CategoryAxis = { readonly kind: 'category'; readonly label?: string; readonly categories: readonly string[] };
export type Axis = NumericAxis | CategoryAxis;

export type SvgMark =
  | { readonly kind: 'points'; readonly x: readonly number[]; readonly y: readonly number[]; readonly color: string | readonly string[]; readonly radius?: number; readonly symbol?: 'circle' | 'cross' | readonly ('circle' | 'cross')[] }
  /** A polyline; `null` in y breaks it. With `markers`, a dot on every point. */
  | { readonly kind: 'line'; readonly x: readonly number[]; readonly y: readonly (number | null)[]; readonly color: string; readonly width?: number; readonly dash?: boolean; readonly markers?: boolean; readonly opacity?: number }
  | { readonly kind: 'band'; readonly x: readonly number[]; readonly lower: readonly number[]; readonly upper: readonly number[]; readonly color: string; readonly opacity?: number }
  /** Grouped bars on a categorical x axis: one series per group, one value per category. */
  | { readonly kind: 'bars'; readonly series: readonly { readonly color: string; readonly values: readonly (number | null)[]; readonly lower?: readonly (number | null)[]; readonly upper?: readonly (number | null)[] }[] }
  /** Heatmap cells on categorical x (columns) and y (rows) axes: fills[row][column]. */
  | { readonly kind: 'cells'; readonly fills: readonly (readonly string[])[]; readonly labels?: readonly (readonly string[])[]; readonly textColors?: readonly (readonly string[])[] }
  | { readonly kind: 'text'; readonly x: number; readonly y: number; readonly text: string; readonly color?: string; readonly anchor?: 'start' | 'middle' | 'end' };

export interface SvgPanel {
  readonly title?: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly marks: readonly SvgMark[];
  /** Draw the axis lines, grid and ticks (default true; false for projected 3-D views). */
  readonly frame?: boolean;
}

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly shape: 'line' | 'point' | 'square' | 'cross';
  readonly dash?: boolean;
}

export interface ColorBar {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly stops: readonly (readonly [number, string])[];
}

export interface SvgFigure {
  readonly title?: string;
  readonly panels: readonly SvgPanel[];
  /** Panels per row (default: up to 3). */
  readonly columns?: number;
  readonly panelWidth?: number;
  readonly panelHeight?: number;
  readonly legend?: readonly LegendEntry[];
  readonly colorBar?: ColorBar;
  /** A line of small text under the panels (e.g. "step 8 of 0-32"). */
  readonly footnote?: string;
}

// ---- text and numbers ----

/** Text for SVG content and attributes: XML-forbidden characters removed, markup escaped. */
export function svgText(text: string): string {
  // XML 1.0 allows tab, LF, CR and everything from U+0020 except U+FFFE/U+FFFF and lone surrogates.
  const clean = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
  return escapeHtml(clean);
}

/** `text` cut to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** Coordinates with two decimals (keeps files small and stable). */
function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Tick values at 1, 2 or 5 times a power of ten, about `count` of them in [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * 0.75) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const ticks: number[] = [];
  const multipliers = Math.log10(max / min) <= 2.5 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil((hi - lo) / 6));
  for (let e = lo; e <= hi; e += every) for (const m of multipliers) {
    const v = m * 10 ** e;
    if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** A tick label: fixed decimals matching the tick spacing, exponent form for extreme values. */
export function formatTick(value: number, spacing: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return Number(value.toPrecision(3)).toExponential().replace('e+', 'e');
  const decimals = spacing > 0 ? Math.min(6, Math.max(0, Math.ceil(-Math.log10(spacing) - 1e-9))) : 2;
  return value.toFixed(decimals);
}

// ---- scales ----

interface Scale {
  /** Pixel position of a numeric value or a category index. */
  (value: number): number;
  readonly ticks: readonly { position: number; label: string }[];
  /** Pixel width of one category (categorical scales), else 0. */
  readonly band: number;
}

function extent(values: readonly number[], log: boolean): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

function numericScale(axis: NumericAxis, values: readonly number[], from: number, to: number): Scale {
  const log = axis.kind === 'log';
  let [lo, hi] = axis.range ?? extent(values, log) ?? (log ? [1, 10] : [0, 1]);
  if (log) {
    lo = Math.log10(lo);
    hi = Math.log10(hi);
  }
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  } else if (!axis.range) {
    const pad = (hi - lo) * 0.04;
    lo -= pad;
    hi += pad;
  }
  const toPixel = (v: number): number => from + (((log ? Math.log10(v) : v) - lo) / (hi - lo)) * (to - from);
  let ticks: { position: number; label: string }[] = [];
  if (axis.ticks !== false) {
    if (log) {
      const values = logTicks(10 ** lo, 10 ** hi);
      ticks = values.map((v) => ({ position: toPixel(v), label: formatTick(v, v) }));
    } else {
      const values = niceTicks(lo, hi);
      const spacing = values.length > 1 ? values[1]! - values[0]! : Math.abs(values[0]!) || 1;
      ticks = values.map((v) => ({ position: toPixel(v), label: formatTick(v, spacing) }));
    }
  }
  return Object.assign(toPixel, { ticks, band: 0 });
}

function categoryScale(axis: CategoryAxis, from: number, to: number): Scale {
  const count = Math.max(1, axis.categories.length);
  const band = (to - from) / count;
  const toPixel = (index: number): number => from + (index + 0.5) * band;
  const ticks = axis.categories.map((c, i) => ({ position: toPixel(i), label: shorten(c, 16) }));
  return Object.assign(toPixel, { ticks, band });
}

/** Every value a mark puts on the x or y axis (for numeric extents). */
function markValues(mark: SvgMark, dimension: 'x' | 'y'): number[] {
  switch (mark.kind) {
    case 'points':
      return [...mark[dimension]];
    case 'line':
      return dimension === 'x' ? [...mark.x] : mark.y.filter((v): v is number => v !== null);
    case 'band':
      return dimension === 'x' ? [...mark.x] : [...mark.lower, ...mark.upper];
    case 'bars':
      if (dimension === 'x') return [];
      return [0, ...mark.series.flatMap((s) => [...s.values, ...(s.lower ?? []), ...(s.upper ?? [])].filter((v): v is number => v !== null))];
    case 'cells':
      return [];
    case 'text':
      return [mark[dimension]];
  }
}

// ---- drawing ----

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"';

function crossPath(cx: number, cy: number, r: number): string {
  return `M${n(cx - r)},${n(cy - r)}L${n(cx + r)},${n(cy + r)}M${n(cx - r)},${n(cy + r)}L${n(cx + r)},${n(cy - r)}`;
}

function drawMark(mark: SvgMark, sx: Scale, sy: Scale): string {
  switch (mark.kind) {
    case 'points': {
      const radius = mark.radius ?? 3.5;
      const out: string[] = [];
      for (let i = 0; i < mark.x.length; i++) {
        const color = typeof mark.color === 'string' ? mark.color : (mark.color[i] ?? '#000');
        const symbol = typeof mark.symbol === 'string' || mark.symbol === undefined ? (mark.symbol ?? 'circle') : (mark.symbol[i] ?? 'circle');
        const cx = sx(mark.x[i]!);
        const cy = sy(mark.y[i]!);
        out.push(
          symbol === 'cross'
            ? `<path class="point" d="${crossPath(cx, cy, radius)}" stroke="${svgText(color)}" stroke-width="1.6" fill="none"/>`
            : `<circle class="point" cx="${n(cx)}" cy="${n(cy)}" r="${n(radius)}" fill="${svgText(color)}" fill-opacity="0.8" stroke="#ffffff" stroke-width="0.5"/>`,
        );
      }
      return out.join('');
    }
    case 'line': {
      const segments: string[] = [];
      let current = '';
      const dots: string[] = [];
      for (let i = 0; i < mark.x.length; i++) {
        const y = mark.y[i];
        if (y === null || y === undefined) {
          if (current) segments.push(current);
          current = '';
          continue;
        }
        const px = sx(mark.x[i]!);
        const py = sy(y);
        current += `${current ? 'L' : 'M'}${n(px)},${n(py)}`;
        if (mark.markers) dots.push(`<circle cx="${n(px)}" cy="${n(py)}" r="2.5" fill="${svgText(mark.color)}"/>`);
      }
      if (current) segments.push(current);
      const dash = mark.dash ? ' stroke-dasharray="5,4"' : '';
      const opacity = mark.opacity === undefined ? '' : ` stroke-opacity="${n(mark.opacity)}"`;
      const path = segments.length ? `<path class="line" d="${segments.join('')}" fill="none" stroke="${svgText(mark.color)}" stroke-width="${n(mark.width ?? 2)}"${dash}${opacity}/>` : '';
      return path + dots.join('');
    }
    case 'band': {
      if (mark.x.length === 0) return '';
      const top = mark.x.map((x, i) => `${n(sx(x))},${n(sy(mark.upper[i]!))}`);
      const bottom = mark.x.map((x, i) => `${n(sx(x))},${n(sy(mark.lower[i]!))}`).reverse();
      return `<polygon class="band" points="${[...top, ...bottom].join(' ')}" fill="${svgText(mark.color)}" fill-opacity="${n(mark.opacity ?? 0.2)}" stroke="none"/>`;
    }
    case 'bars': {
      const groups = Math.max(1, mark.series.length);
      const width = (sx.band * 0.8) / groups;
      const zero = sy(0);
      const out: string[] = [];
      mark.series.forEach((series, g) => {
        series.values.forEach((value, c) => {
          if (value === null) return;
          const left = sx(c) - sx.band * 0.4 + g * width;
          const y = sy(value);
          out.push(`<rect class="bar" x="${n(left)}" y="${n(Math.min(y, zero))}" width="${n(width * 0.92)}" height="${n(Math.abs(zero - y))}" fill="${svgText(series.color)}"/>`);
          const lo = series.lower?.[c];
          const hi = series.upper?.[c];
          if (lo !== undefined && lo !== null && hi !== undefined && hi !== null) {
            const mid = left + width * 0.46;
            const cap = Math.min(5, width * 0.25);
            out.push(`<path class="errorbar" d="M${n(mid)},${n(sy(lo))}L${n(mid)},${n(sy(hi))}M${n(mid - cap)},${n(sy(lo))}L${n(mid + cap)},${n(sy(lo))}M${n(mid - cap)},${n(sy(hi))}L${n(mid + cap)},${n(sy(hi))}" stroke="#333333" stroke-width="1.2" fill="none"/>`);
          }
        });
      });
      return out.join('');
    }
    case 'cells': {
      const out: string[] = [];
      mark.fills.forEach((row, r) => {
        row.forEach((fill, c) => {
          const cx = sx(c);
          const cy = sy(r);
          out.push(`<rect class="cell" x="${n(cx - sx.band / 2)}" y="${n(cy - sy.band / 2)}" width="${n(sx.band)}" height="${n(sy.band)}" fill="${svgText(fill)}" stroke="#ffffff" stroke-width="1"/>`);
          const label = mark.labels?.[r]?.[c];
          if (label) out.push(`<text x="${n(cx)}" y="${n(cy + 4)}" text-anchor="middle" font-size="12" fill="${svgText(mark.textColors?.[r]?.[c] ?? '#000000')}">${svgText(label)}</text>`);
        });
      });
      return out.join('');
    }
    case 'text':
      return `<text x="${n(sx(mark.x))}" y="${n(sy(mark.y))}" text-anchor="${mark.anchor ?? 'middle'}" font-size="11" fill="${svgText(mark.color ?? '#333333')}">${svgText(mark.text)}</text>`;
  }
}

function yAxisWidth(axis: Axis): number {
  const labelRoom = axis.label ? 18 : 0;
  if (axis.kind === 'category') return Math.min(180, Math.max(40, Math.max(0, ...axis.categories.map((c) => Math.min(16, Array.from(c).length))) * 6.5 + 12)) + labelRoom;
  return axis.ticks === false ? 12 : 52 + labelRoom;
}

let svgCounter = 0;

/** Renders a figure as a standalone SVG document (no XML declaration; valid inline in HTML). */
export function renderSvg(figure: SvgFigure): string {
  if (figure.panels.length === 0) throw new RangeError('renderSvg: a figure needs at least one panel');
  svgCounter += 1;
  const idPrefix = `lt-svg-${svgCounter}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const columns = Math.max(1, Math.min(figure.columns ?? 3, figure.panels.length));
  const rows = Math.ceil(figure.panels.length / columns);
  const panelWidth = figure.panelWidth ?? (columns === 1 ? 520 : 340);
  const panelHeight = figure.panelHeight ?? 300;
  const titleHeight = figure.title ? 30 : 8;
  const legendWidth = figure.legend && figure.legend.length ? Math.min(260, Math.max(...figure.legend.map((e) => Math.min(32, Array.from(e.label).length))) * 6.6 + 40) : 0;
  const colorBarWidth = figure.colorBar ? 80 : 0;
  const footHeight = figure.footnote ? 20 : 0;
  const width = columns * panelWidth + legendWidth + colorBarWidth;
  const height = titleHeight + rows * panelHeight + footHeight;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="lt-svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (figure.title) parts.push(`<text class="title" x="${n(width / 2)}" y="20" text-anchor="middle" font-size="15">${svgText(shorten(figure.title, 120))}</text>`);

  figure.panels.forEach((panel, index) => {
    const col = index % columns;
    const row = Math.floor(index / columns);
    const originX = col * panelWidth;
    const originY = titleHeight + row * panelHeight;
    const frame = panel.frame !== false;
    const left = originX + (frame ? yAxisWidth(panel.y) : 12);
    const right = originX + panelWidth - 14;
    const top = originY + (panel.title ? 24 : 8);
    const bottom = originY + panelHeight - (frame ? (panel.x.label ? 42 : 26) : 8);
    const xValues = panel.x.kind === 'category' ? [] : panel.marks.flatMap((m) => markValues(m, 'x'));
    const yValues = panel.y.kind === 'category' ? [] : panel.marks.flatMap((m) => markValues(m, 'y'));
    const sx = panel.x.kind === 'category' ? categoryScale(panel.x, left, right) : numericScale(panel.x, xValues, left, right);
    // Categories run top to bottom (first row at the top), numbers bottom to top.
    const sy = panel.y.kind === 'category' ? categoryScale(panel.y, top, bottom) : numericScale(panel.y, yValues, bottom, top);
    const clipId = `${idPrefix}-clip-${index}`;
    parts.push(`<g class="panel">`);
    if (panel.title) parts.push(`<text class="panel-title" x="${n((left + right) / 2)}" y="${n(originY + 16)}" text-anchor="middle" font-size="13">${svgText(shorten(panel.title, 60))}</text>`);
    if (frame) {
      parts.push(`<rect x="${n(left)}" y="${n(top)}" width="${n(right - left)}" height="${n(bottom - top)}" fill="#fafafa" stroke="#cccccc"/>`);
      if (panel.x.kind !== 'category') for (const t of sx.ticks) parts.push(`<line x1="${n(t.position)}" x2="${n(t.position)}" y1="${n(top)}" y2="${n(bottom)}" stroke="#e6e6e6"/>`);
      if (panel.y.kind !== 'category') for (const t of sy.ticks) parts.push(`<line x1="${n(left)}" x2="${n(right)}" y1="${n(t.position)}" y2="${n(t.position)}" stroke="#e6e6e6"/>`);
      for (const t of sx.ticks) parts.push(`<text class="xtick" x="${n(t.position)}" y="${n(bottom + 15)}" text-anchor="middle" font-size="11" fill="#444444">${svgText(t.label)}</text>`);
      for (const t of sy.ticks) parts.push(`<text class="ytick" x="${n(left - 6)}" y="${n(t.position + 4)}" text-anchor="end" font-size="11" fill="#444444">${svgText(t.label)}</text>`);
      if (panel.x.label) parts.push(`<text class="xlabel" x="${n((left + right) / 2)}" y="${n(bottom + 34)}" text-anchor="middle" font-size="12">${svgText(shorten(panel.x.label, 60))}</text>`);
      if (panel.y.label) {
        const ly = (top + bottom) / 2;
        const lx = originX + 14;
        parts.push(`<text class="ylabel" x="${n(lx)}" y="${n(ly)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${n(lx)} ${n(ly)})">${svgText(shorten(panel.y.label, 40))}</text>`);
      }
    }
    parts.push(`<clipPath id="${clipId}"><rect x="${n(left)}" y="${n(top)}" width="${n(right - left)}" height="${n(bottom - top)}"/></clipPath>`);
    parts.push(`<g clip-path="url(#${clipId})">${panel.marks.map((m) => drawMark(m, sx, sy)).join('')}</g>`);
    parts.push('</g>');
  });

  if (figure.legend && figure.legend.length) {
    const x = columns * panelWidth + 8;
    const maxEntries = Math.floor((height - titleHeight - 10) / 18);
    const shown = figure.legend.slice(0, maxEntries);
    parts.push('<g class="legend">');
    shown.forEach((entry, i) => {
      const y = titleHeight + 16 + i * 18;
      const color = svgText(entry.color);
      if (entry.shape === 'line') parts.push(`<line x1="${x}" x2="${x + 20}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"${entry.dash ? ' stroke-dasharray="5,3"' : ''}/>`);
      else if (entry.shape === 'square') parts.push(`<rect x="${x + 4}" y="${y - 10}" width="12" height="12" fill="${color}"/>`);
      else if (entry.shape === 'cross') parts.push(`<path d="${crossPath(x + 10, y - 4, 4.5)}" stroke="${color}" stroke-width="1.8" fill="none"/>`);
      else parts.push(`<circle cx="${x + 10}" cy="${y - 4}" r="5" fill="${color}"/>`);
      parts.push(`<text x="${x + 26}" y="${y}" font-size="12">${svgText(shorten(entry.label, 32))}</text>`);
    });
    if (shown.length < figure.legend.length) parts.push(`<text x="${x + 26}" y="${titleHeight + 16 + shown.length * 18}" font-size="11" fill="#666666">… ${figure.legend.length - shown.length} more</text>`);
    parts.push('</g>');
  }

  if (figure.colorBar) {
    const bar = figure.colorBar;
    const x = columns * panelWidth + legendWidth + 14;
    const top = titleHeight + 24;
    const barHeight = Math.max(60, Math.min(220, height - titleHeight - footHeight - 48));
    const gradientId = `${idPrefix}-gradient`;
    // Gradient from bottom (min) to top (max).
    parts.push(`<linearGradient id="${gradientId}" x1="0" y1="1" x2="0" y2="0">${bar.stops.map(([p, c]) => `<stop offset="${n(p)}" stop-color="${svgText(c)}"/>`).join('')}</linearGradient>`);
    parts.push(`<text x="${x}" y="${top - 8}" font-size="11">${svgText(shorten(bar.label, 14))}</text>`);
    parts.push(`<rect class="colorbar" x="${x}" y="${top}" width="14" height="${barHeight}" fill="url(#${gradientId})" stroke="#999999"/>`);
    const spacing = Math.abs(bar.max - bar.min) / 2 || 1;
    for (const [fraction, value] of [[0, bar.min], [0.5, (bar.min + bar.max) / 2], [1, bar.max]] as const) {
      parts.push(`<text x="${x + 18}" y="${n(top + barHeight * (1 - fraction) + 4)}" font-size="11">${svgText(formatTick(value, spacing / 10))}</text>`);
    }
  }

  if (figure.footnote) parts.push(`<text class="footnote" x="8" y="${height - 6}" font-size="11" fill="#666666">${svgText(shorten(figure.footnote, 160))}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Legend entries for categories in the default colour order. */
export function categoryLegend(labels: readonly string[], shape: LegendEntry['shape'] = 'point'): LegendEntry[] {
  return labels.map((label, i) => ({ label, color: CATEGORY_COLORS[i % CATEGORY_COLORS.length]!, shape }));
}
