import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A live line chart (uPlot): one x series and named y series, appended point by point. */
export interface LineChart {
  append(x: number, values: readonly (number | null)[]): void;
  /** Replaces the y series (a method with other loss terms). */
  reset(series: readonly string[]): void;
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** Creates a chart in `target`: `xLabel` on the x axis, one line per name of `series`. */
export function createLineChart(target: HTMLElement, xLabel: string, series: readonly string[], options: { yRange?: [number, number] } = {}): LineChart {
  let plot: uPlot | undefined;
  let data: number[][] = [];
  const build = (names: readonly string[]) => {
    plot?.destroy();
    data = [[], ...names.map(() => [])];
    plot = new uPlot(
      {
        width: 340,
        height: 200,
        legend: { live: false },
        scales: { x: { time: false }, ...(options.yRange ? { y: { range: options.yRange } } : {}) },
        axes: [{ label: xLabel }, {}],
        series: [{ label: xLabel }, ...names.map((name, i) => ({ label: name, stroke: COLOURS[i % COLOURS.length]!, width: i === 0 ? 2 : 1 }))],
      },
      data as uPlot.AlignedData,
      target,
    );
  };
  build(series);
  return {
    append(x, values) {
      data[0]!.push(x);
      values.forEach((value, i) => data[i + 1]?.push(value as number));
      plot?.setData(data as uPlot.AlignedData);
    },
    reset: build,
  };
}
