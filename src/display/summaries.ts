/**
 * Concise rich summaries of library objects (text/plain + an HTML table), registered with the
 * display protocol so that an object ending a notebook cell renders itself.
 */
import { parameterCount, type HuginnConfig } from '../model/config.js';
import { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import { escapeHtml, registerDisplay, type MimeBundle } from './protocol.js';

/** One row of a summary: a label and its value (both plain text; escaped when rendered). */
export type SummaryRow = readonly [label: string, value: string];

/** `1234567` -> `1,234,567` (fixed locale, so outputs do not depend on the machine). */
export function groupDigits(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1234567` -> `1.23M`, `179776` -> `180k`: three significant digits and a unit. */
export function shortCount(n: number): string {
  const units: readonly (readonly [number, string])[] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (let i = 0; i < units.length; i++) {
    const [size, unit] = units[i]!;
    if (Math.abs(n) < size) continue;
    // Number() drops trailing zeros and reads toPrecision's exponent form (999999 -> "1.00e+3").
    const scaled = Number((n / size).toPrecision(3));
    if (Math.abs(scaled) >= 1000 && i > 0) return `${Number((n / units[i - 1]![0]).toPrecision(3))}${units[i - 1]![1]}`;
    return `${scaled}${unit}`;
  }
  return String(n);
}

/**
 * A titled two-column table as text/plain and text/html. Every string is escaped here, so callers
 * pass raw text (file paths, questions) and never build HTML themselves.
 */
export function summaryBundle(title: string, subtitle: string | undefined, rows: readonly SummaryRow[]): MimeBundle {
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const plain = [subtitle === undefined ? title : `${title} (${subtitle})`, ...rows.map(([label, value]) => `  ${label.padEnd(labelWidth)}  ${value}`)].join('\n');
  const caption = `<strong>${escapeHtml(title)}</strong>${subtitle === undefined ? '' : ` <code>${escapeHtml(subtitle)}</code>`}`;
  const body = rows
    .map(([label, value]) => `<tr><th style="text-align:left;padding:1px 12px 1px 0">${escapeHtml(label)}</th><td style="text-align:left">${escapeHtml(value)}</td></tr>`)
    .join('');
  const html = `<table class="lt-summary"><caption style="text-align:left">${caption}</caption><tbody>${body}</tbody></table>`;
  return { 'text/plain': plain, 'text/html': html };
}

/** The rows that describe a configuration's shape (shared by model and config summaries). */
export function configRows(c: HuginnConfig): SummaryRow[] {
  const parameters = parameterCount(c);
  return [
    ['width', `${c.nEmbd}`],
    ['heads', `${c.nHeads} × ${c.headSize}`],
    ['blocks', `${c.nPrelude} prelude + ${c.nCore} core (recurrent) + ${c.nCoda} coda`],
    ['mlp width', `${c.intermediateSize}`],
    ['parameters', `${shortCount(parameters)} (${groupDigits(parameters)})`],
    ['vocab', c.paddedVocabSize === c.vocabSize ? `${c.vocabSize}` : `${c.vocabSize} (padded to ${c.paddedVocabSize})`],
    ['mean recurrence', `${c.meanRecurrence}`],
    ['context', `${c.blockSize} tokens`],
  ];
}

/** The summary of a Huginn configuration. */
export function configSummary(config: HuginnConfig): MimeBundle {
  return summaryBundle('Huginn configuration', undefined, configRows(config));
}

/** The summary of a loaded model: its shape, size and where it was loaded from. */
export function modelSummary(model: RecurrentDepthModel): MimeBundle {
  return summaryBundle('RecurrentDepthModel', model.source, configRows(model.config));
}

registerDisplay(RecurrentDepthModel, modelSummary);

// The summaries of trajectory sets and reward models register themselves when loaded.
import './object-summaries.js';
