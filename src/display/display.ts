/**
 * `display(value)`: shows a value now (mid-cell in a notebook, on stdout elsewhere) and returns a
 * handle that replaces that same output later (`update_display_data` in Jupyter), which is how
 * progress bars and live plots update in place.
 *
 * Where output goes is decided by the display sink: the Latent Thinking kernel installs one for
 * the cell being executed; without a kernel, text/plain goes to stdout. The sink is kept on
 * `globalThis` under a `Symbol.for` key so that a notebook importing another copy of the library
 * (a local install next to the notebook) still reaches the kernel.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { bundleOf, isDisplayable, type MimeBundle } from './protocol.js';

/** Receives the bundles to show; implemented by the kernel (and by tests). */
export interface DisplaySink {
  /** Shows a new output carrying `bundle`, addressable later by `displayId`. */
  show(bundle: MimeBundle, displayId: string): void;
  /** Replaces every output shown under `displayId` by `bundle`. */
  update(bundle: MimeBundle, displayId: string): void;
}

const SINK_KEY = Symbol.for('latent-thinking.display.sink');
const HANDLE_BRAND = Symbol.for('latent-thinking.display.handle');

type SinkHolder = Record<symbol, DisplaySink | undefined>;

/** Installs (or with `undefined` removes) the sink of the running kernel. */
export function setDisplaySink(sink: DisplaySink | undefined): void {
  (globalThis as unknown as SinkHolder)[SINK_KEY] = sink;
}

/** The kernel's sink, or undefined outside a notebook kernel. */
export function displaySink(): DisplaySink | undefined {
  return (globalThis as unknown as SinkHolder)[SINK_KEY];
}

/** True inside the Latent Thinking kernel (a sink is installed). */
export function inNotebook(): boolean {
  return displaySink() !== undefined;
}

/** The bundle for any value: its own if it implements the protocol, else util.inspect text. */
export function bundleForDisplay(value: unknown): MimeBundle {
  if (isDisplayable(value)) return bundleOf(value);
  return { 'text/plain': typeof value === 'string' ? value : inspect(value) };
}

/** Without a kernel: text/plain on stdout, one block per show or update. */
const STDOUT_SINK: DisplaySink = {
  show: (bundle) => process.stdout.write(`${String(bundle['text/plain'])}\n`),
  update: (bundle) => process.stdout.write(`${String(bundle['text/plain'])}\n`),
};

/** A shown output that can be replaced in place. */
export class DisplayHandle {
  /** Marks handles so that the kernel does not print one that ends a cell. */
  readonly [HANDLE_BRAND] = true;

  constructor(
    /** The Jupyter display_id of the output. */
    readonly id: string,
  ) {}

  /** Replaces the output with `value` (rendered like `display(value)`). */
  update(value: unknown): void {
    (displaySink() ?? STDOUT_SINK).update(bundleForDisplay(value), this.id);
  }
}

/** True for the handles returned by `display` (from any copy of the library). */
export function isDisplayHandle(value: unknown): value is DisplayHandle {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HANDLE_BRAND] === true;
}

/**
 * Shows `value` now: its display-protocol bundle (every MIME type in one output) or its
 * util.inspect text. Returns a handle whose `update(value)` replaces this output.
 */
export function display(value: unknown): DisplayHandle {
  const handle = new DisplayHandle(randomBytes(8).toString('hex'));
  (displaySink() ?? STDOUT_SINK).show(bundleForDisplay(value), handle.id);
  return handle;
}
