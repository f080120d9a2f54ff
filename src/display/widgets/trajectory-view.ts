/**
 * TrajectoryView: each run's latent path through a 3-D projection over the recurrence steps,
 * coloured by correctness (the paper's Fig. 1). The static SVG shows the same paths under a
 * fixed oblique view.
 */
import { CORRECT_COLOR, INCORRECT_COLOR } from '../figures/colors.js';
import { Figure, PLOTLY_CONFIG, legendName, arrayOf, baseLayout, fail, finiteNumber, hoverText, numberArray, object, optionalNumber, optionalText, plotlyText, type FigureContent } from '../figures/figure.js';
import { renderSvg, type SvgMark } from '../svg/chart.js';

export interface Point3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

export interface PathRun {
  readonly correct: boolean;
  readonly question?: string;
  readonly answer?: string;
}

export interface TrajectoryViewInput {
  /** paths[r][s]: run r's latent state at step s, projected to 3-D (all runs have the same steps). */
  readonly paths: readonly (readonly Point3[])[];
  readonly runs: readonly PathRun[];
  /** The recurrence step of each path position (default 0, 1, ...). */
  readonly steps?: readonly number[];
  readonly axisLabels?: readonly [string, string, string];
  readonly title?: string;
  readonly height?: number;
}

const WIDGET = 'TrajectoryView';

/** The fixed view of the static image: azimuth and elevation in radians. */
const AZIMUTH = (-40 * Math.PI) / 180;
const ELEVATION = (25 * Math.PI) / 180;

export class TrajectoryView extends Figure {
  readonly paths: readonly (readonly Point3[])[];
  readonly runs: readonly PathRun[];
  readonly steps: readonly number[];
  readonly axisLabels: readonly [string, string, string];
  readonly title: string | undefined;
  readonly height: number;

  constructor(input: TrajectoryViewInput) {
    super();
    object(WIDGET, input, 'input');
    this.runs = arrayOf(WIDGET, input.runs, 'runs', 1).map((value, i) => {
      const run = object(WIDGET, value, `runs[${i}]`);
      if (typeof run.correct !== 'boolean') fail(WIDGET, `runs[${i}].correct must be true or false, got ${String(run.correct)}`);
      return { correct: run.correct, question: optionalText(WIDGET, run.question, `runs[${i}].question`), answer: optionalText(WIDGET, run.answer, `runs[${i}].answer`) };
    });
    const paths = arrayOf(WIDGET, input.paths, 'paths', 1);
    if (paths.length !== this.runs.length) fail(WIDGET, `there are ${paths.length} paths but ${this.runs.length} runs`);
    this.paths = paths.map((path, r) =>
      arrayOf(WIDGET, path, `paths[${r}]`, 1).map((value, s) => {
        const p = object(WIDGET, value, `paths[${r}][${s}]`);
        return { x: finiteNumber(WIDGET, p.x, `paths[${r}][${s}].x`), y: finiteNumber(WIDGET, p.y, `paths[${r}][${s}].y`), z: finiteNumber(WIDGET, p.z, `paths[${r}][${s}].z`) };
      }),
    );
    const length = this.paths[0]!.length;
    this.paths.forEach((path, r) => {
      if (path.length !== length) fail(WIDGET, `paths[${r}] has ${path.length} steps, paths[0] has ${length}`);
    });
    this.steps = input.steps === undefined ? this.paths[0]!.map((_, s) => s) : numberArray(WIDGET, input.steps, 'steps', length);
    const labels = input.axisLabels ?? ['PC1', 'PC2', 'PC3'];
    if (!Array.isArray(labels) || labels.length !== 3) fail(WIDGET, 'axisLabels must be three strings');
    this.axisLabels = [0, 1, 2].map((i) => optionalText(WIDGET, labels[i], `axisLabels[${i}]`) ?? '') as unknown as [string, string, string];
    this.title = optionalText(WIDGET, input.title, 'title');
    this.height = optionalNumber(WIDGET, input.height, 'height') ?? 600;
  }

  protected build(): FigureContent {
    const classes = [
      { name: 'correct', color: CORRECT_COLOR, runs: this.runs.map((r, i) => (r.correct ? i : -1)).filter((i) => i >= 0) },
      { name: 'incorrect', color: INCORRECT_COLOR, runs: this.runs.map((r, i) => (r.correct ? -1 : i)).filter((i) => i >= 0) },
    ].filter((c) => c.runs.length > 0);
    const last = this.steps.length - 1;
    const hoverOf = (r: number): string => {
      const run = this.runs[r]!;
      const head = `<b>run ${r} · ${run.correct ? 'correct' : 'incorrect'}</b>`;
      return run.question === undefined ? head : `${head}<br>Q: ${hoverText(run.question, 70, 1)}`;
    };
    // One trace per class; runs are separated by nulls (plotly breaks lines at gaps), which keeps
    // the figure small and makes a legend click toggle a whole class.
    const data = classes.map((c) => {
      const x: (number | null)[] = [], y: (number | null)[] = [], z: (number | null)[] = [], text: (string | null)[] = [], size: number[] = [];
      for (const r of c.runs) {
        if (x.length) {
          x.push(null), y.push(null), z.push(null), text.push(null), size.push(0);
        }
        const hover = hoverOf(r);
        this.paths[r]!.forEach((p, s) => {
          x.push(p.x), y.push(p.y), z.push(p.z), size.push(s === last ? 6 : 2.5);
          text.push(`${hover}<br>step ${this.steps[s]}`);
        });
      }
      return { type: 'scatter3d', mode: 'lines+markers', name: legendName(c.name, ` (${c.runs.length})`), x, y, z, text, hovertemplate: '%{text}<extra></extra>', connectgaps: false, line: { color: c.color, width: 3 }, marker: { color: c.color, size, opacity: 0.9 } };
    });
    const axis = (label: string): Record<string, unknown> => ({ title: { text: plotlyText(label) } });
    const layout = { ...baseLayout(this.title, this.height), scene: { xaxis: axis(this.axisLabels[0]), yaxis: axis(this.axisLabels[1]), zaxis: axis(this.axisLabels[2]), aspectmode: 'cube' }, margin: { l: 0, r: 0, t: this.title ? 60 : 20, b: 0 } };

    const summary = `TrajectoryView: ${this.runs.length} runs × ${this.steps.length} steps (${this.steps[0]}–${this.steps[last]}) in 3-D (${this.axisLabels.join(', ')}): ${classes.map((c) => `${c.runs.length} ${c.name}`).join(', ')}`;
    return { summary, spec: { data, layout, config: { ...PLOTLY_CONFIG } }, svg: this.staticSvg(classes) };
  }

  /** The paths under a fixed oblique projection, each coordinate scaled to [-1, 1]. */
  private staticSvg(classes: readonly { name: string; color: string; runs: readonly number[] }[]): string {
    const all = this.paths.flat();
    const span = (key: 'x' | 'y' | 'z'): [number, number] => {
      const values = all.map((p) => p[key]);
      return [Math.min(...values), Math.max(...values)];
    };
    const spans = { x: span('x'), y: span('y'), z: span('z') };
    const unit = (v: number, [lo, hi]: [number, number]): number => (hi > lo ? ((v - lo) / (hi - lo)) * 2 - 1 : 0);
    const project = (x: number, y: number, z: number): [number, number] => {
      const sx = x * Math.cos(AZIMUTH) - y * Math.sin(AZIMUTH);
      const depth = x * Math.sin(AZIMUTH) + y * Math.cos(AZIMUTH);
      return [sx, z * Math.cos(ELEVATION) + depth * Math.sin(ELEVATION)];
    };
    const projectPoint = (p: Point3): [number, number] => project(unit(p.x, spans.x), unit(p.y, spans.y), unit(p.z, spans.z));
    const marks: SvgMark[] = [];
    // The three axes from the corner (-1, -1, -1), labelled at their ends.
    const origin = project(-1, -1, -1);
    const ends: [number, number][] = [project(1, -1, -1), project(-1, 1, -1), project(-1, -1, 1)];
    ends.forEach((end, i) => {
      marks.push({ kind: 'line', x: [origin[0], end[0]], y: [origin[1], end[1]], color: '#999999', width: 1 });
      marks.push({ kind: 'text', x: end[0], y: end[1], text: this.axisLabels[i]!, color: '#555555' });
    });
    for (const c of classes) {
      for (const r of c.runs) {
        const projected = this.paths[r]!.map(projectPoint);
        marks.push({ kind: 'line', x: projected.map((p) => p[0]), y: projected.map((p) => p[1]), color: c.color, width: 1.5, opacity: 0.8 });
        const end = projected[projected.length - 1]!;
        marks.push({ kind: 'points', x: [end[0]], y: [end[1]], color: c.color, radius: 3 });
      }
    }
    return renderSvg({
      title: this.title,
      panels: [{ x: { ticks: false }, y: { ticks: false }, marks, frame: false }],
      columns: 1,
      panelWidth: 560,
      panelHeight: 460,
      legend: classes.map((c) => ({ label: `${c.name} (${c.runs.length})`, color: c.color, shape: 'line' })),
      footnote: `steps ${this.steps[0]}–${this.steps[this.steps.length - 1]}; dots mark the last step; fixed view (rotate the interactive figure)`,
    });
  }
}
