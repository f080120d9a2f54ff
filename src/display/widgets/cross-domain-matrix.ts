/**
 * CrossDomainMatrix: a heatmap of values (e.g. AUROC of a reward model trained on one domain and
 * tested on another, the paper's Fig. 4) with every cell annotated.
 */
import { VIRIDIS, contrastText, scaleColor } from '../figures/colors.js';
import { Figure, PLOTLY_CONFIG, arrayOf, baseLayout, fail, numberArray, object, optionalNumber, optionalText, plotlyText, text, type FigureContent } from '../figures/figure.js';
import { renderSvg } from '../svg/chart.js';

export interface CrossDomainMatrixInput {
  /** Row labels: the domains trained on. */
  readonly trainDomains: readonly string[];
  /** Column labels: the domains tested on. */
  readonly testDomains: readonly string[];
  /** values[i][j]: trained on trainDomains[i], tested on testDomains[j]. */
  readonly values: readonly (readonly number[])[];
  /** What the values are (colour bar title), default 'AUROC'. */
  readonly valueLabel?: string;
  readonly title?: string;
  /** Decimals in the cell labels (default 3). */
  readonly digits?: number;
  /** Colour scale range; default the values' extent. */
  readonly range?: readonly [number, number];
}

const WIDGET = 'CrossDomainMatrix';

export class CrossDomainMatrix extends Figure {
  readonly trainDomains: readonly string[];
  readonly testDomains: readonly string[];
  readonly values: readonly (readonly number[])[];
  readonly valueLabel: string;
  readonly title: string | undefined;
  readonly digits: number;
  readonly range: readonly [number, number];

  constructor(input: CrossDomainMatrixInput) {
    super();
    object(WIDGET, input, 'input');
    this.trainDomains = arrayOf(WIDGET, input.trainDomains, 'trainDomains', 1).map((d, i) => text(WIDGET, d, `trainDomains[${i}]`));
    this.testDomains = arrayOf(WIDGET, input.testDomains, 'testDomains', 1).map((d, i) => text(WIDGET, d, `testDomains[${i}]`));
    for (const [key, labels] of [['trainDomains', this.trainDomains], ['testDomains', this.testDomains]] as const) {
      if (new Set(labels).size !== labels.length) fail(WIDGET, `${key} must be distinct (a categorical axis merges equal labels)`);
    }
    const rows = arrayOf(WIDGET, input.values, 'values');
    if (rows.length !== this.trainDomains.length) fail(WIDGET, `values has ${rows.length} rows but there are ${this.trainDomains.length} train domains`);
    this.values = rows.map((row, i) => numberArray(WIDGET, row, `values[${i}]`, this.testDomains.length));
    this.valueLabel = optionalText(WIDGET, input.valueLabel, 'valueLabel') ?? 'AUROC';
    this.title = optionalText(WIDGET, input.title, 'title');
    this.digits = optionalNumber(WIDGET, input.digits, 'digits') ?? 3;
    if (!Number.isInteger(this.digits) || this.digits < 0 || this.digits > 10) fail(WIDGET, `digits must be an integer in 0..10, got ${this.digits}`);
    if (input.range !== undefined) {
      const range = numberArray(WIDGET, input.range, 'range', 2);
      if (!(range[0]! < range[1]!)) fail(WIDGET, `range must be increasing, got [${range.join(', ')}]`);
      this.range = [range[0]!, range[1]!];
    } else {
      const all = this.values.flat();
      this.range = [Math.min(...all), Math.max(...all)];
    }
  }

  protected build(): FigureContent {
    const [min, max] = this.range;
    const labels = this.values.map((row) => row.map((v) => v.toFixed(this.digits)));
    const fills = this.values.map((row) => row.map((v) => scaleColor(v, min, max, VIRIDIS)));
    const textColors = fills.map((row) => row.map(contrastText));
    const x = this.testDomains.map(plotlyText);
    const y = this.trainDomains.map(plotlyText);
    const data = [
      {
        type: 'heatmap',
        x,
        y,
        z: this.values.map((row) => [...row]),
        zmin: min,
        zmax: max,
        colorscale: 'Viridis',
        colorbar: { title: { text: plotlyText(this.valueLabel) } },
        hovertemplate: `train %{y}<br>test %{x}<br>${plotlyText(this.valueLabel)} %{z:.${this.digits}f}<extra></extra>`,
        xgap: 1,
        ygap: 1,
      },
    ];
    // Category positions by index: plotly's categorical axes place the i-th label at i.
    const annotations = this.values.flatMap((row, i) => row.map((_, j) => ({ x: j, y: i, xref: 'x', yref: 'y', text: labels[i]![j], showarrow: false, font: { color: textColors[i]![j], size: 13 } })));
    const longest = Math.max(...this.trainDomains.map((d) => Array.from(d).length));
    const layout: Record<string, unknown> = {
      ...baseLayout(this.title, Math.max(320, 120 + 60 * this.trainDomains.length)),
      xaxis: { title: { text: 'test domain' }, type: 'category', side: 'bottom' },
      yaxis: { title: { text: 'train domain' }, type: 'category', autorange: 'reversed' },
      annotations,
      plot_bgcolor: '#ffffff',
    };
    layout.margin = { l: Math.min(220, 70 + longest * 7), r: 20, t: this.title ? 60 : 30, b: 60 };
    const svg = renderSvg({
      title: this.title,
      panels: [
        {
          x: { kind: 'category', categories: this.testDomains, label: 'test domain' },
          y: { kind: 'category', categories: this.trainDomains, label: 'train domain' },
          marks: [{ kind: 'cells', fills, labels, textColors }],
        },
      ],
      columns: 1,
      panelWidth: Math.max(360, 140 + 90 * this.testDomains.length),
      panelHeight: Math.max(220, 90 + 56 * this.trainDomains.length),
      colorBar: { label: this.valueLabel, min, max, stops: VIRIDIS },
    });
    const diagonal = this.trainDomains.map((d, i) => {
      const j = this.testDomains.indexOf(d);
      return j >= 0 ? `${d} ${labels[i]![j]}` : undefined;
    }).filter((s) => s !== undefined);
    const summary = `CrossDomainMatrix (${this.valueLabel}): ${this.trainDomains.length} train × ${this.testDomains.length} test domains, values ${min.toFixed(this.digits)}–${max.toFixed(this.digits)}` + (diagonal.length ? `; in-domain: ${diagonal.join(', ')}` : '');
    return { summary, spec: { data, layout, config: { ...PLOTLY_CONFIG } }, svg };
  }
}
