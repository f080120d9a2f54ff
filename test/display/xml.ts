/**
 * Well-formedness checks for the SVG outputs: a small strict checker of our own (tags balanced,
 * attributes quoted and unique, entities valid, one root, no XML-forbidden characters), and
 * Python's expat parser on top when Debian's python3 is there.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*$/;
const ENTITY = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkText(text: string, where: string): void {
  if (FORBIDDEN.test(text)) throw new Error(`character not allowed in XML in ${where}`);
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(text)) throw new Error(`bad entity at ${where}: ${JSON.stringify(text.slice(i, i + 12))}`);
  }
  if (text.includes('<')) throw new Error(`raw "<" in ${where}`);
}

/** Throws with the first fault if `xml` is not a well-formed document with one root element. */
export function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    checkText(text, `text at ${i}`);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root element at ${i}`);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt);
      if (end < 0) throw new Error('unterminated processing instruction');
      i = end + 2;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? '(nothing)'}> at ${lt}`);
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const match = /^([^\s/>]+)([\s\S]*)$/.exec(body);
      if (!match || !NAME.test(match[1]!)) throw new Error(`bad tag name at ${lt}: ${JSON.stringify(tag.slice(0, 30))}`);
      const attributes = match[2]!;
      const seen = new Set<string>();
      const attribute = /\s+([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
      let k = 0;
      while (k < attributes.length) {
        if (/^\s*$/.test(attributes.slice(k))) break;
        attribute.lastIndex = k;
        const a = attribute.exec(attributes);
        if (!a) throw new Error(`bad attribute syntax in <${match[1]}> at ${lt}: ${JSON.stringify(attributes.slice(k, k + 40))}`);
        if (!NAME.test(a[1]!)) throw new Error(`bad attribute name ${a[1]} at ${lt}`);
        if (seen.has(a[1]!)) throw new Error(`duplicate attribute ${a[1]} in <${match[1]}> at ${lt}`);
        seen.add(a[1]!);
        checkText(a[3] ?? a[4] ?? '', `attribute ${a[1]} at ${lt}`);
        k = attribute.lastIndex;
      }
      if (stack.length === 0) roots += 1;
      if (roots > 1) throw new Error(`a second root element at ${lt}`);
      if (!selfClosing) stack.push(match[1]!);
    }
    i = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]}>`);
  if (roots !== 1) throw new Error('no root element');
}

const PYTHON = '/usr/bin/python3';

/**
 * Parses every document with Python's expat (a conforming XML parser); returns false without
 * checking when python3 is not installed. Throws with the parser's message otherwise.
 */
export function parseWithExpat(documents: readonly string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  const script = 'import sys, json, xml.parsers.expat\nfor i, d in enumerate(json.load(sys.stdin)):\n    p = xml.parsers.expat.ParserCreate()\n    try:\n        p.Parse(d, True)\n    except Exception as e:\n        print(i, e)\n        sys.exit(1)\n';
  const result = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(documents), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`expat rejected a document: ${result.stdout}${result.stderr}`);
  return true;
}
