/**
 * A small, safe Markdown renderer for the notebooks' text cells in the HTML report: headings,
 * paragraphs, bullet and numbered lists, fenced code, inline code, bold, italics, links with
 * http(s) or relative targets, and pipe tables. Everything is HTML-escaped first; no raw HTML
 * from the source reaches the page.
 */
import { escapeHtml } from '../display/protocol.js';

function inline(text: string): string {
  // Code spans first (their content is kept literally), then emphasis and links on the rest.
  const parts = escapeHtml(text).split(/(`[^`]+`)/);
  return parts
    .map((part) => {
      if (/^`[^`]+`$/.test(part)) return `<code>${part.slice(1, -1)}</code>`;
      return part
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>')
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) => {
          const safe = /^(https?:|#|\.{0,2}\/|[\w-]+\.(?:ipynb|html|md)(?:#|$))/i.test(href) && !/^javascript:/i.test(href);
          return safe ? `<a href="${href}">${label}</a>` : label;
        });
    })
    .join('');
}

function tableHtml(lines: string[]): string {
  const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const [head, , ...body] = lines;
  return (
    '<table class="lt-md-table"><thead><tr>' +
    cells(head!).map((c) => `<th>${inline(c)}</th>`).join('') +
    '</tr></thead><tbody>' +
    body.map((line) => `<tr>${cells(line).map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

export function markdownToHtml(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (/^```/.test(line)) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i]!)) code.push(lines[i++]!);
      i++;
      out.push(`<pre class="lt-md-code">${escapeHtml(code.join('\n'))}</pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      // Notebook headings sit below the report's notebook heading (h2).
      const level = Math.min(6, heading[1]!.length + 2);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) {
      const rows: string[] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) rows.push(lines[i++]!);
      out.push(tableHtml(rows));
      continue;
    }
    const bullet = /^\s*([-*]|\d+[.)])\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '') {
        if (bullet.test(lines[i]!)) items.push(lines[i]!.replace(bullet, ''));
        else items[items.length - 1] += ` ${lines[i]!.trim()}`;
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((item) => `<li>${inline(item)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,6}\s|```|\s*([-*]|\d+[.)])\s+|\s*\|)/.test(lines[i]!)) paragraph.push(lines[i++]!.trim());
    if (paragraph.length === 0) paragraph.push(lines[i++]!.trim());
    out.push(`<p>${inline(paragraph.join(' '))}</p>`);
  }
  return out.join('\n');
}
