/**
 * Expands shorthand properties in a cell's source (`{ alpha }` -> `{ alpha: alpha }`) before
 * tslab compiles it.
 *
 * Why: tslab turns every top-level name of a cell into an export and rewrites later cells'
 * references to it as `exports.alpha`, but its rewriting skips shorthand properties, so
 * `{ alpha }` naming an earlier cell's variable compiled to `{ alpha }` and failed with
 * "ReferenceError: alpha is not defined" (and `({ beta } = obj)` assigned to an undeclared name).
 * Written out, the name is an ordinary reference and gets rewritten. The expansion means the same
 * in JavaScript for every shorthand, so all of them are expanded; the source is parsed with the
 * TypeScript that tslab compiles with, and only whole shorthand names are touched (an
 * initializer in a destructuring default, `{ a = 1 } = o`, stays after the inserted `: a`).
 */
import { createRequire } from 'node:module';
import type * as ts from 'typescript';

// The compiler tslab itself uses (its pinned fork), resolved from tslab's own folder.
const typescript = createRequire(require.resolve('tslab/package.json'))('@tslab/typescript-for-tslab') as typeof ts;

/** A cell's source after expansion, and the way back to positions in the source the user wrote. */
export interface ExpandedSource {
  readonly source: string;
  /** The offset in the original source of `offset` in the expanded one. */
  originalOffset(offset: number): number;
}

/** The source with every shorthand property `name` written as `name: name`. */
export function expandShorthandProperties(source: string): ExpandedSource {
  const unchanged: ExpandedSource = { source, originalOffset: (offset) => offset };
  if (!source.includes('{')) return unchanged;
  const file = typescript.createSourceFile('cell.ts', source, typescript.ScriptTarget.Latest, false, typescript.ScriptKind.TS);
  const insertions: { at: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (typescript.isShorthandPropertyAssignment(node)) insertions.push({ at: node.name.end, text: `: ${node.name.text}` });
    node.forEachChild(visit);
  };
  visit(file);
  if (insertions.length === 0) return unchanged;
  insertions.sort((x, y) => x.at - y.at);
  let out = '';
  let from = 0;
  /** Start of each insertion in the expanded source, and its length. */
  const placed: { start: number; length: number }[] = [];
  for (const { at, text } of insertions) {
    out += source.slice(from, at);
    placed.push({ start: out.length, length: text.length });
    out += text;
    from = at;
  }
  return {
    source: out + source.slice(from),
    originalOffset(offset: number): number {
      let shift = 0;
      for (const p of placed) {
        if (offset >= p.start + p.length) shift += p.length;
        else if (offset > p.start) shift += offset - p.start; // inside an insertion: its name's end
      }
      return offset - shift;
    },
  };
}
