/**
 * Colours shared by the plotly specs and the static SVGs, so that both forms of a figure agree.
 */

/** Correct / incorrect runs everywhere (green / red, as in the paper's figures). */
export const CORRECT_COLOR = '#2ca02c';
export const INCORRECT_COLOR = '#d62728';
export const NEUTRAL_COLOR = '#7f7f7f';

/** Categorical colours (d3 category10, plotly's default sequence). */
export const CATEGORY_COLORS: readonly string[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function categoryColor(index: number): string {
  return CATEGORY_COLORS[index % CATEGORY_COLORS.length]!;
}

/** Plotly's Viridis colour scale: [position, colour] stops. */
export const VIRIDIS: readonly (readonly [number, string])[] = [
  [0, '#440154'],
  [0.06274509803921569, '#48186a'],
  [0.12549019607843137, '#472d7b'],
  [0.18823529411764706, '#424086'],
  [0.25098039215686274, '#3b528b'],
  [0.3137254901960784, '#33638d'],
  [0.3764705882352941, '#2c728e'],
  [0.4392156862745098, '#26828e'],
  [0.5019607843137255, '#21918c'],
  [0.5647058823529412, '#1fa088'],
  [0.6274509803921569, '#28ae80'],
  [0.6901960784313725, '#3fbc73'],
  [0.7529411764705882, '#5ec962'],
  [0.8156862745098039, '#84d44b'],
  [0.8784313725490196, '#addc30'],
  [0.9411764705882353, '#d8e219'],
  [1, '#fde725'],
];

function parseHex(color: string): [number, number, number] {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb: readonly number[]): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour of `value` in [min, max] on a scale of stops (linear between stops; clamped). */
export function scaleColor(value: number, min: number, max: number, stops: readonly (readonly [number, string])[] = VIRIDIS): string {
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  for (let i = 1; i < stops.length; i++) {
    const [p1, c1] = stops[i]!;
    if (t > p1 && i < stops.length - 1) continue;
    const [p0, c0] = stops[i - 1]!;
    const f = p1 > p0 ? (t - p0) / (p1 - p0) : 0;
    const a = parseHex(c0);
    const b = parseHex(c1);
    return toHex(a.map((x, k) => x + (b[k]! - x) * f));
  }
  return stops[stops.length - 1]![1];
}

/** Black or white, whichever reads better on `background` (a #rrggbb colour). */
export function contrastText(background: string): string {
  const [r, g, b] = parseHex(background);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000000' : '#ffffff';
}

/** `#rrggbb` with an alpha, as `rgba(...)` (for bands). */
export function withAlpha(color: string, alpha: number): string {
  const [r, g, b] = parseHex(color);
  return `rgba(${r},${g},${b},${alpha})`;
}
