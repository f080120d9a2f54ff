/**
 * The reproduction report: one self-contained HTML page (`htmlPage`: plotly inlined once in the
 * head) with every executed notebook's text, code and outputs, and `summary.json` with each
 * notebook's status and key figures (the outputs of MIME type SUMMARY_MIME that the notebooks end
 * with).
 */
import { htmlPage, type PageItem } from '../display/plotly-offline.js';
import { escapeHtml } from '../display/protocol.js';
import { writeFileAtomic } from '../io/atomic.js';
import { markdownToHtml } from './markdown.js';
import { joinText, type Cell, type Notebook, type Output } from './notebook.js';
import type { CellFailure } from './execute.js';

/** The MIME type of a notebook's key figures (see notebooks/lto-notebook.ts). */
export const SUMMARY_MIME = 'application/vnd.latent-thinking.summary+json';

export interface PaperComparisonJson {
  readonly quantity: string;
  readonly ours: number | null;
  readonly paper: string;
  readonly reproduces: boolean | null;
  readonly note?: string;
}

export interface KeyFigures {
  readonly notebook?: string;
  readonly reproduces?: string;
  readonly quick?: boolean;
  readonly figures?: Record<string, unknown>;
  readonly comparisons?: readonly PaperComparisonJson[];
}

export interface NotebookReport {
  /** File name without folder, e.g. `04-lrm.ipynb`. */
  readonly name: string;
  /** Path of the executed notebook, relative to the report folder. */
  readonly executed: string;
  readonly status: 'ok' | 'error';
  readonly seconds: number;
  readonly failure?: CellFailure | { readonly message: string };
  /** The executed notebook (undefined when the worker could not produce it). */
  readonly notebook?: Notebook;
}

/** Every SUMMARY_MIME payload of a notebook, merged in output order. */
export function keyFiguresOf(nb: Notebook | undefined): KeyFigures | undefined {
  if (!nb) return undefined;
  let found: KeyFigures | undefined;
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const o of cell.outputs) {
      if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data[SUMMARY_MIME] !== undefined) {
        const k = o.data[SUMMARY_MIME] as KeyFigures;
        found = found ? { ...found, ...k, figures: { ...found.figures, ...k.figures }, comparisons: [...(found.comparisons ?? []), ...(k.comparisons ?? [])] } : k;
      }
    }
  }
  return found;
}

export function failureText(f: NonNullable<NotebookReport['failure']>): string {
  if ('message' in f) return f.message;
  return `cell ${f.cell} (code cell ${f.codeCell} of ${f.codeCells}, "${f.title}"): ${f.ename}: ${f.evalue}`;
}

export interface SummaryJson {
  readonly generated: string;
  readonly mode: 'quick' | 'full';
  readonly model: string;
  readonly seconds: number;
  readonly notebooks: readonly {
    readonly notebook: string;
    readonly executed: string;
    readonly status: 'ok' | 'error';
    readonly seconds: number;
    readonly error?: string;
    readonly reproduces?: string;
    readonly figures?: Record<string, unknown>;
    readonly comparisons?: readonly PaperComparisonJson[];
  }[];
}

export function summaryJson(reports: readonly NotebookReport[], info: { mode: 'quick' | 'full'; model: string; seconds: number; generated?: Date }): SummaryJson {
  return {
    generated: (info.generated ?? new Date()).toISOString(),
    mode: info.mode,
    model: info.model,
    seconds: Number(info.seconds.toFixed(1)),
    notebooks: reports.map((r) => {
      const k = keyFiguresOf(r.notebook);
      return {
        notebook: r.name,
        executed: r.executed,
        status: r.status,
        seconds: Number(r.seconds.toFixed(1)),
        ...(r.failure ? { error: failureText(r.failure) } : {}),
        ...(k?.reproduces !== undefined ? { reproduces: k.reproduces } : {}),
        ...(k?.figures !== undefined ? { figures: k.figures } : {}),
        ...(k?.comparisons !== undefined ? { comparisons: k.comparisons } : {}),
      };
    }),
  };
}

// ---- HTML ----

/** Matches the plotly loader scripts in outputs: the report's head carries the library once. */
const PLOTLY_LOADER = /<script type="text\/javascript" data-lt-plotly="[^"]*">[\s\S]*?<\/script>/g;

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function fragment(html: string): PageItem {
  return { pageHtml: () => html };
}

function outputHtml(o: Output): string {
  switch (o.output_type) {
    case 'stream':
      return `<pre class="lt-stream lt-${o.name}">${escapeHtml(joinText(o.text).replace(ANSI, ''))}</pre>`;
    case 'error':
      return `<pre class="lt-error">${escapeHtml([`${o.ename}: ${o.evalue}`, ...o.traceback.filter((line, i) => i > 0 || line !== `${o.ename}: ${o.evalue}`)].join('\n').replace(ANSI, ''))}</pre>`;
    default: {
      const data = o.data;
      const html = data['text/html'];
      if (typeof html === 'string' || Array.isArray(html)) return `<div class="lt-output">${joinText(html as string | string[]).replace(PLOTLY_LOADER, '')}</div>`;
      const svg = data['image/svg+xml'];
      if (typeof svg === 'string' || Array.isArray(svg)) {
        const uri = `data:image/svg+xml;base64,${Buffer.from(joinText(svg as string | string[]), 'utf8').toString('base64')}`;
        return `<div class="lt-output"><img alt="figure" src="${uri}"></div>`;
      }
      const png = data['image/png'];
      if (typeof png === 'string') return `<div class="lt-output"><img alt="figure" src="data:image/png;base64,${escapeHtml(png.replace(/\s/g, ''))}"></div>`;
      const plain = data['text/plain'];
      return `<pre class="lt-result">${escapeHtml(joinText(plain as string | string[] | undefined).replace(ANSI, ''))}</pre>`;
    }
  }
}

function cellHtml(cell: Cell, index: number): string {
  if (cell.cell_type !== 'code') return cell.cell_type === 'markdown' ? `<div class="lt-markdown">${markdownToHtml(joinText(cell.source))}</div>` : '';
  const source = joinText(cell.source);
  const count = cell.execution_count === null ? ' ' : String(cell.execution_count);
  const code = source.trim() === '' ? '' : `<details class="lt-code"><summary>In [${escapeHtml(count)}] (cell ${index + 1})</summary><pre>${escapeHtml(source)}</pre></details>`;
  return code + cell.outputs.map(outputHtml).join('\n');
}

function anchor(name: string): string {
  return `nb-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

const STYLE =
  '<style>.lt-code summary{cursor:pointer;color:#555;font-size:12px}.lt-code pre,.lt-md-code{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}' +
  'pre.lt-stream,pre.lt-result{font-size:12px;margin:4px 0;white-space:pre-wrap}pre.lt-stderr{color:#8a4b00}pre.lt-error{color:#b00020;background:#fff0f0;padding:8px;white-space:pre-wrap}' +
  '.lt-notebook{border-top:2px solid #333;margin-top:36px;padding-top:8px}.lt-status-error{color:#b00020;font-weight:bold}.lt-status-ok{color:#1b7f3a}' +
  '.lt-md-table,.lt-overview{border-collapse:collapse;font-size:13px}.lt-md-table td,.lt-md-table th,.lt-overview td,.lt-overview th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}' +
  '.lt-output{margin:6px 0;overflow-x:auto}</style>';

function overviewHtml(reports: readonly NotebookReport[]): string {
  const rows = reports.map((r) => {
    const k = keyFiguresOf(r.notebook);
    const comparisons = k?.comparisons ?? [];
    const measured = comparisons.filter((c) => c.reproduces !== null);
    const yes = measured.filter((c) => c.reproduces).length;
    const status = r.status === 'ok' ? '<span class="lt-status-ok">ok</span>' : `<span class="lt-status-error">error</span> ${escapeHtml(r.failure ? failureText(r.failure) : '')}`;
    return (
      `<tr><td><a href="#${anchor(r.name)}">${escapeHtml(r.name)}</a></td><td>${escapeHtml(k?.reproduces ?? '')}</td><td>${status}</td>` +
      `<td>${r.seconds.toFixed(1)} s</td><td>${measured.length > 0 ? `${yes} of ${measured.length}` : ''}</td><td><a href="${escapeHtml(r.executed)}">executed notebook</a></td></tr>`
    );
  });
  return (
    '<table class="lt-overview"><thead><tr><th>notebook</th><th>reproduces</th><th>status</th><th>time</th><th>paper findings reproduced</th><th></th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function comparisonsHtml(reports: readonly NotebookReport[]): string {
  const rows: string[] = [];
  for (const r of reports) {
    for (const c of keyFiguresOf(r.notebook)?.comparisons ?? []) {
      const verdict = c.reproduces === null ? 'not measurable' : c.reproduces ? 'yes' : '<span class="lt-status-error">no</span>';
      rows.push(
        `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(c.quantity)}</td><td>${c.ours === null ? 'n/a' : escapeHtml(c.ours.toFixed(3))}</td>` +
          `<td>${escapeHtml(c.paper)}</td><td>${verdict}</td><td>${escapeHtml(c.note ?? '')}</td></tr>`,
      );
    }
  }
  if (rows.length === 0) return '';
  return '<h2>Embedded model versus the paper</h2><table class="lt-overview"><thead><tr><th>notebook</th><th>quantity</th><th>embedded model</th><th>paper</th><th>reproduces</th><th>note</th></tr></thead>' + `<tbody>${rows.join('')}</tbody></table>`;
}

/** The page items of the report (exported for tests). */
export function reportItems(reports: readonly NotebookReport[], info: { mode: 'quick' | 'full'; model: string; seconds: number }): PageItem[] {
  const items: PageItem[] = [
    fragment(STYLE),
    fragment(
      `<p>Model: <code>${escapeHtml(info.model)}</code> · mode: ${escapeHtml(info.mode)} · ${reports.length} notebooks in ${info.seconds.toFixed(0)} s · ` +
        `generated ${escapeHtml(new Date().toISOString())} · figures render offline (plotly.js inlined once in this page).</p>`,
    ),
    fragment(overviewHtml(reports)),
    fragment(comparisonsHtml(reports)),
  ];
  for (const r of reports) {
    const header =
      `<div class="lt-notebook" id="${anchor(r.name)}"><h2>${escapeHtml(r.name)}</h2>` +
      `<p>${r.status === 'ok' ? '<span class="lt-status-ok">ran without errors</span>' : `<span class="lt-status-error">failed: ${escapeHtml(r.failure ? failureText(r.failure) : 'unknown error')}</span>`} · ${r.seconds.toFixed(1)} s · ` +
      `<a href="${escapeHtml(r.executed)}">executed notebook</a></p></div>`;
    items.push(fragment(header));
    if (r.notebook) r.notebook.cells.forEach((cell, i) => items.push(fragment(cellHtml(cell, i))));
  }
  return items;
}

export function reportHtml(reports: readonly NotebookReport[], info: { mode: 'quick' | 'full'; model: string; seconds: number }): string {
  return htmlPage('Latent Thinking Optimization: reproduction report', reportItems(reports, info));
}

export async function writeReport(htmlPath: string, summaryPath: string, reports: readonly NotebookReport[], info: { mode: 'quick' | 'full'; model: string; seconds: number }): Promise<SummaryJson> {
  const summary = summaryJson(reports, info);
  await writeFileAtomic(htmlPath, reportHtml(reports, info));
  await writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
