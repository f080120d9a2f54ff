/**
 * The TypeScript converters tslab's executor compiles cells with, wrapped to
 * - declare the kernel's globals (`display`) so that cells using them type-check,
 * - hand the structured diagnostics of a failed compilation to the kernel (for the error output), and
 * - expand shorthand properties, which tslab's rewriting of earlier cells' names misses
 *   (shorthand-properties.ts); diagnostics are mapped back to the source as written.
 */
import { createConverter, type Converter, type Diagnostic } from 'tslab/dist/converter';
import type { ConverterSet } from 'tslab/dist/executor';
import { expandShorthandProperties, type ExpandedSource } from './shorthand-properties.js';

/**
 * Declarations visible to every cell. tslab type-checks a cell against the declarations of the
 * previous cells (`prevDecl`, a module); a global augmentation placed in front of them declares
 * names that the kernel defines on `globalThis`. It is added on every call because tslab rebuilds
 * `prevDecl` from module-level declarations only, which drops augmentations.
 */
export const CELL_GLOBALS = `declare global {
  /** Shows a value in the cell's output (its display-protocol bundle, or plain text); the handle's update(value) replaces that output. */
  function display(value: unknown): { readonly id: string; update(value: unknown): void };
}
`;

function withCellGlobals(inner: Converter, onDiagnostics: (diagnostics: readonly Diagnostic[]) => void): Converter {
  return {
    convert(prevDecl, src) {
      const expanded = expandShorthandProperties(src);
      const result = inner.convert(CELL_GLOBALS + prevDecl, expanded.source);
      if (result.diagnostics.length === 0) return result;
      const diagnostics = result.diagnostics.map((d) => ({ ...d, start: originalPosition(expanded, d.start), end: originalPosition(expanded, d.end) }));
      onDiagnostics(diagnostics);
      return { ...result, diagnostics };
    },
    inspect: (prevDecl, src, position) => inner.inspect(CELL_GLOBALS + prevDecl, src, position),
    complete: (prevDecl, src, position) => inner.complete(CELL_GLOBALS + prevDecl, src, position),
    addModule: (name, content, meta) => inner.addModule(name, content, meta),
    close: () => inner.close(),
  };
}

/** A diagnostic position in the expanded source, moved to the source as written (insertions never span lines). */
function originalPosition(expanded: ExpandedSource, p: Diagnostic['start']): Diagnostic['start'] {
  const offset = expanded.originalOffset(p.offset);
  const lineStart = p.offset - p.character;
  return { ...p, offset, character: offset - expanded.originalOffset(lineStart) };
}

/** The converter set given to createExecutor (Node mode, created lazily as tslab's own is). */
export class CellConverters implements ConverterSet {
  private nodeConverter: Converter | undefined;
  private browserConverter: Converter | undefined;

  constructor(private readonly onDiagnostics: (diagnostics: readonly Diagnostic[]) => void) {}

  get node(): Converter {
    return (this.nodeConverter ??= withCellGlobals(createConverter({ isJS: false, isBrowser: false }), this.onDiagnostics));
  }

  get browser(): Converter {
    return (this.browserConverter ??= withCellGlobals(createConverter({ isJS: false, isBrowser: true }), this.onDiagnostics));
  }

  close(): void {
    this.nodeConverter?.close();
    this.browserConverter?.close();
  }
}
