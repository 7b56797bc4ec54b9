import type { RunMetrics } from '../run-metrics.js';
import { renderChartSvg } from './render-chart-svg.js';
import { trainingPlotSpec, type TrainingPlotOptions } from './training-plot-spec.js';

export type { TrainingPlotOptions } from './training-plot-spec.js';

/**
 * The picture of a pretraining run as SVG: the loss over optimizer steps, total and parts, and
 * the k-NN accuracy over epochs, per backbone (see {@link trainingPlotSpec}). `svgToPng` turns it
 * into a PNG.
 *
 * @returns SVG text.
 * @example
 * ```ts
 * const svg = await renderTrainingPlot(readRunMetrics('runs/ibot/metrics.jsonl'), { title: 'iBOT' });
 * writeFileSync('runs/ibot/plot.svg', svg);
 * writeFileSync('runs/ibot/plot.png', await svgToPng(svg));
 * ```
 */
export async function renderTrainingPlot(metrics: RunMetrics, options: TrainingPlotOptions = {}): Promise<string> {
  return renderChartSvg(trainingPlotSpec(metrics, options));
}
