import type { RunMetrics } from '../run-metrics.js';
import { PALETTE, renderLineCharts, type ChartSeries } from './line-chart.js';
import type { Rgb } from './raster.js';

/** Options of {@link renderTrainingPlot}. */
export interface TrainingPlotOptions {
  /** A title above the panels (method, data set). @defaultValue none */
  readonly title?: string;
  /**
   * Metrics of the step lines that are parts of the loss, drawn beside the total (iBOT reports its
   * `cls` and `patch` losses as metrics of its one objective).
   * @defaultValue none (only the objectives' terms, when there are several)
   */
  readonly lossParts?: readonly string[];
  /** @defaultValue 1280 */
  readonly width?: number;
  /** @defaultValue 520 */
  readonly height?: number;
}

function lighter(color: Rgb, amount = 0.45): Rgb {
  return [0, 1, 2].map((c) => Math.round(color[c]! + (255 - color[c]!) * amount)) as unknown as Rgb;
}

/**
 * The picture of a pretraining run: on the left the loss over optimizer steps, total and per
 * objective (smoothed when long); on the right the k-NN top-1 (solid) and top-5 (light) accuracy
 * on the held-out images over epochs, one colour per backbone (teacher, student).
 *
 * @returns PNG bytes.
 * @example
 * ```ts
 * writeFileSync('runs/ibot/plot.png', renderTrainingPlot(readRunMetrics('runs/ibot/metrics.jsonl'), { title: 'iBOT' }));
 * ```
 */
export function renderTrainingPlot(metrics: RunMetrics, options: TrainingPlotOptions = {}): Uint8Array {
  const steps = [...metrics.steps].sort((a, b) => a.iteration - b.iteration);
  const termNames = [...new Set(steps.flatMap((s) => Object.keys(s.terms ?? {})))];
  const parts: { name: string; value: (s: (typeof steps)[number]) => number }[] = [
    ...(termNames.length > 1 ? termNames.map((name) => ({ name, value: (s: (typeof steps)[number]) => s.terms?.[name] ?? Number.NaN })) : []),
    ...(options.lossParts ?? [])
      .filter((name) => !termNames.includes(name) && steps.some((s) => typeof s.metrics?.[name] === 'number'))
      .map((name) => ({ name, value: (s: (typeof steps)[number]) => s.metrics?.[name] ?? Number.NaN })),
  ];
  const lossSeries: ChartSeries[] = [
    { name: parts.length > 0 ? 'total' : 'loss', points: steps.map((s) => [s.iteration + 1, s.loss]), smooth: true, color: PALETTE[0]! },
    ...parts.map((part, i) => ({
      name: part.name,
      points: steps.map((s) => [s.iteration + 1, part.value(s)] as const),
      smooth: true,
      color: PALETTE[(i + 1) % PALETTE.length]!,
    })),
  ];
  const whiches = [...new Set(metrics.knn.map((r) => r.which))];
  const colors: Record<string, Rgb> = { teacher: PALETTE[3]!, student: PALETTE[4]! };
  const knnSeries: ChartSeries[] = whiches.flatMap((which, i) => {
    const records = metrics.knn.filter((r) => r.which === which).sort((a, b) => a.epoch - b.epoch);
    const color = colors[which] ?? PALETTE[(5 + i) % PALETTE.length]!;
    return [
      { name: `${which} top-1`, points: records.map((r) => [r.epoch + 1, r.top1] as const), color, markers: true },
      { name: `${which} top-5`, points: records.map((r) => [r.epoch + 1, r.top5] as const), color: lighter(color), markers: true, lineWidth: 1.5 },
    ];
  });
  const first = metrics.knn[0];
  return renderLineCharts({
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 1280,
    height: options.height ?? 520,
    panels: [
      { title: 'Training loss', xLabel: 'step', yLabel: 'loss', series: lossSeries, emptyText: 'no steps yet' },
      {
        title: first ? `k-NN accuracy (k=${first.k}, T=${first.temperature})` : 'k-NN accuracy',
        xLabel: 'epoch',
        yLabel: 'accuracy (%)',
        series: knnSeries,
        yLimits: [0, 100],
        emptyText: 'no k-NN evaluation',
      },
    ],
  });
}
