/**
 * The display protocol: an object that wants to render itself in a notebook implements
 * `[Symbol.for('Jupyter.display')]()` returning a MIME bundle (the convention of Deno's kernel).
 * The kernel sends every MIME type of the bundle in ONE output; the front end picks the richest
 * it can render.
 *
 * This module has no imports on purpose: library classes (for example RecurrentDepthModel in
 * src/model) implement the protocol by delegating to `displayOf`, and the layers below src/display
 * may depend on this contract but on nothing else of the display layer.
 */

/** The protocol's method key; `Symbol.for` so that separate copies of the library agree. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** MIME type -> representation; `text/plain` is always present (a string). */
export type MimeBundle = Record<string, unknown>;

/** An object implementing the display protocol. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** True when `value` has a `[Symbol.for('Jupyter.display')]` method. */
export function isDisplayable(value: unknown): value is Displayable {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Partial<Displayable>)[JUPYTER_DISPLAY] === 'function';
}

/** `type/subtype` with the characters RFC 6838 allows (plus vendor `+json` suffixes). */
const MIME_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

/** The short description of a value used in error texts (never its full contents). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? '(none)'}`;
  return `a ${typeof value}`;
}

function className(value: object): string {
  return (value as { constructor?: { name?: string } }).constructor?.name || 'object';
}

/** The bundle shown instead of an invalid one: plain text naming the object and the fault. */
function faultBundle(value: object, fault: string): MimeBundle {
  return { 'text/plain': `[${className(value)}: cannot display: ${fault}]` };
}

/**
 * The validated MIME bundle of a displayable value. Never throws: an implementation that throws,
 * returns something other than a plain object (a Promise, an array, ...), lacks a `text/plain`
 * string or uses a key that is not a MIME type yields a `text/plain` description of the fault,
 * so a bad display method can never break the kernel or a report.
 */
export function bundleOf(value: Displayable): MimeBundle {
  let bundle: unknown;
  try {
    bundle = value[JUPYTER_DISPLAY]();
  } catch (e) {
    const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return faultBundle(value, `its display method threw ${reason}`);
  }
  if (bundle === null || typeof bundle !== 'object' || Array.isArray(bundle) || typeof (bundle as { then?: unknown }).then === 'function') {
    return faultBundle(value, `its display method returned ${describe(bundle)}, not a MIME bundle object`);
  }
  const entries = Object.entries(bundle as Record<string, unknown>);
  const badKey = entries.find(([key]) => !MIME_TYPE.test(key));
  if (badKey) return faultBundle(value, `"${badKey[0]}" is not a MIME type`);
  const plain = (bundle as Record<string, unknown>)['text/plain'];
  if (typeof plain !== 'string') return faultBundle(value, `the bundle needs a "text/plain" string (got ${describe(plain)})`);
  const missing = entries.find(([, representation]) => representation === undefined);
  if (missing) return faultBundle(value, `"${missing[0]}" has no value`);
  // A copy, so that later changes to the object's internal bundle do not alter a sent output.
  return Object.fromEntries(entries);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values. Every piece of text that is
 * not written by this library (questions, answers, file paths, labels) goes through this before
 * it is put into HTML, so a question like `<script>...</script>` shows as text and never runs.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

// ---- rendering of library objects registered by the display layer ----

type Constructor = abstract new (...args: never[]) => object;
type Renderer = (value: object) => MimeBundle;

/** Renderers by class, shared by every copy of the library loaded in one process. */
const RENDERERS_KEY = Symbol.for('latent-thinking.display.renderers');
type RendererRegistry = Map<Constructor, Renderer>;

function registry(): RendererRegistry {
  const holder = globalThis as unknown as Record<symbol, RendererRegistry | undefined>;
  return (holder[RENDERERS_KEY] ??= new Map());
}

/**
 * Registers how instances of `type` (and its subclasses) render. src/display calls this for the
 * library's classes; the classes themselves only call `displayOf(this)`, so the rendering code
 * stays in the display layer and the lower layers do not import it.
 */
export function registerDisplay<T extends object>(type: abstract new (...args: never[]) => T, render: (value: T) => MimeBundle): void {
  registry().set(type, render as Renderer);
}

function findRenderer(value: object): Renderer | undefined {
  const renderers = registry();
  for (let proto: object | null = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const renderer = renderers.get((proto as { constructor: Constructor }).constructor);
    if (renderer) return renderer;
  }
  return undefined;
}

let builtinsLoaded = false;

/**
 * The MIME bundle of a library object, from the renderer registered for its class. The built-in
 * renderers (src/display/summaries) are loaded on first use: a static import here would make
 * every model module load the display layer, which itself imports the models.
 */
export function displayOf(value: object): MimeBundle {
  let renderer = findRenderer(value);
  if (!renderer && !builtinsLoaded) {
    builtinsLoaded = true;
    require('./summaries.js');
    renderer = findRenderer(value);
  }
  if (!renderer) return { 'text/plain': `[${className(value)}]` };
  return renderer(value);
}
