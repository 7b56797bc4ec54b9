export { main } from './main.js';
export { processIo, type CliIo } from './cli-io.js';
export {
  registerMethod,
  getMethod,
  methodNames,
  methodInputOf,
  type MethodDefinition,
  type MethodContext,
  type MethodInput,
} from './method-registry.js';
export {
  cliConfigSchema,
  dataConfigSchema,
  runConfigSchema,
  DATASET_NAMES,
  type CliConfig,
  type DataConfig,
  type RunConfig,
} from './cli-config-schema.js';
export { parseCliConfig, type ParsedCliConfig } from './parse-cli-config.js';
export { describeProblem, type ConfigProblem } from '@selfsup/ibot';
export { loadConfigFile } from './load-config-file.js';
export { setKeyPath, parseSetFlag } from './apply-overrides.js';
export { configJsonSchema, type JsonSchema } from './config-json-schema.js';
export { configKeys, describeConfig, describeType, type ConfigKey } from './describe-config.js';
export { loadDatasets, type RunDatasets } from './load-datasets.js';
export { datasetFeatures, type DatasetFeaturesOptions } from './dataset-features.js';
export { evaluationPreprocess } from '@selfsup/ibot';
export { createRunKnnMonitor, type RunKnnMonitorOptions } from './run-knn-monitor.js';
export { runPretrain, type PretrainOptions, type PretrainResult } from './pretrain-command.js';
export { runEvalKnn, runEvalLinear, type EvalOptions, type EvalKnnOptions, type EvalLinearOptions } from './eval-command.js';
export { runExport, type ExportOptions } from './export-command.js';
export { exportBackbone, timmModelName, type ExportBackboneOptions, type ExportedBackbone } from './export-backbone.js';
export { openCheckpoint, pickBackbone, type OpenedCheckpoint } from './open-checkpoint.js';
export { readRunMetrics, parseRunMetrics, type RunMetrics, type ParsedRunMetrics, type StepLine, type KnnLine, type StepsSummaryLine } from './run-metrics.js';
export { renderTrainingPlot } from './plot/training-plot.js';
export { trainingPlotSpec, smoothSeries, PLOT_FONT, type TrainingPlotOptions } from './plot/training-plot-spec.js';
export { renderChartSvg } from './plot/render-chart-svg.js';
export { svgToPng, type SvgToPngOptions } from './plot/svg-to-png.js';
export { vitShapeOf, describeBackbone, type VitShape } from './run-parts.js';
export { usageError, exitCodeOf } from './usage-error.js';
