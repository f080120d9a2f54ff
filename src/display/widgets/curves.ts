/**
 * Line charts: MetricCurves (per-step metrics, correct vs incorrect, paper Fig. 2), RocCurve and
 * AurocBySteps (Fig. 3), and Curves, the generic x-y chart (accuracy vs N, beta, steps, compute).
 * Bands (confidence intervals) are drawn when given; nothing is computed here.
 */
import { CORRECT_COLOR, INCORRECT_COLOR, categoryColor, withAlpha } from '../figures/colors.js';
import {
  Figure,
  PLOTLY_CONFIG,
  arrayOf,
  baseLayout,
  fail,
  finiteNumber,
  formatValue,
  legendName,
  numberArray,
  object,
  optionalBand,
  optionalNumber,
  optionalText,
  plotlyText,
  text,
  type FigureContent,
} from '../figures/figure.js';
import { renderSvg, shorten, type LegendEntry, type SvgMark, type SvgPanel } from '../svg/chart.js';

/** A curve's y values with an optional band (e.g. a 95% confidence interval). */
interface Line {
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly band?: { readonly lower: readonly number[]; readonly upper: readonly number[] };
}

const COLOR = /^#[0-9a-fA-F]{6}$/;

function optionalColor(widget: string, value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !COLOR.test(value)) fail(widget, `${path} must be a colour like "#1f77b4", got ${String(value)}`);
  return value;
}

/** Plotly traces of a line (and its band first, so the line is drawn over it). */
function lineTraces(line: Line, options: { name: string; color: string; group: string; showLegend: boolean; axes?: { x: string; y: string }; markers?: boolean; dash?: boolean }): Record<string, unknown>[] {
  const axes = options.axes ? { xaxis: options.axes.x, yaxis: options.axes.y } : {};
  const traces: Record<string, unknown>[] = [];
  if (line.band) {
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x: [...line.x, ...[...line.x].reverse()],
      y: [...line.band.upper, ...[...line.band.lower].reverse()],
      fill: 'toself',
      fillcolor: withAlpha(options.color, 0.2),
      line: { width: 0, color: options.color },
      hoverinfo: 'skip',
      showlegend: false,
      legendgroup: options.group,
      ...axes,
    });
  }
  traces.push({
    type: 'scatter',
    mode: options.markers ? 'lines+markers' : 'lines',
    name: options.name,
    x: [...line.x],
    y: [...line.y],
    line: { color: options.color, width: 2, ...(options.dash ? { dash: 'dash' } : {}) },
    marker: { color: options.color, size: 5 },
    legendgroup: options.group,
    showlegend: options.showLegend,
    ...axes,
  });
  return traces;
}

/** SVG marks of a line (band first). */
function lineMarks(line: Line, color: string, markers = false): SvgMark[] {
  const marks: SvgMark[] = [];
  if (line.band) marks.push({ kind: 'band', x: line.x, lower: line.band.lower, upper: line.band.upper, color });
  marks.push({ kind: 'line', x: line.x, y: line.y, color, markers });
  return marks;
}

function readLine(widget: string, value: Record<string, unknown>, path: string, xKey: string, yKey: string, x?: readonly number[]): Line {
  const xs = x ?? numberArray(widget, value[xKey], `${path}.${xKey}`);
  if (xs.length === 0) fail(widget, `${path}.${xKey} is empty`);
  const y = numberArray(widget, value[yKey], `${path}.${yKey}`, xs.length);
  const band = optionalBand(widget, value.lower, value.upper, path, xs.length);
  return { x: xs, y, band };
}

// ---- MetricCurves ----

export interface GroupCurve {
  /** The group's mean value at each step. */
  readonly mean: readonly number[];
  /** Optional band (e.g. 95% CI of the mean) at each step. */
  readonly lower?: readonly number[];
  readonly upper?: readonly number[];
}

export interface MetricCurve {
  readonly name: string;
  readonly steps: readonly number[];
  readonly correct: GroupCurve;
  readonly incorrect: GroupCurve;
}

export interface MetricCurvesInput {
  readonly metrics: readonly MetricCurve[];
  readonly title?: string;
  readonly xLabel?: string;
  /** Subplots per row (default up to 3). */
  readonly columns?: number;
}

export class MetricCurves extends Figure {
  readonly metrics: readonly { name: string; correct: Line; incorrect: Line }[];
  readonly title: string | undefined;
  readonly xLabel: string;
  readonly columns: number;

  constructor(input: MetricCurvesInput) {
    super();
    const W = 'MetricCurves';
    object(W, input, 'input');
    this.metrics = arrayOf(W, input.metrics, 'metrics', 1).map((value, i) => {
      const metric = object(W, value, `metrics[${i}]`);
      const name = text(W, metric.name, `metrics[${i}].name`);
      const steps = numberArray(W, metric.steps, `metrics[${i}].steps`);
      if (steps.length === 0) fail(W, `metrics[${i}].steps is empty`);
      const group = (key: 'correct' | 'incorrect'): Line => readLine(W, object(W, metric[key], `metrics[${i}].${key}`), `metrics[${i}].${key}`, 'steps', 'mean', steps);
      return { name, correct: group('correct'), incorrect: group('incorrect') };
    });
    this.title = optionalText(W, input.title, 'title');
    this.xLabel = optionalText(W, input.xLabel, 'xLabel') ?? 'recurrence step';
    const columns = optionalNumber(W, input.columns, 'columns') ?? Math.min(3, this.metrics.length);
    if (!Number.isInteger(columns) || columns < 1) fail(W, `columns must be a positive integer, got ${columns}`);
    this.columns = Math.min(columns, this.metrics.length);
  }

  protected build(): FigureContent {
    const rows = Math.ceil(this.metrics.length / this.columns);
    const data: Record<string, unknown>[] = [];
    const layout: Record<string, unknown> = {
      ...baseLayout(this.title, 80 + rows * 300),
      grid: { rows, columns: this.columns, pattern: 'independent', xgap: 0.12, ygap: 0.3 },
      annotations: [] as Record<string, unknown>[],
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.14, yanchor: 'bottom' },
    };
    layout.margin = { l: 60, r: 20, t: this.title ? 110 : 80, b: 50 };
    this.metrics.forEach((metric, i) => {
      const suffix = i === 0 ? '' : String(i + 1);
      const axes = { x: `x${suffix}`, y: `y${suffix}` };
      data.push(...lineTraces(metric.correct, { name: 'correct', color: CORRECT_COLOR, group: 'correct', showLegend: i === 0, axes }));
      data.push(...lineTraces(metric.incorrect, { name: 'incorrect', color: INCORRECT_COLOR, group: 'incorrect', showLegend: i === 0, axes }));
      layout[`xaxis${suffix}`] = { title: { text: plotlyText(this.xLabel) } };
      layout[`yaxis${suffix}`] = {};
      (layout.annotations as Record<string, unknown>[]).push({ text: `<b>${plotlyText(shorten(metric.name, 40))}</b>`, xref: `x${suffix} domain`, yref: `y${suffix} domain`, x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom', showarrow: false });
    });
    const panels: SvgPanel[] = this.metrics.map((metric) => ({
      title: metric.name,
      x: { label: this.xLabel },
      y: {},
      marks: [...lineMarks(metric.correct, CORRECT_COLOR), ...lineMarks(metric.incorrect, INCORRECT_COLOR)],
    }));
    const legend: LegendEntry[] = [
      { label: 'correct', color: CORRECT_COLOR, shape: 'line' },
      { label: 'incorrect', color: INCORRECT_COLOR, shape: 'line' },
    ];
    const first = this.metrics[0]!.correct.x;
    const summary = `MetricCurves: ${this.metrics.length} metric${this.metrics.length === 1 ? '' : 's'} (${this.metrics.map((m) => m.name).join(', ')}) over ${first.length} steps (${first[0]}–${first[first.length - 1]}), correct vs incorrect means${this.metrics.some((m) => m.correct.band) ? ' with bands' : ''}`;
    return { summary, spec: { data, layout, config: { ...PLOTLY_CONFIG } }, svg: renderSvg({ title: this.title, panels, columns: this.columns, legend }) };
  }
}

// ---- Curves ----

export interface CurveSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly lower?: readonly number[];
  readonly upper?: readonly number[];
  /** `#rrggbb`; default: the category palette in order. */
  readonly color?: string;
  readonly dash?: boolean;
}

export interface CurvesInput {
  readonly series: readonly CurveSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly title?: string;
  readonly xScale?: 'linear' | 'log';
  readonly yScale?: 'linear' | 'log';
  /** Draw a marker on every point (default true). */
  readonly markers?: boolean;
  /** A dashed horizontal reference line (e.g. chance level). */
  readonly reference?: { readonly y: number; readonly label?: string };
  readonly height?: number;
}

interface NamedLine extends Line {
  readonly name: string;
  readonly color: string;
  readonly dash: boolean;
}

function readSeries(widget: string, value: unknown, index: number, xKey: string, yKey: string): NamedLine {
  const path = `series[${index}]`;
  const series = object(widget, value, path);
  const name = text(widget, series.name, `${path}.name`);
  const line = readLine(widget, series, path, xKey, yKey);
  return { ...line, name, color: optionalColor(widget, series.color, `${path}.color`) ?? categoryColor(index), dash: series.dash === true };
}

/** Shared body of the single-panel line charts. */
abstract class LineChart extends Figure {
  protected abstract lines(): readonly NamedLine[];
  protected abstract labels(): { x: string; y: string; title?: string; xScale: 'linear' | 'log'; yScale: 'linear' | 'log'; markers: boolean; height: number; xRange?: [number, number]; yRange?: [number, number] };
  protected abstract traceName(line: NamedLine): string;
  protected abstract describe(): string;
  protected reference(): { y?: number; diagonal?: boolean; label?: string } | undefined {
    return undefined;
  }

  protected build(): FigureContent {
    const lines = this.lines();
    const labels = this.labels();
    const reference = this.reference();
    const data = lines.flatMap((line, i) => lineTraces(line, { name: legendName(this.traceName(line), '', 60), color: line.color, group: `s${i}`, showLegend: true, markers: labels.markers, dash: line.dash }));
    const shapes: Record<string, unknown>[] = [];
    if (reference?.diagonal) shapes.push({ type: 'line', x0: 0, y0: 0, x1: 1, y1: 1, line: { dash: 'dash', color: '#999999', width: 1 } });
    if (reference?.y !== undefined) shapes.push({ type: 'line', xref: 'x domain', x0: 0, x1: 1, y0: reference.y, y1: reference.y, line: { dash: 'dash', color: '#999999', width: 1 } });
    const layout = {
      ...baseLayout(labels.title, labels.height),
      xaxis: { title: { text: plotlyText(labels.x) }, type: labels.xScale, ...(labels.xRange ? { range: labels.xRange } : {}) },
      yaxis: { title: { text: plotlyText(labels.y) }, type: labels.yScale, ...(labels.yRange ? { range: labels.yRange } : {}) },
      shapes,
    };
    const marks: SvgMark[] = [];
    if (reference?.diagonal) marks.push({ kind: 'line', x: [0, 1], y: [0, 1], color: '#999999', width: 1, dash: true });
    if (reference?.y !== undefined) {
      const xs = lines.flatMap((l) => l.x);
      marks.push({ kind: 'line', x: [Math.min(...xs), Math.max(...xs)], y: [reference.y, reference.y], color: '#999999', width: 1, dash: true });
    }
    for (const line of lines) marks.push(...lineMarks(line, line.color, labels.markers));
    const legend: LegendEntry[] = lines.map((line) => ({ label: this.traceName(line), color: line.color, shape: 'line', dash: line.dash }));
    if (reference?.label) legend.push({ label: reference.label, color: '#999999', shape: 'line', dash: true });
    const svg = renderSvg({
      title: labels.title,
      panels: [{ x: { label: labels.x, kind: labels.xScale, range: labels.xRange }, y: { label: labels.y, kind: labels.yScale, range: labels.yRange }, marks }],
      columns: 1,
      legend,
    });
    return { summary: this.describe(), spec: { data, layout, config: { ...PLOTLY_CONFIG } }, svg };
  }
}

function checkPositive(widget: string, lines: readonly NamedLine[], axis: 'x' | 'y'): void {
  lines.forEach((line, i) => {
    const values = axis === 'x' ? line.x : [...line.y, ...(line.band?.lower ?? [])];
    const bad = values.findIndex((v) => v <= 0);
    if (bad >= 0) fail(widget, `series[${i}] has a value <= 0 on the logarithmic ${axis} axis`);
  });
}

/** A generic x-y chart with named series and optional bands. */
export class Curves extends LineChart {
  readonly series: readonly NamedLine[];
  readonly options: { x: string; y: string; title?: string; xScale: 'linear' | 'log'; yScale: 'linear' | 'log'; markers: boolean; height: number };
  readonly referenceLine: { y: number; label?: string } | undefined;

  constructor(input: CurvesInput) {
    super();
    const W = 'Curves';
    object(W, input, 'input');
    this.series = arrayOf(W, input.series, 'series', 1).map((s, i) => readSeries(W, s, i, 'x', 'y'));
    const scale = (value: unknown, path: string): 'linear' | 'log' => {
      if (value === undefined) return 'linear';
      if (value !== 'linear' && value !== 'log') fail(W, `${path} must be "linear" or "log", got ${String(value)}`);
      return value;
    };
    this.options = {
      x: text(W, input.xLabel, 'xLabel'),
      y: text(W, input.yLabel, 'yLabel'),
      title: optionalText(W, input.title, 'title'),
      xScale: scale(input.xScale, 'xScale'),
      yScale: scale(input.yScale, 'yScale'),
      markers: input.markers ?? true,
      height: optionalNumber(W, input.height, 'height') ?? 420,
    };
    if (this.options.xScale === 'log') checkPositive(W, this.series, 'x');
    if (this.options.yScale === 'log') checkPositive(W, this.series, 'y');
    if (input.reference !== undefined) {
      const reference = object(W, input.reference, 'reference');
      this.referenceLine = { y: finiteNumber(W, reference.y, 'reference.y'), label: optionalText(W, reference.label, 'reference.label') };
    }
  }

  protected lines(): readonly NamedLine[] {
    return this.series;
  }
  protected labels() {
    return this.options;
  }
  protected traceName(line: NamedLine): string {
    return line.name;
  }
  protected override reference() {
    return this.referenceLine;
  }
  protected describe(): string {
    return `Curves: ${this.options.y} vs ${this.options.x}, ${this.series.length} series (${this.series.map((s) => `${s.name}: ${s.x.length} points`).join('; ')})`;
  }
}

// ---- RocCurve ----

export interface RocInput {
  readonly name: string;
  /** False-positive and true-positive rates of the curve's points, in [0, 1]. */
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
  /** The area under the curve, as computed by the caller. */
  readonly auc: number;
  readonly color?: string;
}

export interface RocCurveInput {
  readonly curves: readonly RocInput[];
  readonly title?: string;
  readonly height?: number;
}

export class RocCurve extends LineChart {
  readonly curves: readonly (NamedLine & { auc: number })[];
  readonly title: string | undefined;
  readonly height: number;

  constructor(input: RocCurveInput) {
    super();
    const W = 'RocCurve';
    object(W, input, 'input');
    this.curves = arrayOf(W, input.curves, 'curves', 1).map((value, i) => {
      const curve = object(W, value, `curves[${i}]`);
      const line = readSeries(W, curve, i, 'fpr', 'tpr');
      [...line.x, ...line.y].forEach((v) => {
        if (v < 0 || v > 1) fail(W, `curves[${i}]: rates must lie in [0, 1], got ${v}`);
      });
      const auc = finiteNumber(W, curve.auc, `curves[${i}].auc`);
      if (auc < 0 || auc > 1) fail(W, `curves[${i}].auc must lie in [0, 1], got ${auc}`);
      return { ...line, auc };
    });
    this.title = optionalText(W, input.title, 'title');
    this.height = optionalNumber(W, input.height, 'height') ?? 460;
  }

  protected lines(): readonly NamedLine[] {
    return this.curves;
  }
  protected labels() {
    return { x: 'false positive rate', y: 'true positive rate', title: this.title, xScale: 'linear' as const, yScale: 'linear' as const, markers: false, height: this.height, xRange: [0, 1] as [number, number], yRange: [0, 1.02] as [number, number] };
  }
  protected traceName(line: NamedLine): string {
    const curve = this.curves.find((c) => c === line)!;
    return `${shorten(curve.name, 40)} (AUC ${curve.auc.toFixed(3)})`;
  }
  protected override reference() {
    return { diagonal: true, label: 'chance' };
  }
  protected describe(): string {
    return `RocCurve: ${this.curves.map((c) => `${c.name} AUC ${c.auc.toFixed(3)}`).join('; ')}`;
  }
}

// ---- AurocBySteps ----

export interface AurocSeries {
  readonly name: string;
  readonly steps: readonly number[];
  readonly auroc: readonly number[];
  readonly lower?: readonly number[];
  readonly upper?: readonly number[];
  readonly color?: string;
}

export interface AurocByStepsInput {
  readonly series: readonly AurocSeries[];
  readonly title?: string;
  readonly xLabel?: string;
  readonly height?: number;
}

export class AurocBySteps extends LineChart {
  readonly series: readonly NamedLine[];
  readonly title: string | undefined;
  readonly xLabel: string;
  readonly height: number;

  constructor(input: AurocByStepsInput) {
    super();
    const W = 'AurocBySteps';
    object(W, input, 'input');
    this.series = arrayOf(W, input.series, 'series', 1).map((s, i) => readSeries(W, s, i, 'steps', 'auroc'));
    this.series.forEach((s, i) =>
      [...s.y, ...(s.band?.lower ?? []), ...(s.band?.upper ?? [])].forEach((v) => {
        if (v < 0 || v > 1) fail(W, `series[${i}]: AUROC values must lie in [0, 1], got ${v}`);
      }),
    );
    this.title = optionalText(W, input.title, 'title');
    this.xLabel = optionalText(W, input.xLabel, 'xLabel') ?? 'recurrence step';
    this.height = optionalNumber(W, input.height, 'height') ?? 420;
  }

  protected lines(): readonly NamedLine[] {
    return this.series;
  }
  protected labels() {
    return { x: this.xLabel, y: 'AUROC', title: this.title, xScale: 'linear' as const, yScale: 'linear' as const, markers: true, height: this.height };
  }
  protected traceName(line: NamedLine): string {
    return line.name;
  }
  protected override reference() {
    return { y: 0.5, label: 'chance (0.5)' };
  }
  protected describe(): string {
    return `AurocBySteps: ${this.series
      .map((s) => {
        const best = s.y.indexOf(Math.max(...s.y));
        return `${s.name}: ${s.x.length} steps, max ${formatValue(s.y[best]!)} at step ${s.x[best]}`;
      })
      .join('; ')}`;
  }
}
