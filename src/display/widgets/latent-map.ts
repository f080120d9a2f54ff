/**
 * LatentMap: the 2-D projection (PCA or UMAP, computed elsewhere) of every run's latent state at
 * every recurrence step. One scatter per colour group (legend click toggles a group), a slider
 * over steps (plotly frames), hover with question / answer / reward, and lasso or box selection
 * that lists the selected runs under the plot.
 */
import { CORRECT_COLOR, INCORRECT_COLOR, VIRIDIS, categoryColor, scaleColor } from '../figures/colors.js';
import {
  Figure,
  PLOTLY_CONFIG,
  arrayOf,
  baseLayout,
  fail,
  finiteNumber,
  formatValue,
  hoverText,
  legendName,
  numberArray,
  object,
  optionalNumber,
  optionalText,
  plotlyText,
  type FigureContent,
} from '../figures/figure.js';
import { renderSvg, type LegendEntry } from '../svg/chart.js';

export interface Point2 {
  readonly x: number;
  readonly y: number;
}

/** What is known about one run (one sampled latent trajectory). */
export interface MapRun {
  readonly correct: boolean;
  readonly reward?: number;
  readonly domain?: string;
  readonly difficulty?: number;
  readonly question?: string;
  readonly answer?: string;
}

export type MapColoring = 'correct' | 'reward' | 'domain' | 'difficulty';

export interface LatentMapInput {
  /** points[s][r]: where run r's latent state at step s lands in the projection. */
  readonly points: readonly (readonly Point2[])[];
  /** One entry per run, in the order of points[s]. */
  readonly runs: readonly MapRun[];
  /** The recurrence step of each points[s] (default 0, 1, ...). */
  readonly steps?: readonly number[];
  /** Colour by correctness (default), reward (colour scale; symbol = correctness), domain or difficulty. */
  readonly colorBy?: MapColoring;
  /** The projection's name for the axis labels, e.g. 'PCA' or 'UMAP' (default 'PCA'). */
  readonly method?: string;
  readonly title?: string;
  /** The step shown first (a value of `steps`; default the last). */
  readonly initialStep?: number;
  readonly height?: number;
}

const WIDGET = 'LatentMap';

interface Group {
  readonly name: string;
  readonly color: string;
  readonly runs: readonly number[];
  readonly symbol: 'circle' | 'x';
}

function validateRun(value: unknown, index: number): MapRun {
  const path = `runs[${index}]`;
  const run = object(WIDGET, value, path);
  if (typeof run.correct !== 'boolean') fail(WIDGET, `${path}.correct must be true or false, got ${String(run.correct)}`);
  const reward = optionalNumber(WIDGET, run.reward, `${path}.reward`);
  const domain = optionalText(WIDGET, run.domain, `${path}.domain`);
  const difficulty = optionalNumber(WIDGET, run.difficulty, `${path}.difficulty`);
  const question = optionalText(WIDGET, run.question, `${path}.question`);
  const answer = optionalText(WIDGET, run.answer, `${path}.answer`);
  return { correct: run.correct, reward, domain, difficulty, question, answer };
}

export class LatentMap extends Figure {
  readonly points: readonly (readonly Point2[])[];
  readonly runs: readonly MapRun[];
  readonly steps: readonly number[];
  readonly colorBy: MapColoring;
  readonly method: string;
  readonly title: string | undefined;
  readonly initialIndex: number;
  readonly height: number;

  constructor(input: LatentMapInput) {
    super();
    object(WIDGET, input, 'input');
    this.runs = arrayOf(WIDGET, input.runs, 'runs', 1).map(validateRun);
    const steps = arrayOf(WIDGET, input.points, 'points', 1);
    this.points = steps.map((stepPoints, s) =>
      arrayOf(WIDGET, stepPoints, `points[${s}]`).map((p, r) => {
        const point = object(WIDGET, p, `points[${s}][${r}]`);
        return { x: finiteNumber(WIDGET, point.x, `points[${s}][${r}].x`), y: finiteNumber(WIDGET, point.y, `points[${s}][${r}].y`) };
      }),
    );
    this.points.forEach((stepPoints, s) => {
      if (stepPoints.length !== this.runs.length) fail(WIDGET, `points[${s}] has ${stepPoints.length} points but there are ${this.runs.length} runs`);
    });
    this.steps = input.steps === undefined ? this.points.map((_, s) => s) : numberArray(WIDGET, input.steps, 'steps', this.points.length);
    if (new Set(this.steps).size !== this.steps.length) fail(WIDGET, 'steps must be distinct');
    this.colorBy = input.colorBy ?? 'correct';
    if (!['correct', 'reward', 'domain', 'difficulty'].includes(this.colorBy)) fail(WIDGET, `colorBy must be correct, reward, domain or difficulty, got ${String(input.colorBy)}`);
    if (this.colorBy !== 'correct') {
      const missing = this.runs.findIndex((run) => run[this.colorBy as 'reward' | 'domain' | 'difficulty'] === undefined);
      if (missing >= 0) fail(WIDGET, `colorBy "${this.colorBy}" needs runs[i].${this.colorBy} for every run; runs[${missing}] has none`);
    }
    this.method = optionalText(WIDGET, input.method, 'method') ?? 'PCA';
    this.title = optionalText(WIDGET, input.title, 'title');
    if (input.initialStep === undefined) this.initialIndex = this.steps.length - 1;
    else {
      this.initialIndex = this.steps.indexOf(finiteNumber(WIDGET, input.initialStep, 'initialStep'));
      if (this.initialIndex < 0) fail(WIDGET, `initialStep ${input.initialStep} is not one of the steps`);
    }
    this.height = optionalNumber(WIDGET, input.height, 'height') ?? 560;
  }

  private groups(): Group[] {
    const all = this.runs.map((_, i) => i);
    const byCorrectness = (symbolFor: boolean): Group[] =>
      [
        { name: 'correct', color: CORRECT_COLOR, runs: all.filter((i) => this.runs[i]!.correct), symbol: 'circle' as const },
        { name: 'incorrect', color: INCORRECT_COLOR, runs: all.filter((i) => !this.runs[i]!.correct), symbol: symbolFor ? ('x' as const) : ('circle' as const) },
      ].filter((g) => g.runs.length > 0);
    switch (this.colorBy) {
      case 'correct':
        return byCorrectness(false);
      case 'reward':
        return byCorrectness(true);
      case 'domain': {
        const names = [...new Set(this.runs.map((r) => r.domain!))];
        return names.map((name, k) => ({ name, color: categoryColor(k), runs: all.filter((i) => this.runs[i]!.domain === name), symbol: 'circle' }));
      }
      case 'difficulty': {
        const levels = [...new Set(this.runs.map((r) => r.difficulty!))].sort((a, b) => a - b);
        return levels.map((level, k) => ({ name: `difficulty ${formatValue(level)}`, color: categoryColor(k), runs: all.filter((i) => this.runs[i]!.difficulty === level), symbol: 'circle' }));
      }
    }
  }

  private rewardRange(): [number, number] {
    const rewards = this.runs.map((r) => r.reward!);
    return [Math.min(...rewards), Math.max(...rewards)];
  }

  /** Axis ranges over all steps, so that moving the slider does not rescale the axes. */
  private ranges(): { x: [number, number]; y: [number, number] } {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const step of this.points) for (const p of step) {
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
      y0 = Math.min(y0, p.y);
      y1 = Math.max(y1, p.y);
    }
    const pad = (lo: number, hi: number): [number, number] => {
      const d = hi > lo ? (hi - lo) * 0.05 : Math.abs(lo) * 0.1 || 1;
      return [lo - d, hi + d];
    };
    return { x: pad(x0, x1), y: pad(y0, y1) };
  }

  private hover(index: number): string {
    const run = this.runs[index]!;
    const head = [`run ${index}`, run.correct ? 'correct' : 'incorrect', ...(run.domain !== undefined ? [run.domain] : []), ...(run.difficulty !== undefined ? [`difficulty ${formatValue(run.difficulty)}`] : [])].join(' · ');
    const lines = [`<b>${plotlyText(head)}</b>`];
    if (run.reward !== undefined) lines.push(`reward ${formatValue(run.reward)}`);
    if (run.question !== undefined) lines.push(`Q: ${hoverText(run.question)}`);
    if (run.answer !== undefined) lines.push(`A: ${hoverText(run.answer, 70, 2)}`);
    return lines.join('<br>');
  }

  protected build(): FigureContent {
    const groups = this.groups();
    const ranges = this.ranges();
    const reward = this.colorBy === 'reward' ? this.rewardRange() : undefined;
    const hovers = this.runs.map((_, i) => this.hover(i));
    const stepData = (s: number): Record<string, unknown>[] => groups.map((g) => ({ x: g.runs.map((r) => this.points[s]![r]!.x), y: g.runs.map((r) => this.points[s]![r]!.y) }));
    const initial = stepData(this.initialIndex);
    const data = groups.map((g, k) => ({
      type: 'scatter',
      mode: 'markers',
      name: legendName(g.name, ` (${g.runs.length})`),
      ...initial[k],
      customdata: g.runs.map((r) => [r, hovers[r]]),
      hovertemplate: '%{customdata[1]}<extra></extra>',
      marker: reward
        ? { color: g.runs.map((r) => this.runs[r]!.reward), colorscale: 'Viridis', cmin: reward[0], cmax: reward[1], showscale: k === 0, colorbar: { title: { text: 'reward' } }, symbol: g.symbol, size: 8, line: { width: 0.5, color: '#ffffff' } }
        : { color: g.color, size: 8, opacity: 0.8, line: { width: 0.5, color: '#ffffff' } },
    }));
    const traceIndices = groups.map((_, k) => k);
    const frames = this.steps.map((step, s) => ({ name: String(step), data: stepData(s), traces: traceIndices }));
    const stepLabel = (step: number): string => String(step);
    const layout: Record<string, unknown> = {
      ...baseLayout(this.title, this.height),
      xaxis: { title: { text: plotlyText(`${this.method} 1`) }, range: ranges.x, zeroline: false },
      yaxis: { title: { text: plotlyText(`${this.method} 2`) }, range: ranges.y, zeroline: false },
      dragmode: 'lasso',
      legend: { title: { text: plotlyText(this.colorBy === 'reward' ? 'correctness' : this.colorBy) } },
      sliders: [
        {
          active: this.initialIndex,
          currentvalue: { prefix: 'step ' },
          pad: { t: 50 },
          steps: this.steps.map((step) => ({ label: stepLabel(step), method: 'animate', args: [[String(step)], { mode: 'immediate', frame: { duration: 0, redraw: false }, transition: { duration: 0 } }] })),
        },
      ],
      updatemenus: [
        {
          type: 'buttons',
          showactive: false,
          x: 0,
          y: 0,
          xanchor: 'right',
          yanchor: 'top',
          pad: { t: 60, r: 10 },
          buttons: [
            { label: '▶', method: 'animate', args: [null, { fromcurrent: true, frame: { duration: 400, redraw: false }, transition: { duration: 200 } }] },
            { label: '❚❚', method: 'animate', args: [[null], { mode: 'immediate', frame: { duration: 0, redraw: false }, transition: { duration: 0 } }] },
          ],
        },
      ],
    };
    layout.margin = { l: 60, r: 20, t: this.title ? 60 : 30, b: 120 };

    const step = this.points[this.initialIndex]!;
    const order = groups.flatMap((g) => g.runs);
    const runColor = (r: number): string => (reward ? scaleColor(this.runs[r]!.reward!, reward[0], reward[1], VIRIDIS) : groups.find((g) => g.runs.includes(r))!.color);
    const legend: LegendEntry[] = reward
      ? [
          { label: 'correct', color: '#444444', shape: 'point' },
          { label: 'incorrect', color: '#444444', shape: 'cross' },
        ]
      : groups.map((g) => ({ label: `${g.name} (${g.runs.length})`, color: g.color, shape: 'point' }));
    const svg = renderSvg({
      title: this.title,
      panels: [
        {
          x: { label: `${this.method} 1`, range: ranges.x },
          y: { label: `${this.method} 2`, range: ranges.y },
          marks: [
            {
              kind: 'points',
              x: order.map((r) => step[r]!.x),
              y: order.map((r) => step[r]!.y),
              color: order.map(runColor),
              symbol: order.map((r) => (reward && !this.runs[r]!.correct ? 'cross' : 'circle')),
            },
          ],
        },
      ],
      columns: 1,
      panelWidth: 560,
      panelHeight: 440,
      legend,
      colorBar: reward ? { label: 'reward', min: reward[0], max: reward[1], stops: VIRIDIS } : undefined,
      footnote: `step ${stepLabel(this.steps[this.initialIndex]!)} of ${this.steps.length} (${stepLabel(this.steps[0]!)}–${stepLabel(this.steps[this.steps.length - 1]!)}); the interactive figure has a step slider`,
    });

    const counts = groups.map((g) => `${g.runs.length} ${g.name}`).join(', ');
    const summary =
      `LatentMap (${this.method}): ${this.runs.length} runs × ${this.steps.length} steps (${stepLabel(this.steps[0]!)}–${stepLabel(this.steps[this.steps.length - 1]!)}), ` +
      `coloured by ${this.colorBy === 'correct' ? 'correctness' : this.colorBy}: ${counts}` +
      (reward ? `; reward ${formatValue(reward[0])}–${formatValue(reward[1])}` : '') +
      `; showing step ${stepLabel(this.steps[this.initialIndex]!)}`;

    return {
      summary,
      spec: { data, layout, frames, config: { ...PLOTLY_CONFIG } },
      svg,
      htmlAfter: '<div class="lt-selection" style="font-size:12px;max-height:260px;overflow:auto;margin:4px 0 0 8px"><em>Select points (lasso or box) to list their runs.</em></div>',
      scriptData: { runs: this.runs.map((r, i) => ({ index: i, ...r })) },
      onRendered: SELECTION_SCRIPT,
    };
  }
}

/**
 * Lists the selected runs under the plot. Every piece of data enters the page through
 * `textContent`, so a question containing markup is shown as text and never parsed.
 */
const SELECTION_SCRIPT = `function (gd, root, data) {
  var box = root.querySelector('.lt-selection');
  if (!box || !gd.on) return;
  function show(runs) {
    while (box.firstChild) box.removeChild(box.firstChild);
    var head = document.createElement('div');
    head.textContent = runs.length + ' selected run' + (runs.length === 1 ? '' : 's') + (runs.length > 200 ? ' (first 200 listed)' : '');
    box.appendChild(head);
    var list = document.createElement('ol');
    list.className = 'lt-selected-runs';
    runs.slice(0, 200).forEach(function (index) {
      var run = data.runs[index];
      if (!run) return;
      var parts = ['run ' + index, run.correct ? 'correct' : 'incorrect'];
      if (run.domain !== undefined) parts.push(run.domain);
      if (run.difficulty !== undefined) parts.push('difficulty ' + run.difficulty);
      if (run.reward !== undefined) parts.push('reward ' + Number(run.reward).toPrecision(3));
      var item = document.createElement('li');
      var label = document.createElement('strong');
      label.textContent = parts.join(' · ');
      item.appendChild(label);
      if (run.question !== undefined) { var q = document.createElement('div'); q.textContent = 'Q: ' + run.question; item.appendChild(q); }
      if (run.answer !== undefined) { var a = document.createElement('div'); a.textContent = 'A: ' + run.answer; item.appendChild(a); }
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  gd.on('plotly_selected', function (event) {
    var seen = {}, runs = [];
    ((event && event.points) || []).forEach(function (p) {
      var index = p.customdata && p.customdata[0];
      if (typeof index === 'number' && !seen[index]) { seen[index] = true; runs.push(index); }
    });
    runs.sort(function (a, b) { return a - b; });
    show(runs);
  });
  gd.on('plotly_deselect', function () { show([]); });
}`;
