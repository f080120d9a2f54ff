/**
 * Progress bars with one API for notebooks and the command line. In the Latent Thinking kernel a
 * bar is one output updated in place (a display handle); elsewhere it is a single line on stderr,
 * redrawn with a carriage return on a terminal and printed sparsely when stderr is a log file.
 * Redraws are throttled so that a tight loop never floods the notebook or the terminal.
 */
import { display, inNotebook, type DisplayHandle } from './display.js';
import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from './protocol.js';

/** What a terminal bar writes to (process.stderr by default). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width; lines are cut to fit so that `\r` redraws stay on one line. */
  readonly columns?: number;
}

export type ProgressTarget = 'auto' | 'notebook' | 'terminal' | 'none';

export interface ProgressOptions {
  /** Steps that make 100%; omit when unknown (the bar then shows a count and a rate). */
  readonly total?: number;
  readonly label?: string;
  /** Where to draw; 'auto' = the notebook inside the kernel, else the terminal. */
  readonly target?: ProgressTarget;
  /**
   * Minimum milliseconds between two redraws. Default 100 in a notebook or on a terminal, 5000
   * when stderr is not a terminal (each redraw is then a new log line).
   */
  readonly intervalMs?: number;
  /** The terminal stream (default process.stderr). */
  readonly stream?: ProgressStream;
  /** Clock in milliseconds (default performance.now; tests pass a fake one). */
  readonly now?: () => number;
}

/** `850` -> `0.9s`, `125000` -> `2m05s`, `4000000` -> `1h06m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const BAR_CELLS = 20;

function checkCount(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`progress: ${what} must be a finite number >= 0, got ${value}`);
}

/** A progress bar; it draws itself on creation, on (throttled) changes and when finished. */
export class ProgressBar {
  readonly label: string;
  readonly total: number | undefined;
  private current = 0;
  private note = '';
  private readonly startedAt: number;
  private endedAt: number | undefined;
  private readonly target: Exclude<ProgressTarget, 'auto'>;
  private readonly intervalMs: number;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private handle: DisplayHandle | undefined;
  private lastDrawAt = -Infinity;

  constructor(options: ProgressOptions = {}) {
    if (options.total !== undefined) checkCount(options.total, 'total');
    this.total = options.total;
    this.label = options.label ?? '';
    this.now = options.now ?? (() => performance.now());
    this.stream = options.stream ?? process.stderr;
    const target = options.target ?? 'auto';
    this.target = target === 'auto' ? (inNotebook() ? 'notebook' : 'terminal') : target;
    this.intervalMs = options.intervalMs ?? (this.target === 'terminal' && !this.stream.isTTY ? 5000 : 100);
    this.startedAt = this.now();
    this.draw(true);
  }

  /** Steps done so far. */
  get done(): number {
    return this.current;
  }

  get finished(): boolean {
    return this.endedAt !== undefined;
  }

  /** Milliseconds since the bar was created (frozen once finished). */
  get elapsedMs(): number {
    return (this.endedAt ?? this.now()) - this.startedAt;
  }

  /** Adds `steps` (default 1) to the count; `note` replaces the short status text (e.g. a loss). */
  advance(steps = 1, note?: string): void {
    checkCount(steps, 'steps');
    this.set(this.current + steps, note);
  }

  /** Sets the count to `done`. */
  set(done: number, note?: string): void {
    checkCount(done, 'done');
    if (this.finished) throw new Error(`progress "${this.label}": already finished`);
    this.current = done;
    if (note !== undefined) this.note = note;
    this.draw(false);
  }

  /** Marks the work finished and draws the final state (always, regardless of throttling). */
  finish(note?: string): void {
    if (this.finished) return;
    if (note !== undefined) this.note = note;
    this.endedAt = this.now();
    this.draw(true);
  }

  /** The one-line text of the current state, e.g. `training ██████░░░░ 60% 6/10 12.0s<8.0s loss 2.1`. */
  text(): string {
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    const fraction = this.fraction();
    if (fraction !== undefined) {
      const filled = Math.round(fraction * BAR_CELLS);
      parts.push(`${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}`, `${Math.floor(fraction * 100)}%`, `${this.current}/${this.total}`);
    } else {
      parts.push(`${this.current}`);
    }
    parts.push(this.timing());
    if (this.note) parts.push(this.note);
    return parts.join(' ');
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    const fraction = this.fraction();
    // <progress> without a value is the browser's "indeterminate" bar (unknown total).
    const bar = fraction === undefined ? '<progress style="width:16em"></progress>' : `<progress value="${this.current}" max="${this.total}" style="width:16em"></progress>`;
    const status = [fraction === undefined ? `${this.current}` : `${Math.floor(fraction * 100)}% ${this.current}/${this.total}`, this.timing(), this.note]
      .filter((s) => s !== '')
      .join(' ');
    const label = this.label ? `<span>${escapeHtml(this.label)}</span> ` : '';
    return {
      'text/plain': this.text(),
      'text/html': `<div class="lt-progress" style="font-family:monospace;white-space:nowrap">${label}${bar} <span>${escapeHtml(status)}</span></div>`,
    };
  }

  private fraction(): number | undefined {
    if (this.total === undefined) return undefined;
    if (this.total === 0) return 1;
    return Math.min(1, this.current / this.total);
  }

  private timing(): string {
    const elapsed = this.elapsedMs;
    const fraction = this.fraction();
    if (this.finished || fraction === undefined || fraction === 0 || fraction >= 1) {
      if (fraction === undefined && !this.finished && elapsed > 0 && this.current > 0) return `${formatDuration(elapsed)} ${(this.current / (elapsed / 1000)).toPrecision(3)}/s`;
      return formatDuration(elapsed);
    }
    return `${formatDuration(elapsed)}<${formatDuration((elapsed / fraction) * (1 - fraction))}`;
  }

  private draw(force: boolean): void {
    if (this.target === 'none') return;
    const now = this.now();
    if (!force && now - this.lastDrawAt < this.intervalMs) return;
    this.lastDrawAt = now;
    if (this.target === 'notebook') {
      if (this.handle) this.handle.update(this);
      else this.handle = display(this);
      return;
    }
    const line = this.text();
    if (this.stream.isTTY) {
      // One line redrawn in place: carriage return, the text cut to the width, clear to the end.
      const width = (this.stream.columns ?? 80) - 1;
      this.stream.write(`\r${line.length > width ? line.slice(0, width) : line}\x1b[K${this.finished ? '\n' : ''}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}

/** Creates a progress bar (drawn at once). */
export function progress(options: ProgressOptions = {}): ProgressBar {
  return new ProgressBar(options);
}

/**
 * Iterates `items` with a progress bar (total = length when known); the bar finishes when the
 * loop ends, also by `break` or an exception.
 */
export function* withProgress<T>(items: Iterable<T>, options: ProgressOptions = {}): Generator<T, void, undefined> {
  const known = Array.isArray(items) ? items.length : items instanceof Set || items instanceof Map ? items.size : undefined;
  const bar = new ProgressBar({ ...options, total: options.total ?? known });
  try {
    for (const item of items) {
      yield item;
      bar.advance();
    }
  } finally {
    bar.finish();
  }
}
