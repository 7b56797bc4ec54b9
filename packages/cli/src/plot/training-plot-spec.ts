import type { TopLevelSpec } from 'vega-lite';
import type { RunMetrics, StepLine } from '../run-metrics.js';

/** Options of {@link trainingPlotSpec} and `renderTrainingPlot`. */
export interface TrainingPlotOptions {
  /** A title above the panels (method, data set). @defaultValue none */
  readonly title?: string;
  /**
   * Metrics of the step lines that are parts of the loss, drawn beside the total (iBOT reports its
   * `cls` and `patch` losses as metrics of its one objective).
   * @defaultValue none (only the objectives' terms, when there are several)
   */
  readonly lossParts?: readonly string[];
  /** Width of each panel's plot area, in SVG pixels. @defaultValue 540 */
  readonly panelWidth?: number;
  /** Height of the panels' plot areas, in SVG pixels. @defaultValue 340 */
  readonly panelHeight?: number;
}

/**
 * The font family of the plots: DejaVu Sans, which `svgToPng` bundles, so that text renders on a
 * machine without fonts; viewers of the SVG without it use their sans-serif font.
 */
export const PLOT_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** The tab10 palette of matplotlib (d3's category10). */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

/** The k-NN colours of the backbones (red teacher, purple student, as before); others take the palette from its sixth colour. */
const BACKBONE_COLORS: Readonly<Record<string, string>> = { teacher: PALETTE[3], student: PALETTE[4] };

/** One panel of the figure: a view of {@link trainingPlotSpec}'s `hconcat`. */
type Panel = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];

/** `color` (`#rrggbb`) mixed with white: the lighter shade of top-5 lines. */
function lighter(color: string, amount = 0.45): string {
  const channels = [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));
  return `#${channels.map((c) => Math.round(c + (255 - c) * amount).toString(16).padStart(2, '0')).join('')}`;
}

/** Legends drawn inside the plot area, on a white card, in the corner that hides the fewest points of the lines. */
const INSIDE_LEGEND = { fillColor: 'rgba(255, 255, 255, 0.85)', strokeColor: '#ccc', padding: 6, cornerRadius: 3 } as const;

type Corner = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left';
type LegendPlace = Corner | 'right';

/** One line of a panel, for placing its legend: `[x, y]` points in x order. */
type LinePoints = readonly (readonly [number, number])[];

/**
 * The corner of the plot area where a legend of `labels` covers no sample of the lines (20 per
 * segment, in data space scaled to the panel), top right first; `right` (outside the plot area)
 * when every corner would hide some. Text widths are estimated (7 pixels a character at the
 * legend's 11 px font).
 */
export function legendPlace(lines: readonly LinePoints[], labels: readonly string[], size: { width: number; height: number; yDomain?: readonly [number, number] }): LegendPlace {
  const points = lines.flat();
  if (points.length === 0) return 'top-right';
  const extent = (values: number[], domain?: readonly [number, number]) => {
    const [low, high] = domain ?? [Math.min(...values), Math.max(...values)];
    return (value: number) => (high === low ? 0.5 : (value - low) / (high - low));
  };
  const sx = extent(points.map((p) => p[0]));
  const sy = extent(points.map((p) => p[1]), size.yDomain);
  const samples: [number, number][] = [];
  for (const line of lines) {
    line.forEach(([x, y], i) => {
      const next = line[i + 1];
      if (!next) return samples.push([sx(x), sy(y)]);
      for (let k = 0; k < 20; k++) samples.push([sx(x + ((next[0] - x) * k) / 20), sy(y + ((next[1] - y) * k) / 20)]);
    });
  }
  const boxWidth = (Math.max(...labels.map((l) => l.length)) * 7 + 40) / size.width;
  const boxHeight = (labels.length * 18 + 30) / size.height;
  const corners: Corner[] = ['top-right', 'top-left', 'bottom-right', 'bottom-left'];
  const covered = corners.map((corner) => {
    const [x0, x1] = corner.endsWith('right') ? [1 - boxWidth, 1] : [0, boxWidth];
    const [y0, y1] = corner.startsWith('top') ? [1 - boxHeight, 1] : [0, boxHeight];
    return samples.filter(([x, y]) => x >= x0 && x <= x1 && y >= y0 && y <= y1).length;
  });
  return corners[covered.indexOf(0)] ?? 'right';
}

/** Series longer than this are drawn raw (faint) and smoothed. */
const SMOOTH_AFTER = 50;

/** A loss series: its name and its value in a step line. */
interface LossSeries {
  readonly name: string;
  readonly value: (step: StepLine) => number | undefined;
}

/** Exponential moving average with bias correction (TensorBoard's smoothing, factor 0.9). */
export function smoothSeries(values: readonly number[], factor = 0.9): number[] {
  let average = 0;
  return values.map((value, i) => {
    average = factor * average + (1 - factor) * value;
    return average / (1 - factor ** (i + 1));
  });
}

/** The total and the parts of the loss that the step lines have (terms when there are several, then `lossParts`). */
function lossSeriesOf(steps: readonly StepLine[], lossParts: readonly string[]): LossSeries[] {
  const termNames = [...new Set(steps.flatMap((s) => Object.keys(s.terms ?? {})))];
  const parts: LossSeries[] = [
    ...(termNames.length > 1 ? termNames.map((name) => ({ name, value: (s: StepLine) => s.terms?.[name] })) : []),
    ...lossParts
      .filter((name) => !termNames.includes(name) && steps.some((s) => typeof s.metrics?.[name] === 'number'))
      .map((name) => ({ name, value: (s: StepLine) => s.metrics?.[name] })),
  ];
  return [{ name: parts.length > 0 ? 'total' : 'loss', value: (s) => s.loss }, ...parts];
}

/** A panel with only a grey sentence in its middle (no data yet). */
function emptyPanel(title: string, text: string, width: number, height: number): Panel {
  return {
    title,
    width,
    height,
    data: { values: [{ text }] },
    mark: { type: 'text', fontSize: 14, color: '#777' },
    encoding: { text: { field: 'text' }, x: { value: width / 2 }, y: { value: height / 2 } },
  };
}

/** The loss over optimizer steps: one colour per series; long series faint raw and smoothed on top. */
function lossPanel(steps: readonly StepLine[], lossParts: readonly string[], width: number, height: number): Panel {
  if (steps.length === 0) return emptyPanel('Training loss', 'no steps yet', width, height);
  const series = lossSeriesOf(steps, lossParts);
  const rows: { step: number; value: number; series: string; kind: 'raw' | 'line' }[] = [];
  let smoothed = false;
  const lines: LinePoints[] = [];
  for (const { name, value } of series) {
    const points = steps.map((s) => [s.iteration + 1, value(s)] as const).filter((p): p is readonly [number, number] => Number.isFinite(p[1]));
    lines.push(points);
    if (points.length > SMOOTH_AFTER) {
      smoothed = true;
      for (const [step, v] of points) rows.push({ step, value: v, series: name, kind: 'raw' });
      smoothSeries(points.map((p) => p[1])).forEach((v, i) => rows.push({ step: points[i]![0], value: v, series: name, kind: 'line' }));
    } else {
      for (const [step, v] of points) rows.push({ step, value: v, series: name, kind: 'line' });
    }
  }
  const names = series.map((s) => s.name);
  const color = {
    field: 'series',
    type: 'nominal',
    sort: names,
    scale: { domain: names, range: names.map((_, i) => PALETTE[i % PALETTE.length]!) },
    legend: { ...INSIDE_LEGEND, orient: legendPlace(lines, [...names, ...(smoothed ? ['smoothed (EMA 0.9)'] : [])], { width, height }), title: smoothed ? 'smoothed (EMA 0.9)' : null, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 },
  } as const;
  const x = { field: 'step', type: 'quantitative', title: 'step', axis: { format: 'd', tickMinStep: 1 } } as const;
  const y = { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false } } as const;
  return {
    title: 'Training loss',
    width,
    height,
    data: { values: rows },
    layer: [
      { transform: [{ filter: "datum.kind === 'raw'" }], mark: { type: 'line', strokeWidth: 1, strokeOpacity: 0.3 }, encoding: { x, y, color: { field: 'series', type: 'nominal', scale: color.scale } } },
      {
        transform: [{ filter: "datum.kind === 'line'" }],
        mark: { type: 'line', strokeWidth: 2, point: steps.length <= 20 },
        encoding: { x, y, color },
      },
    ],
  };
}

/** `[low, high]` in [0, 100] around the accuracies, at multiples of 10. */
function accuracyDomain(values: readonly number[]): [number, number] {
  const low = Math.max(0, Math.floor((Math.min(...values) - 2) / 10) * 10);
  const high = Math.min(100, Math.ceil((Math.max(...values) + 2) / 10) * 10);
  return [low, Math.max(high, low + 10)];
}

/** The k-NN top-1 (solid) and top-5 (dashed, lighter) accuracy over epochs, one colour per backbone. */
function knnPanel(knn: RunMetrics['knn'], width: number, height: number): Panel {
  const first = knn[0];
  const title = first ? `k-NN accuracy (k=${first.k}, T=${first.temperature})` : 'k-NN accuracy';
  if (!first) return emptyPanel(title, 'no k-NN evaluation', width, height);
  const records = [...knn].sort((a, b) => a.epoch - b.epoch);
  const whiches = [...new Set(records.map((r) => r.which))];
  const series = whiches.flatMap((which) => [`${which} top-1`, `${which} top-5`]);
  let next = 5;
  const colors = whiches.flatMap((which) => {
    const color = BACKBONE_COLORS[which] ?? PALETTE[next++ % PALETTE.length]!;
    return [color, lighter(color)];
  });
  const domain = accuracyDomain(records.flatMap((r) => [r.top1, r.top5]));
  const lines = whiches.flatMap((which) => {
    const of = records.filter((r) => r.which === which);
    return [of.map((r) => [r.epoch + 1, r.top1] as const), of.map((r) => [r.epoch + 1, r.top5] as const)];
  });
  const rows = records.flatMap((r) => [
    { epoch: r.epoch + 1, accuracy: r.top1, series: `${r.which} top-1`, dashed: false },
    { epoch: r.epoch + 1, accuracy: r.top5, series: `${r.which} top-5`, dashed: true },
  ]);
  return {
    title,
    width,
    height,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch (0: before training)', axis: { format: 'd', tickMinStep: 1 } },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { domain, nice: false } },
      color: { field: 'series', type: 'nominal', sort: series, scale: { domain: series, range: colors }, legend: { ...INSIDE_LEGEND, orient: legendPlace(lines, series, { width, height, yDomain: domain }), title: null } },
      strokeDash: { field: 'dashed', type: 'nominal', scale: { domain: [false, true], range: [[1, 0], [5, 3]] }, legend: null },
    },
  };
}

/**
 * The Vega-Lite specification of a pretraining run's picture: on the left the loss over optimizer
 * steps, total and parts (with more than 50 steps, raw values faint and an exponential moving
 * average over them); on the right the k-NN top-1 (solid) and top-5 (dashed, lighter) accuracy on the
 * held-out images over epochs (0 is before training), one colour per backbone (teacher, student).
 * The data are inline, so the specification can also be opened in the Vega editor.
 *
 * @example
 * ```ts
 * const spec = trainingPlotSpec(readRunMetrics('runs/ibot/metrics.jsonl'), { title: 'iBOT' });
 * writeFileSync('runs/ibot/plot.vl.json', JSON.stringify(spec));
 * ```
 */
export function trainingPlotSpec(metrics: RunMetrics, options: TrainingPlotOptions = {}): TopLevelSpec {
  const width = options.panelWidth ?? 540;
  const height = options.panelHeight ?? 340;
  const steps = [...metrics.steps].sort((a, b) => a.iteration - b.iteration);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: { text: options.title, anchor: 'middle', fontSize: 16, offset: 14 } } : {}),
    background: 'white',
    padding: 12,
    hconcat: [lossPanel(steps, options.lossParts ?? [], width, height), knnPanel(metrics.knn, width, height)],
    spacing: 48,
    resolve: { scale: { color: 'independent' } },
    config: {
      font: PLOT_FONT,
      title: { fontSize: 14, fontWeight: 'normal' },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
      legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
    },
  };
}
