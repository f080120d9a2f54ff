/**
 * LtoComparison: accuracy of several methods per domain with 95% confidence intervals (the
 * paper's Table 1), as an HTML table and grouped bars with error bars.
 */
import { categoryColor } from '../figures/colors.js';
import { Figure, PLOTLY_CONFIG, legendName, arrayOf, baseLayout, fail, finiteNumber, object, optionalText, plotlyText, text, type FigureContent } from '../figures/figure.js';
import { escapeHtml } from '../protocol.js';
import { renderSvg } from '../svg/chart.js';

export interface LtoResultRow {
  readonly method: string;
  readonly domain: string;
  /** Accuracy as a fraction in [0, 1], with its confidence interval. */
  readonly accuracy: number;
  readonly lower: number;
  readonly upper: number;
  /** Number of questions behind the accuracy (shown in the table when given). */
  readonly n?: number;
}

export interface LtoComparisonInput {
  readonly rows: readonly LtoResultRow[];
  readonly title?: string;
  /** What the interval is (default '95% CI'). */
  readonly intervalLabel?: string;
}

const WIDGET = 'LtoComparison';

const percent = (fraction: number): string => (fraction * 100).toFixed(1);

export class LtoComparison extends Figure {
  readonly rows: readonly LtoResultRow[];
  readonly methods: readonly string[];
  readonly domains: readonly string[];
  readonly title: string | undefined;
  readonly intervalLabel: string;

  constructor(input: LtoComparisonInput) {
    super();
    object(WIDGET, input, 'input');
    const seen = new Set<string>();
    this.rows = arrayOf(WIDGET, input.rows, 'rows', 1).map((value, i) => {
      const path = `rows[${i}]`;
      const row = object(WIDGET, value, path);
      const method = text(WIDGET, row.method, `${path}.method`);
      const domain = text(WIDGET, row.domain, `${path}.domain`);
      const accuracy = finiteNumber(WIDGET, row.accuracy, `${path}.accuracy`);
      const lower = finiteNumber(WIDGET, row.lower, `${path}.lower`);
      const upper = finiteNumber(WIDGET, row.upper, `${path}.upper`);
      if (!(0 <= lower && lower <= accuracy && accuracy <= upper && upper <= 1)) fail(WIDGET, `${path} needs 0 <= lower <= accuracy <= upper <= 1 (fractions), got ${lower}, ${accuracy}, ${upper}`);
      const n = row.n === undefined ? undefined : finiteNumber(WIDGET, row.n, `${path}.n`);
      const key = JSON.stringify([method, domain]);
      if (seen.has(key)) fail(WIDGET, `${path} repeats method "${method}" on domain "${domain}"`);
      seen.add(key);
      return { method, domain, accuracy, lower, upper, n };
    });
    this.methods = [...new Set(this.rows.map((r) => r.method))];
    this.domains = [...new Set(this.rows.map((r) => r.domain))];
    this.title = optionalText(WIDGET, input.title, 'title');
    this.intervalLabel = optionalText(WIDGET, input.intervalLabel, 'intervalLabel') ?? '95% CI';
  }

  private cell(method: string, domain: string): LtoResultRow | undefined {
    return this.rows.find((r) => r.method === method && r.domain === domain);
  }

  /** The best accuracy per domain (bold in the table). */
  private best(domain: string): number {
    return Math.max(...this.rows.filter((r) => r.domain === domain).map((r) => r.accuracy));
  }

  private tableHtml(): string {
    const head = `<tr><th style="text-align:left">method</th>${this.domains.map((d) => `<th style="text-align:right">${escapeHtml(d)}</th>`).join('')}</tr>`;
    const body = this.methods
      .map((method) => {
        const cells = this.domains.map((domain) => {
          const r = this.cell(method, domain);
          if (!r) return '<td style="text-align:right">—</td>';
          const value = percent(r.accuracy);
          const shown = r.accuracy === this.best(domain) ? `<b>${value}</b>` : value;
          const n = r.n === undefined ? '' : ` <span style="color:#999">n=${escapeHtml(String(r.n))}</span>`;
          return `<td style="text-align:right;white-space:nowrap">${shown} <span style="color:#666">[${percent(r.lower)}, ${percent(r.upper)}]</span>${n}</td>`;
        });
        return `<tr><th style="text-align:left">${escapeHtml(method)}</th>${cells.join('')}</tr>`;
      })
      .join('');
    const caption = `${this.title === undefined ? '' : `<strong>${escapeHtml(this.title)}</strong> · `}accuracy % [${escapeHtml(this.intervalLabel)}]; best per domain in bold`;
    return `<div style="overflow-x:auto"><table class="lt-lto"><caption style="text-align:left">${caption}</caption><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
  }

  private plainTable(): string {
    const header = ['method', ...this.domains];
    const lines = this.methods.map((method) => [method, ...this.domains.map((domain) => {
      const r = this.cell(method, domain);
      return r ? `${percent(r.accuracy)} [${percent(r.lower)}, ${percent(r.upper)}]` : '—';
    })]);
    const widths = header.map((h, c) => Math.max(Array.from(h).length, ...lines.map((l) => Array.from(l[c]!).length)));
    const format = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
    return [format(header), ...lines.map(format)].join('\n');
  }

  protected build(): FigureContent {
    const x = this.domains.map(plotlyText);
    const data = this.methods.map((method, k) => {
      const cells = this.domains.map((d) => this.cell(method, d));
      return {
        type: 'bar',
        name: legendName(method),
        x,
        y: cells.map((r) => (r ? r.accuracy * 100 : null)),
        error_y: { type: 'data', symmetric: false, array: cells.map((r) => (r ? (r.upper - r.accuracy) * 100 : null)), arrayminus: cells.map((r) => (r ? (r.accuracy - r.lower) * 100 : null)), color: '#333333', thickness: 1.2, width: 4 },
        marker: { color: categoryColor(k) },
        hovertemplate: `${plotlyText(method)}<br>%{x}: %{y:.1f}%<extra></extra>`,
      };
    });
    const layout = { ...baseLayout(this.title, 420), barmode: 'group', xaxis: { title: { text: 'domain' }, type: 'category' }, yaxis: { title: { text: `accuracy (%), ${plotlyText(this.intervalLabel)}` }, rangemode: 'tozero' } };
    const svg = renderSvg({
      title: this.title,
      panels: [
        {
          x: { kind: 'category', categories: this.domains, label: 'domain' },
          y: { label: `accuracy (%), ${this.intervalLabel}` },
          marks: [
            {
              kind: 'bars',
              series: this.methods.map((method, k) => {
                const cells = this.domains.map((d) => this.cell(method, d));
                return { color: categoryColor(k), values: cells.map((r) => (r ? r.accuracy * 100 : null)), lower: cells.map((r) => (r ? r.lower * 100 : null)), upper: cells.map((r) => (r ? r.upper * 100 : null)) };
              }),
            },
          ],
        },
      ],
      columns: 1,
      panelWidth: Math.max(420, 120 + this.domains.length * (40 + 30 * this.methods.length)),
      legend: this.methods.map((m, k) => ({ label: m, color: categoryColor(k), shape: 'square' })),
    });
    const summary = `LtoComparison: ${this.methods.length} methods × ${this.domains.length} domains, accuracy % [${this.intervalLabel}]${this.title ? ` — ${this.title}` : ''}\n${this.plainTable()}`;
    return { summary, spec: { data, layout, config: { ...PLOTLY_CONFIG } }, svg, htmlAfter: this.tableHtml() };
  }
}
