import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isSslError } from '@selfsup/core';
import { writeFileAtomic } from '@selfsup/train/node';
import { renderChartSvg } from '../plot/render-chart-svg.js';
import { svgToPng } from '../plot/svg-to-png.js';
import { readRunCurves, type RunCurve } from './read-run-curves.js';
import { timeToAccuracySpec, type TimeToAccuracySpecOptions } from './time-to-accuracy-spec.js';
import { timeToAccuracyTable } from './time-to-accuracy-table.js';

/** Options of {@link writeTimeToAccuracy}. */
export interface WriteTimeToAccuracyOptions extends TimeToAccuracySpecOptions {
  /**
   * The run folders of `selfsup pretrain` (or run records), each with its label (its folder name
   * when absent), or their curves already read with {@link readRunCurves}.
   */
  readonly runs: readonly ({ readonly folder: string; readonly label?: string } | RunCurve)[];
  /** The picture to write: `<name>.png` (and `<name>.svg` beside it) or `<name>.svg` alone. */
  readonly out: string;
  /** Only this backbone of each run (`teacher`, `student`). @defaultValue every backbone evaluated */
  readonly which?: string;
  /** The budgets of the table's "k-NN top-1 at" columns, in hours. @defaultValue [1, 2, 3] */
  readonly budgets?: readonly number[];
}

/** What {@link writeTimeToAccuracy} wrote and made. */
export interface TimeToAccuracyOutput {
  readonly curves: readonly RunCurve[];
  /** The markdown table. */
  readonly table: string;
  /** The files written (SVG, and PNG unless resvg cannot load or `out` ends in .svg). */
  readonly files: readonly string[];
  /** Why no PNG was written, when none was. */
  readonly note?: string;
}

/**
 * `npm run time-to-accuracy`: reads run folders, draws k-NN top-1 against hours of training (one line
 * per run and backbone, linear probes as triangles) to SVG and PNG (making the folder of `out` when
 * it is missing), and returns the markdown table for docs/results.md.
 *
 * @example
 * ```ts
 * const { table } = await writeTimeToAccuracy({ runs: [{ folder: 'runs/mae-fast' }], out: 'docs/results/time-to-accuracy.png', baseline: 85.7 });
 * ```
 */
export async function writeTimeToAccuracy(options: WriteTimeToAccuracyOptions): Promise<TimeToAccuracyOutput> {
  const all = options.runs.flatMap((run) => ('knn' in run ? [run] : readRunCurves(run.folder, run.label)));
  const curves = options.which === undefined ? all : all.filter((curve) => curve.which === options.which);
  const svg = await renderChartSvg(timeToAccuracySpec(curves, options));
  const svgPath = options.out.endsWith('.svg') ? options.out : options.out.replace(/(\.png)?$/, '.svg');
  mkdirSync(dirname(svgPath), { recursive: true });
  await writeFileAtomic(svgPath, svg);
  const table = timeToAccuracyTable(curves, options.budgets ? { budgets: options.budgets } : {});
  if (options.out.endsWith('.svg')) return { curves, table, files: [svgPath] };
  const pngPath = options.out.endsWith('.png') ? options.out : `${options.out}.png`;
  try {
    await writeFileAtomic(pngPath, await svgToPng(svg));
  } catch (error) {
    if (!isSslError(error, 'NOT_SUPPORTED')) throw error;
    return { curves, table, files: [svgPath], note: error.message };
  }
  return { curves, table, files: [svgPath, pngPath] };
}
