/** The display layer's public API (re-exported by src/index.ts). */
export { JUPYTER_DISPLAY, isDisplayable, bundleOf, escapeHtml, registerDisplay, displayOf, type MimeBundle, type Displayable } from './protocol.js';
export { display, DisplayHandle, isDisplayHandle, bundleForDisplay, inNotebook, displaySink, setDisplaySink, type DisplaySink } from './display.js';
export { summaryBundle, configSummary, modelSummary, configRows, groupDigits, shortCount, type SummaryRow } from './summaries.js';
export { ProgressBar, progress, withProgress, formatDuration, type ProgressOptions, type ProgressStream, type ProgressTarget } from './progress.js';
