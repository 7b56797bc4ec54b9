import { PNG } from 'pngjs';
import { SslError } from '@selfsup/core';
import { GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import { formatTick, niceTicks } from './nice-ticks.js';
import { Raster, type Box, type Rgb } from './raster.js';

/** One line of a chart. */
export interface ChartSeries {
  /** Its legend entry. */
  readonly name: string;
  /** `[x, y]` points, in x order; non-finite values are skipped (a gap). */
  readonly points: readonly (readonly [number, number])[];
  /**
   * Its colour.
   * @defaultValue the next colour of the palette (tab10)
   */
  readonly color?: Rgb;
  /**
   * Draw a disc at every point (for sparse series such as one evaluation per epoch).
   * @defaultValue false
   */
  readonly markers?: boolean;
  /**
   * With more than 50 points, draw the raw values faintly and an exponential moving average
   * (factor 0.9, bias-corrected) over them.
   * @defaultValue false
   */
  readonly smooth?: boolean;
  /**
   * Line width in pixels.
   * @defaultValue 2
   */
  readonly lineWidth?: number;
}

/** One panel: axes, ticks, a legend and its series. */
export interface ChartPanel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /**
   * Fixed y-axis bounds (else the data's, widened to round ticks).
   * @defaultValue from the data
   */
  readonly yRange?: readonly [number, number];
  /**
   * Clamp the automatic y-axis to these bounds (e.g. [0, 100] for accuracies).
   * @defaultValue none
   */
  readonly yLimits?: readonly [number, number];
  /**
   * Integer x ticks only (steps, epochs).
   * @defaultValue true
   */
  readonly integerX?: boolean;
  /**
   * Shown in the middle of the panel when it has no points.
   * @defaultValue 'no data'
   */
  readonly emptyText?: string;
}

/** Options of {@link renderLineCharts}. */
export interface LineChartOptions {
  /** Panels, laid out side by side. */
  readonly panels: readonly ChartPanel[];
  /** A title above the panels. @defaultValue none */
  readonly title?: string;
  /** @defaultValue 640 per panel */
  readonly width?: number;
  /** @defaultValue 480 */
  readonly height?: number;
  /**
   * Font pixels per character pixel (the built-in font is 5 x 7).
   * @defaultValue 2
   */
  readonly textScale?: number;
}

/** The tab10 palette of matplotlib. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const INK: Rgb = [34, 34, 34];
const GRID: Rgb = [225, 225, 225];
const MUTED: Rgb = [110, 110, 110];

function finitePoints(points: readonly (readonly [number, number])[]): [number, number][] {
  return points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => [x, y]);
}

/** Exponential moving average with bias correction (TensorBoard's smoothing). */
function smoothed(points: readonly [number, number][], factor = 0.9): [number, number][] {
  let average = 0;
  return points.map(([x, y], i) => {
    average = factor * average + (1 - factor) * y;
    return [x, average / (1 - factor ** (i + 1))];
  });
}

function drawPanel(raster: Raster, panel: ChartPanel, box: Box, scale: number, colorOffset: number): void {
  const lineHeight = GLYPH_HEIGHT * scale;
  const series = panel.series.map((s, i) => ({ ...s, points: finitePoints(s.points), color: s.color ?? PALETTE[(colorOffset + i) % PALETTE.length]! }));
  const all = series.flatMap((s) => s.points);
  raster.text(panel.title, box.x + box.width / 2, box.y, INK, { scale, align: 'center' });

  // y ticks decide the left margin
  let yLow = Math.min(...all.map((p) => p[1]));
  let yHigh = Math.max(...all.map((p) => p[1]));
  if (panel.yRange) [yLow, yHigh] = panel.yRange;
  else if (all.length > 0) {
    const pad = (yHigh - yLow) * 0.05;
    yLow -= pad;
    yHigh += pad;
    if (panel.yLimits) {
      yLow = Math.max(panel.yLimits[0], yLow);
      yHigh = Math.min(panel.yLimits[1], yHigh);
    }
  } else [yLow, yHigh] = panel.yLimits ?? [0, 1];
  const y = niceTicks(yLow, yHigh, 6);
  if (panel.yLimits && !panel.yRange) {
    y.low = Math.max(y.low, panel.yLimits[0]);
    y.high = Math.min(y.high, panel.yLimits[1]);
    y.ticks = y.ticks.filter((t) => t >= y.low - 1e-9 && t <= y.high + 1e-9);
  }
  const yLabels = y.ticks.map((t) => formatTick(t, y.step));
  const yLabelWidth = Math.max(...yLabels.map((l) => textWidth(l))) * scale;

  const plot: Box = {
    x: box.x + lineHeight + 2 * scale + yLabelWidth + 6 * scale,
    y: box.y + lineHeight + 8 * scale,
    width: 0,
    height: 0,
  };
  const right = box.x + box.width - 6 * scale;
  const bottom = box.y + box.height - 2 * lineHeight - 8 * scale;
  const area: Box = { ...plot, width: right - plot.x, height: bottom - plot.y };

  const xs = all.map((p) => p[0]);
  let xLow = xs.length ? Math.min(...xs) : 0;
  let xHigh = xs.length ? Math.max(...xs) : 1;
  if (xLow === xHigh) {
    xLow -= 1;
    xHigh += 1;
  }
  const x = niceTicks(xLow, xHigh, Math.max(2, Math.floor(area.width / (45 * scale))), { integer: panel.integerX ?? true });
  // keep the data's own x extent when it is wide enough: the nice bounds would waste the space
  if (xs.length > 1 && Math.min(...xs) !== Math.max(...xs)) {
    x.low = xLow;
    x.high = xHigh;
    x.ticks = x.ticks.filter((t) => t >= xLow - 1e-9 && t <= xHigh + 1e-9);
  }
  const px = (value: number) => area.x + ((value - x.low) / (x.high - x.low || 1)) * (area.width - 1);
  const py = (value: number) => area.y + area.height - 1 - ((value - y.low) / (y.high - y.low || 1)) * (area.height - 1);

  // grid, ticks and labels
  y.ticks.forEach((t, i) => {
    const yy = Math.round(py(t));
    raster.fillRect(area.x, yy, area.width, 1, GRID);
    raster.fillRect(area.x - 4 * scale, yy, 4 * scale, 1, INK);
    raster.text(yLabels[i]!, area.x - 6 * scale, yy - Math.round((7 * scale) / 2), INK, { scale, align: 'right' });
  });
  for (const t of x.ticks) {
    const xx = Math.round(px(t));
    raster.fillRect(xx, area.y, 1, area.height, GRID);
    raster.fillRect(xx, area.y + area.height, 1, 4 * scale, INK);
    raster.text(formatTick(t, x.step), xx, area.y + area.height + 6 * scale, INK, { scale, align: 'center' });
  }
  raster.strokeRect(area.x - 1, area.y - 1, area.width + 2, area.height + 2, INK);
  raster.text(panel.xLabel, area.x + area.width / 2, box.y + box.height - lineHeight, INK, { scale, align: 'center' });
  raster.text(panel.yLabel, box.x, area.y + area.height / 2 + (textWidth(panel.yLabel) * scale) / 2, INK, { scale, vertical: true });

  if (all.length === 0) {
    raster.text(panel.emptyText ?? 'no data', area.x + area.width / 2, area.y + area.height / 2 - lineHeight / 2, MUTED, { scale, align: 'center' });
    return;
  }
  for (const s of series) {
    const toPixels = (points: readonly [number, number][]) => points.map(([a, b]) => [px(a), py(b)] as const);
    const width = (s.lineWidth ?? 2) * (scale / 2 + 0.5);
    if (s.smooth && s.points.length > 50) {
      raster.polyline(toPixels(s.points), s.color, Math.max(1, width / 2), area, 0.3);
      raster.polyline(toPixels(smoothed(s.points)), s.color, width, area);
    } else if (s.points.length > 1) {
      raster.polyline(toPixels(s.points), s.color, width, area);
    }
    if (s.markers || s.points.length === 1) for (const [a, b] of toPixels(s.points)) raster.disc(a, b, width + 1.5 * scale, s.color, area);
  }

  // legend, top right inside the plot area
  const entries = series.filter((s) => s.points.length > 0);
  const sample = 16 * scale;
  const legendWidth = Math.max(...entries.map((s) => textWidth(s.name + (s.smooth && s.points.length > 50 ? ' (smoothed)' : '')))) * scale + sample + 14 * scale;
  const legendHeight = entries.length * (lineHeight + 3 * scale) + 6 * scale;
  // the corner of the plot area that hides the fewest points of the lines
  const samples: [number, number][] = [];
  for (const s of series) {
    const pixels = s.points.map(([a, b]) => [px(a), py(b)] as const);
    pixels.forEach(([a, b], i) => {
      const next = pixels[i + 1];
      const pieces = next ? Math.max(1, Math.ceil(Math.hypot(next[0] - a, next[1] - b) / 4)) : 1;
      for (let k = 0; k < pieces; k++) samples.push(next ? [a + ((next[0] - a) * k) / pieces, b + ((next[1] - b) * k) / pieces] : [a, b]);
    });
  }
  const margin = 6 * scale;
  const corners = [
    [area.x + area.width - legendWidth - margin, area.y + margin],
    [area.x + margin, area.y + margin],
    [area.x + area.width - legendWidth - margin, area.y + area.height - legendHeight - margin],
    [area.x + margin, area.y + area.height - legendHeight - margin],
  ] as const;
  const hidden = corners.map(([cx, cy]) => samples.filter(([a, b]) => a >= cx - 4 && a <= cx + legendWidth + 4 && b >= cy - 4 && b <= cy + legendHeight + 4).length);
  const [lx, ly] = corners[hidden.indexOf(Math.min(...hidden))]!;
  raster.fillRect(lx, ly, legendWidth, legendHeight, [255, 255, 255], 0.85);
  raster.strokeRect(lx, ly, legendWidth, legendHeight, [200, 200, 200]);
  entries.forEach((s, i) => {
    const ey = ly + 5 * scale + i * (lineHeight + 3 * scale);
    const mid = ey + Math.round((7 * scale) / 2);
    const legendBox: Box = { x: lx, y: ly, width: legendWidth, height: legendHeight };
    raster.polyline([[lx + 5 * scale, mid], [lx + 5 * scale + sample, mid]], s.color, (s.lineWidth ?? 2) * (scale / 2 + 0.5), legendBox);
    if (s.markers) raster.disc(lx + 5 * scale + sample / 2, mid, 2.5 * scale, s.color, legendBox);
    const label = s.name + (s.smooth && s.points.length > 50 ? ' (smoothed)' : '');
    raster.text(label, lx + 9 * scale + sample, ey, INK, { scale });
  });
}

/**
 * Renders line charts as a PNG, with no dependency beyond the PNG encoder: panels side by side,
 * each with a frame, grid, numbered ticks (1-2-5 steps), axis labels, a legend and one colour per
 * series; text in a built-in 5 x 7 bitmap font. Used for the loss curves and k-NN accuracy of
 * `selfsup pretrain`.
 *
 * @returns the PNG file's bytes.
 * @example
 * ```ts
 * const png = renderLineCharts({
 *   title: 'iBOT on Fashion-MNIST',
 *   panels: [{ title: 'Loss', xLabel: 'step', yLabel: 'loss', series: [{ name: 'loss', points: [[1, 6.9], [2, 6.1]] }] }],
 * });
 * writeFileSync('plot.png', png);
 * ```
 */
export function renderLineCharts(options: LineChartOptions): Uint8Array {
  const panels = options.panels;
  if (!Array.isArray(panels) || panels.length === 0) {
    throw new SslError('INVALID_ARGUMENT', 'renderLineCharts(options.panels): expected at least one panel, got none.');
  }
  const scale = options.textScale ?? 2;
  const width = options.width ?? 640 * panels.length;
  const height = options.height ?? 480;
  const raster = new Raster(width, height);
  const titleHeight = options.title ? (GLYPH_HEIGHT + 8) * scale : 0;
  if (options.title) raster.text(options.title, width / 2, 6 * scale, INK, { scale, align: 'center' });
  const panelWidth = Math.floor(width / panels.length);
  let colorOffset = 0;
  panels.forEach((panel, i) => {
    const box: Box = { x: i * panelWidth + 8 * scale, y: titleHeight + 6 * scale, width: panelWidth - 14 * scale, height: height - titleHeight - 10 * scale };
    drawPanel(raster, panel, box, scale, colorOffset);
    colorOffset += panel.series.length;
  });
  const png = new PNG({ width, height });
  png.data = Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}
