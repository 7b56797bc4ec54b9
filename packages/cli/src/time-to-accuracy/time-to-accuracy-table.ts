import { formatHours } from './format-hours.js';
import type { AccuracyPoint, RunCurve } from './read-run-curves.js';

/** Options of {@link timeToAccuracyTable}. */
export interface TimeToAccuracyTableOptions {
  /** The budgets (hours of training) of the "k-NN top-1 at" columns. @defaultValue [1, 2, 3] */
  readonly budgets?: readonly number[];
}

/** The last evaluation at or before `hours`, when the run trained at least that long. */
export function accuracyAt(curve: RunCurve, hours: number): AccuracyPoint | undefined {
  if (curve.trainHours < hours) return undefined;
  return curve.knn.filter((point) => point.hours <= hours).at(-1);
}

/** `72.1%`, or an em dash for none. */
function percent(point: AccuracyPoint | undefined): string {
  return point ? `${point.top1.toFixed(1)}%` : '—';
}

/** `72.1% (2.50 h)`, or an em dash for none. */
function percentWhen(point: AccuracyPoint | undefined): string {
  return point ? `${point.top1.toFixed(1)}% (${formatHours(point.hours)})` : '—';
}

/** A table cell: pipes escaped. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/**
 * The markdown table of time to accuracy for docs/results.md, one row per run and backbone: the
 * k-NN top-1 at each budget (the last evaluation within it; a dash when the run trained less), the
 * best and the last k-NN top-1 with the training hours they came at, the last linear-probe top-1,
 * the hours of training and the median images per second of the steps.
 *
 * @example
 * ```ts
 * console.log(timeToAccuracyTable(readRunCurves('runs/mae-fast'), { budgets: [1, 3] }));
 * ```
 */
export function timeToAccuracyTable(curves: readonly RunCurve[], options: TimeToAccuracyTableOptions = {}): string {
  const budgets = options.budgets ?? [1, 2, 3];
  const header = [
    'run',
    'method',
    'backbone',
    'held out',
    ...budgets.map((hours) => `k-NN top-1 at ${formatHours(hours)}`),
    'best k-NN top-1 (at)',
    'last k-NN top-1 (at)',
    'linear probe top-1 (at)',
    'training',
    'images/s (median)',
  ];
  const rows = curves.map((curve) => {
    const best = curve.knn.reduce<AccuracyPoint | undefined>((found, point) => (!found || point.top1 > found.top1 ? point : found), undefined);
    return [
      curve.run,
      curve.method,
      curve.which,
      curve.heldOut,
      ...budgets.map((hours) => percent(accuracyAt(curve, hours))),
      percentWhen(best),
      percentWhen(curve.knn.at(-1)),
      percentWhen(curve.linear.at(-1)),
      formatHours(curve.trainHours),
      curve.imagesPerSecond === undefined ? '—' : curve.imagesPerSecond.toFixed(1),
    ];
  });
  const align = header.map((_, i) => (i < 4 ? '---' : '---:'));
  return [header, align, ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n') + '\n';
}
