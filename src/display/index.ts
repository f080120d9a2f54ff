/** The display layer's public API (re-exported by src/index.ts). */
export { JUPYTER_DISPLAY, isDisplayable, bundleOf, escapeHtml, registerDisplay, displayOf, type MimeBundle, type Displayable } from './protocol.js';
export { display, DisplayHandle, isDisplayHandle, bundleForDisplay, inNotebook, displaySink, setDisplaySink, type DisplaySink } from './display.js';
export { summaryBundle, configSummary, modelSummary, configRows, groupDigits, shortCount, type SummaryRow } from './summaries.js';
export { ProgressBar, progress, withProgress, formatDuration, type ProgressOptions, type ProgressStream, type ProgressTarget } from './progress.js';
export { plotlyLibrary, plotlyLoaderScript, plotlyNotebookInit, claimPlotlyEmbedding, resetPlotlyEmbedding, jsonForScript, figureHtml, htmlPage, writeHtmlPage, type PlotlySpec, type PageItem, type PageFragment, type FigureHtmlParts } from './plotly-offline.js';
export { Figure, FigureInputError, PLOTLY_MIME } from './figures/figure.js';
export { renderSvg, type SvgFigure, type SvgPanel, type SvgMark, type LegendEntry } from './svg/chart.js';
export { LatentMap, type LatentMapInput, type MapRun, type MapColoring, type Point2 } from './widgets/latent-map.js';
export { TrajectoryView, type TrajectoryViewInput, type PathRun, type Point3 } from './widgets/trajectory-view.js';
export { MetricCurves, Curves, RocCurve, AurocBySteps, type MetricCurvesInput, type MetricCurve, type GroupCurve, type CurvesInput, type CurveSeries, type RocCurveInput, type RocInput, type AurocByStepsInput, type AurocSeries } from './widgets/curves.js';
export { CrossDomainMatrix, type CrossDomainMatrixInput } from './widgets/cross-domain-matrix.js';
export { LtoComparison, type LtoComparisonInput, type LtoResultRow } from './widgets/lto-comparison.js';
export { Table, type TableOptions, type ColumnarTable } from './table.js';
export { trajectorySetSummary, trajectorySetRows, rewardModelSummary, rewardArchitecture, fitResultSummary, fitResultRows, describeRewardModel, type TrajectorySetSummaryOptions } from './object-summaries.js';
export { latentMap, trajectoryView, metricCurves, aurocBySteps, chooseRuns, type LatentMapOptions, type TrajectoryViewOptions, type MetricCurvesOptions, type AurocByStepsOptions } from './views.js';
