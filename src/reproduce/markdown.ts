/**
 * Markdown of the notebooks' text cells, rendered for the HTML report with markdown-it: raw HTML
 * in the source is escaped (html: false) and links with unsafe schemes (javascript:, vbscript:,
 * most data:) are left as text by its link validation. Headings move down two levels so that a
 * notebook's "# Title" sits below the report's own headings.
 */
import MarkdownIt = require('markdown-it');

const HEADING_SHIFT = 2;

const renderer = new MarkdownIt({ html: false, linkify: false, typographer: false });
renderer.renderer.rules['heading_open'] = (tokens, idx) => `<h${Math.min(6, Number(tokens[idx]!.tag.slice(1)) + HEADING_SHIFT)}>`;
renderer.renderer.rules['heading_close'] = (tokens, idx) => `</h${Math.min(6, Number(tokens[idx]!.tag.slice(1)) + HEADING_SHIFT)}>\n`;
renderer.renderer.rules['table_open'] = () => '<table class="lt-md-table">\n';

/** Safe HTML for a Markdown text. */
export function markdownToHtml(source: string): string {
  return renderer.render(source);
}
