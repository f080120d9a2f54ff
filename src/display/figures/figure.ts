/**
 * The figure model shared by every widget: a widget turns its (validated, copied) input into a
 * plotly spec, a static SVG of the same data and a one-paragraph text summary; this base class
 * turns those into the MIME bundle of the display protocol and into page fragments for reports.
 */
import { JUPYTER_DISPLAY, type MimeBundle } from '../protocol.js';
import { shorten } from '../svg/chart.js';
import { claimPlotlyEmbedding, figureHtml, type FigureHtmlParts, type PlotlySpec } from '../plotly-offline.js';

/** What a widget produces once; see `FigureHtmlParts` for the HTML-related fields. */
export interface FigureContent extends FigureHtmlParts {
  /** The `text/plain` summary (plain text: not escaped). */
  summary: string;
}

/** The MIME type of plotly figures (JupyterLab / VS Code render it natively when they can). */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export abstract class Figure {
  private cached: FigureContent | undefined;

  /** Builds the content from the widget's data; called once, lazily. */
  protected abstract build(): FigureContent;

  private content(): FigureContent {
    return (this.cached ??= this.build());
  }

  /** The plotly figure (data, layout, frames, config) as JSON-ready objects. */
  spec(): PlotlySpec {
    return structuredClone(this.content().spec);
  }

  /** The static SVG image. */
  svg(): string {
    return this.content().svg;
  }

  /** The concise text summary. */
  toString(): string {
    return this.content().summary;
  }

  /** The figure's HTML for a page that already loads plotly once (see `htmlPage`). */
  pageHtml(): string {
    return figureHtml(this.content(), { embedLibrary: false });
  }

  /**
   * The bundle: text/plain, text/html (interactive, carrying the plotly library if it is the
   * first figure of this kernel session), image/svg+xml and the plotly JSON.
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    const content = this.content();
    return {
      'text/plain': content.summary,
      'text/html': figureHtml(content, { embedLibrary: claimPlotlyEmbedding() }),
      'image/svg+xml': content.svg,
      [PLOTLY_MIME]: structuredClone(content.spec),
    };
  }
}

// ---- text for plotly ----

const PLOTLY_ESCAPES: Readonly<Record<string, string>> = { '&': '&#38;', '<': '&#60;', '>': '&#62;', '"': '&#34;', "'": '&#39;' };

/**
 * Text for plotly: plotly renders labels, legend names and hover texts as pseudo-HTML (it
 * interprets <b>, <br>, <a href>...), so every string from data is escaped first. Numeric
 * character references are used because plotly decodes those back into plain characters when
 * drawing, but not every named entity (`&quot;` would show literally).
 */
export function plotlyText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => PLOTLY_ESCAPES[c]!);
}

/**
 * A legend entry: data names are shortened (a long name would squeeze the plot to nothing) and
 * escaped; `suffix` is our own text (e.g. a count) kept whole.
 */
export function legendName(name: string, suffix = '', max = 40): string {
  return plotlyText(shorten(name, max) + suffix);
}

/** Long text for a hover label: escaped, wrapped at about `width` characters, at most `lines` lines. */
export function hoverText(text: string, width = 70, lines = 4): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const out: string[] = [];
  let line = '';
  for (const word of words) {
    const chunks = Array.from(word).length > width ? (Array.from(word).join('').match(new RegExp(`.{1,${width}}`, 'gu')) ?? [word]) : [word];
    for (const chunk of chunks) {
      if (line && Array.from(line).length + 1 + Array.from(chunk).length > width) {
        out.push(line);
        line = chunk;
      } else line = line ? `${line} ${chunk}` : chunk;
    }
  }
  if (line) out.push(line);
  const kept = out.slice(0, lines);
  if (out.length > lines) kept[lines - 1] = `${kept[lines - 1]} …`;
  return kept.map(plotlyText).join('<br>');
}

/** Default plotly layout pieces shared by the widgets. */
export function baseLayout(title: string | undefined, height: number): Record<string, unknown> {
  return {
    ...(title ? { title: { text: plotlyText(shorten(title, 120)), x: 0.5, xanchor: 'center' } } : {}),
    height,
    margin: { l: 60, r: 20, t: title ? 60 : 30, b: 50 },
    font: { family: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif', size: 12 },
    hovermode: 'closest',
    plot_bgcolor: '#fafafa',
  };
}

/** Plotly's config for every widget: responsive, no plotly logo, no link to the cloud editor. */
export const PLOTLY_CONFIG: Readonly<Record<string, unknown>> = { responsive: true, displaylogo: false, showLink: false, showEditInChartStudio: false };

/** Numbers with a fixed number of significant digits for summaries and labels. */
export function formatValue(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

// ---- input validation ----

/** Errors thrown by widget constructors name the widget and the offending input path. */
export class FigureInputError extends TypeError {
  override name = 'FigureInputError';
}

export function fail(widget: string, message: string): never {
  throw new FigureInputError(`${widget}: ${message}`);
}

export function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? `an array of ${value.length}` : `a ${typeof value}`;
}

export function finiteNumber(widget: string, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(widget, `${path} must be a finite number, got ${describeValue(value)}`);
  return value;
}

export function optionalNumber(widget: string, value: unknown, path: string): number | undefined {
  return value === undefined || value === null ? undefined : finiteNumber(widget, value, path);
}

export function arrayOf(widget: string, value: unknown, path: string, minLength = 0): readonly unknown[] {
  if (!Array.isArray(value)) fail(widget, `${path} must be an array, got ${describeValue(value)}`);
  if (value.length < minLength) fail(widget, `${path} needs at least ${minLength} element${minLength === 1 ? '' : 's'}, got ${value.length}`);
  return value;
}

export function numberArray(widget: string, value: unknown, path: string, length?: number): number[] {
  const array = arrayOf(widget, value, path);
  if (length !== undefined && array.length !== length) fail(widget, `${path} has ${array.length} values, expected ${length}`);
  return array.map((v, i) => finiteNumber(widget, v, `${path}[${i}]`));
}

export function text(widget: string, value: unknown, path: string): string {
  if (typeof value !== 'string') fail(widget, `${path} must be a string, got ${describeValue(value)}`);
  return value;
}

export function optionalText(widget: string, value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : text(widget, value, path);
}

export function object(widget: string, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(widget, `${path} must be an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

/** Optional lower/upper band arrays: both or neither, same length, lower <= upper. */
export function optionalBand(widget: string, lower: unknown, upper: unknown, path: string, length: number): { lower: number[]; upper: number[] } | undefined {
  if ((lower === undefined) !== (upper === undefined)) fail(widget, `${path}: give both lower and upper, or neither`);
  if (lower === undefined) return undefined;
  const lo = numberArray(widget, lower, `${path}.lower`, length);
  const hi = numberArray(widget, upper, `${path}.upper`, length);
  lo.forEach((l, i) => {
    if (l > hi[i]!) fail(widget, `${path}.lower[${i}] = ${l} is above upper[${i}] = ${hi[i]}`);
  });
  return { lower: lo, upper: hi };
}
