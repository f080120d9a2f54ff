/**
 * Offline plotly.js: the library comes from the installed `plotly.js-dist-min` package (read from
 * disk), never from a URL, and is embedded in a page at most once.
 *
 * Notebooks (the choice, and why). plotly.min.js is ~4.8 MB. Embedding it in every figure would
 * make a notebook with ten plots weigh 50 MB; embedding it never would need an extra "init" cell
 * that users forget. So, as plotly's own offline notebook mode does, the FIRST figure shown by a
 * kernel process carries the library (a script that defines `window.Plotly` only if it is not
 * defined yet) and every later figure only references `window.Plotly`. The state is per process
 * (= per kernel session = per notebook): a restarted kernel embeds it again in its first figure.
 * Every figure also carries its static SVG, which stays visible until plotly has drawn; if
 * `window.Plotly` is missing (the notebook was reopened after the output carrying the library was
 * cleared, or the front end isolates outputs in separate frames), the figure waits for the
 * library (the `lt-plotly-ready` event fired by a later carrier) and meanwhile shows the SVG with
 * a note telling how to load the library again: `display(plotlyNotebookInit())`.
 *
 * Standalone pages (reports): `htmlPage` inlines the library once in the page head and renders
 * every figure as a reference, so the file opens offline in any browser.
 */
import { readFileSync } from 'node:fs';
import { escapeHtml, JUPYTER_DISPLAY, isDisplayable, bundleOf, type Displayable, type MimeBundle } from './protocol.js';
import { writeFileAtomic } from '../io/atomic.js';

/** A plotly figure: what `Plotly.newPlot(div, figure)` and the plotly MIME renderers take. */
export interface PlotlySpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  frames?: { name: string; data: Record<string, unknown>[]; traces?: number[] }[];
  config?: Record<string, unknown>;
}

let libraryCache: { version: string; source: string } | undefined;

/**
 * The plotly.js bundle and its version, read once from the installed package. Throws if the
 * text could close or confuse an inline <script> element (it cannot be escaped generically
 * without knowing the JavaScript context; plotly 4.1.2 contains neither sequence).
 */
export function plotlyLibrary(): { version: string; source: string } {
  if (libraryCache) return libraryCache;
  const path = require.resolve('plotly.js-dist-min/plotly.min.js');
  const source = readFileSync(path, 'utf8');
  if (/<\/?script/i.test(source)) throw new Error(`${path} contains "<script" or "</script"; it cannot be inlined in an HTML <script> element`);
  const version = /plotly\.js v(\d+\.\d+\.\d+)/.exec(source.slice(0, 200))?.[1] ?? 'unknown';
  libraryCache = { version, source };
  return libraryCache;
}

/**
 * JSON for embedding inside a <script> element: `<`, `>` and `&` become \u escapes so that data
 * such as `</script>` or `<!--` cannot end or alter the element, and U+2028/U+2029 are escaped
 * because older JavaScript engines reject them inside string literals.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The <script> that defines `window.Plotly` from the inlined library unless a previous output
 * already did, then announces it (`lt-plotly-ready`) to figures waiting for it. `module`,
 * `exports` and `define` are shadowed so that the UMD wrapper sets `window.Plotly` even on pages
 * that use require.js or CommonJS shims (classic Jupyter Notebook).
 */
export function plotlyLoaderScript(): string {
  const { version, source } = plotlyLibrary();
  return (
    `<script type="text/javascript" data-lt-plotly="${version}">` +
    `window.PlotlyConfig = window.PlotlyConfig || {MathJaxConfig: 'local'};\n` +
    `if (!window.Plotly) { (function (module, exports, define) {\n${source}\n}).call(window); }\n` +
    `document.dispatchEvent(new Event('lt-plotly-ready'));</script>`
  );
}

// ---- the once-per-notebook state ----

const EMBEDDED_KEY = Symbol.for('latent-thinking.display.plotly-embedded');
type EmbeddedHolder = Record<symbol, boolean | undefined>;

/**
 * True exactly once per process: the caller's output must carry the library. Kept on
 * `globalThis` under a `Symbol.for` key so that two copies of this library in one kernel agree.
 */
export function claimPlotlyEmbedding(): boolean {
  const holder = globalThis as unknown as EmbeddedHolder;
  if (holder[EMBEDDED_KEY]) return false;
  holder[EMBEDDED_KEY] = true;
  return true;
}

/** Forgets that the library was embedded: the next figure carries it again. */
export function resetPlotlyEmbedding(): void {
  (globalThis as unknown as EmbeddedHolder)[EMBEDDED_KEY] = false;
}

/**
 * An output that always carries the library (like plotly's `init_notebook_mode`): display it to
 * make figures render again after the output that carried the library was cleared.
 */
export function plotlyNotebookInit(): Displayable {
  return {
    [JUPYTER_DISPLAY]: () => {
      (globalThis as unknown as EmbeddedHolder)[EMBEDDED_KEY] = true;
      return { 'text/plain': `plotly.js ${plotlyLibrary().version} (offline)`, 'text/html': `${plotlyLoaderScript()}<div style="font-size:smaller;color:#666">plotly.js ${plotlyLibrary().version} loaded (offline)</div>` };
    },
  };
}

// ---- figure fragments ----

/** What a figure's HTML is made of; everything here is written by this library or escaped. */
export interface FigureHtmlParts {
  spec: PlotlySpec;
  /** Static SVG shown until plotly has drawn (and for ever if it cannot). */
  svg: string;
  /** Escaped HTML placed after the plot (a table, the selection list). */
  htmlAfter?: string;
  /**
   * JavaScript source of `function (gd, root, data) {...}`, run once the plot is drawn; written by
   * the widget classes, never built from data. `data` is `scriptData`, embedded as escaped JSON.
   */
  onRendered?: string;
  scriptData?: unknown;
}

let figureCounter = 0;

function figureId(): string {
  figureCounter += 1;
  return `lt-fig-${Date.now().toString(36)}-${figureCounter}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/**
 * The HTML of one figure: the SVG fallback, an empty plot div and a script that draws the plot
 * with `window.Plotly` (now, or when the library announces itself). With `embedLibrary` the
 * library's loader script comes first.
 */
export function figureHtml(parts: FigureHtmlParts, options: { embedLibrary: boolean }): string {
  const id = figureId();
  const script = [
    '(function () {',
    `var root = document.getElementById(${jsonForScript(id)});`,
    `var spec = ${jsonForScript(parts.spec)};`,
    `var data = ${jsonForScript(parts.scriptData ?? null)};`,
    `var onRendered = ${parts.onRendered ?? 'null'};`,
    'var started = false;',
    'function render() {',
    '  if (started || !window.Plotly || !root) return;',
    '  started = true;',
    "  var plot = root.querySelector('.lt-plot');",
    '  window.Plotly.newPlot(plot, spec).then(function (gd) {',
    "    var fallback = root.querySelector('.lt-fallback');",
    '    if (fallback) fallback.parentNode.removeChild(fallback);',
    '    if (onRendered) onRendered(gd, root, data);',
    "    root.setAttribute('data-lt-rendered', 'true');",
    "    document.dispatchEvent(new CustomEvent('lt-figure-rendered', { detail: root }));",
    '  }, function (error) {',
    "    root.setAttribute('data-lt-error', String(error && error.message || error));",
    '  });',
    '}',
    'if (window.Plotly) render();',
    'else {',
    "  document.addEventListener('lt-plotly-ready', render);",
    '  setTimeout(function () {',
    "    if (!started) { var note = root && root.querySelector('.lt-note'); if (note) note.style.display = 'block'; }",
    '  }, 3000);',
    '}',
    '})();',
  ].join('\n');
  const note =
    '<div class="lt-note" style="display:none;font-size:smaller;color:#666">Static image: plotly.js is not loaded in this page. ' +
    'Run <code>display(plotlyNotebookInit())</code> (or re-run the first figure cell after restarting the kernel) for the interactive figure.</div>';
  return (
    (options.embedLibrary ? plotlyLoaderScript() : '') +
    `<div class="lt-figure" id="${escapeHtml(id)}">` +
    `<div class="lt-fallback">${parts.svg}${note}</div>` +
    '<div class="lt-plot"></div>' +
    (parts.htmlAfter ?? '') +
    `<script type="text/javascript">\n${script}\n</script>` +
    '</div>'
  );
}

// ---- standalone pages ----

/** Something with an HTML form for pages that already hold the library (figures, tables). */
export interface PageFragment {
  pageHtml(): string;
}

/** One item of a page: a figure or table, any displayable, a heading or a paragraph. */
export type PageItem = PageFragment | Displayable | { heading: string } | { text: string };

function isPageFragment(item: unknown): item is PageFragment {
  return typeof item === 'object' && item !== null && typeof (item as Partial<PageFragment>).pageHtml === 'function';
}

function itemHtml(item: PageItem): string {
  if (isPageFragment(item)) return `<section class="lt-item">${item.pageHtml()}</section>`;
  if (isDisplayable(item)) {
    const bundle: MimeBundle = bundleOf(item);
    const html = bundle['text/html'];
    if (typeof html === 'string') return `<section class="lt-item">${html}</section>`;
    return `<section class="lt-item"><pre>${escapeHtml(String(bundle['text/plain']))}</pre></section>`;
  }
  if ('heading' in item) return `<h2>${escapeHtml(item.heading)}</h2>`;
  return `<p>${escapeHtml(item.text)}</p>`;
}

/**
 * A self-contained HTML page: the plotly library inlined exactly once in the head, then the
 * items in order. Figures and tables use `pageHtml()` (no library of their own); other
 * displayables their `text/html` (or escaped `text/plain`). Opens offline from disk.
 */
export function htmlPage(title: string, items: readonly PageItem[]): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(title)}</title>\n` +
    '<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1200px}section.lt-item{margin:0 0 28px}' +
    'table.lt-table,table.lt-lto{border-collapse:collapse;font-size:13px}.lt-table th,.lt-table td,.lt-lto th,.lt-lto td{padding:2px 8px;border-bottom:1px solid #ddd}</style>\n' +
    `${plotlyLoaderScript()}\n</head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n` +
    items.map(itemHtml).join('\n') +
    '\n</body>\n</html>\n'
  );
}

/** Writes `htmlPage(title, items)` to `path` atomically. */
export async function writeHtmlPage(path: string, title: string, items: readonly PageItem[]): Promise<void> {
  await writeFileAtomic(path, htmlPage(title, items));
}
