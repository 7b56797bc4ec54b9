import type { TopLevelSpec } from 'vega-lite';
import { PLOT_FONT } from '../plot/training-plot-spec.js';
import type { RunCurve } from './read-run-curves.js';

/** Options of {@link timeToAccuracySpec}. */
export interface TimeToAccuracySpecOptions {
  /** A title above the chart. @defaultValue 'k-NN top-1 against hours of training' */
  readonly title?: string;
  /** A horizontal dashed line at this accuracy (percent), e.g. raw pixels' k-NN on the same images. @defaultValue none */
  readonly baseline?: number;
  /** Its label. @defaultValue 'baseline' */
  readonly baselineLabel?: string;
  /** Width of the plot area, in SVG pixels. @defaultValue 640 */
  readonly width?: number;
  /** Height of the plot area, in SVG pixels. @defaultValue 400 */
  readonly height?: number;
}

/** The tab10 palette of matplotlib (d3's category10). */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

/** `[low, high]` in [0, 100] around the accuracies, at multiples of 5. */
function accuracyDomain(values: readonly number[]): [number, number] {
  const low = Math.max(0, Math.floor((Math.min(...values) - 2) / 5) * 5);
  const high = Math.min(100, Math.ceil((Math.max(...values) + 2) / 5) * 5);
  return [low, Math.max(high, low + 5)];
}

/**
 * The Vega-Lite specification of the time-to-accuracy picture: k-NN top-1 on the held-out images
 * against hours of training (steps only), one coloured line per run and backbone, linear-probe
 * top-1 as triangles of the same colour, and an optional dashed baseline (raw pixels). The data are
 * inline, so the specification opens in the Vega editor too.
 *
 * @example
 * ```ts
 * const svg = await renderChartSvg(timeToAccuracySpec(curves, { baseline: 85.7, baselineLabel: 'raw pixels' }));
 * ```
 */
export function timeToAccuracySpec(curves: readonly RunCurve[], options: TimeToAccuracySpecOptions = {}): TopLevelSpec {
  const rows = curves.flatMap((curve) => [
    ...curve.knn.map((point) => ({ hours: point.hours, top1: point.top1, series: curve.label, kind: 'k-NN' })),
    ...curve.linear.map((point) => ({ hours: point.hours, top1: point.top1, series: curve.label, kind: 'linear probe' })),
  ]);
  const labels = curves.map((curve) => curve.label);
  const votes = [...new Set(curves.flatMap((curve) => (curve.knnVote ? [curve.knnVote] : [])))];
  const values = [...rows.map((row) => row.top1), ...(options.baseline === undefined ? [] : [options.baseline])];
  const domain = values.length > 0 ? accuracyDomain(values) : ([0, 100] as [number, number]);
  const x = { field: 'hours', type: 'quantitative', title: 'hours of training (steps only)', scale: { zero: true } } as const;
  const y = { field: 'top1', type: 'quantitative', title: 'top-1 on the held-out images (%)', scale: { domain, nice: false } } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    sort: labels,
    scale: { domain: labels, range: labels.map((_, i) => PALETTE[i % PALETTE.length]!) },
    legend: { title: 'run and backbone', orient: 'right', labelLimit: 360, symbolType: 'stroke', symbolStrokeWidth: 2 },
  } as const;
  const baseline =
    options.baseline === undefined
      ? []
      : [
          {
            data: { values: [{ top1: options.baseline, text: options.baselineLabel ?? 'baseline' }] },
            layer: [
              { mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { y: { field: 'top1', type: 'quantitative' } } },
              {
                // at the right end, under the line: the curves start below the pixels and end above them
                mark: { type: 'text', align: 'right', baseline: 'top', dx: -4, dy: 3, color: '#555', fontSize: 11 },
                encoding: { y: { field: 'top1', type: 'quantitative' }, x: { value: 'width' }, text: { field: 'text' } },
              },
            ],
          },
        ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: options.title ?? 'k-NN top-1 against hours of training',
      subtitle: `lines and dots: k-NN (${votes.join('; ') || 'none'}); triangles: linear probe`,
      anchor: 'middle',
      fontSize: 16,
      subtitleFontSize: 12,
      subtitleColor: '#555',
      offset: 14,
    },
    background: 'white',
    padding: 12,
    width: options.width ?? 640,
    height: options.height ?? 400,
    layer: [
      {
        data: { values: rows },
        transform: [{ filter: "datum.kind === 'k-NN'" }],
        mark: { type: 'line', strokeWidth: 2, point: true },
        encoding: { x, y, color },
      },
      {
        data: { values: rows },
        transform: [{ filter: "datum.kind === 'linear probe'" }],
        mark: { type: 'point', shape: 'triangle-up', filled: true, opacity: 1, size: 90 },
        encoding: { x, y, color },
      },
      ...baseline,
    ],
    config: {
      font: PLOT_FONT,
      title: { fontSize: 14, fontWeight: 'normal' },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
      legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
    },
  } as TopLevelSpec;
}
