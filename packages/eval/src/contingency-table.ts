import { SslError, invalidArgument } from '@selfsup/core';

/** The contingency table of two labelings of the same items. */
export interface ContingencyTable {
  /** Items. */
  readonly count: number;
  /** Distinct labels of the first labeling (rows). */
  readonly rows: number;
  /** Distinct labels of the second labeling (columns). */
  readonly columns: number;
  /** `[rows, columns]` row-major: how many items have row label `i` and column label `j`. */
  readonly counts: Float64Array;
  /** `[rows]` items per label of the first labeling. */
  readonly rowSums: Float64Array;
  /** `[columns]` items per label of the second labeling. */
  readonly columnSums: Float64Array;
}

/**
 * Counts how many items carry each pair of labels (sklearn's `contingency_matrix`). Labels are any
 * integers; each labeling's distinct values become rows or columns in order of first appearance.
 *
 * @param labelsA - `[count]` the first labeling (e.g. the true classes).
 * @param labelsB - `[count]` the second labeling (e.g. k-means clusters).
 * @param caller - the public function, for error messages.
 */
export function contingencyTable(labelsA: ArrayLike<number>, labelsB: ArrayLike<number>, caller: string): ContingencyTable {
  const a = denseLabels(`${caller}(labelsA)`, labelsA);
  const b = denseLabels(`${caller}(labelsB)`, labelsB);
  if (a.labels.length !== b.labels.length) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${caller}(labelsB): expected ${a.labels.length} labels like labelsA, got ${b.labels.length}. Pass two labelings of the same items, in the same order.`,
      { details: { argument: `${caller}(labelsB)`, expected: a.labels.length, actual: b.labels.length } },
    );
  }
  const rows = a.distinct;
  const columns = b.distinct;
  const counts = new Float64Array(rows * columns);
  const rowSums = new Float64Array(rows);
  const columnSums = new Float64Array(columns);
  for (let i = 0; i < a.labels.length; i++) {
    const r = a.labels[i]!;
    const c = b.labels[i]!;
    counts[r * columns + c]!++;
    rowSums[r]!++;
    columnSums[c]!++;
  }
  return { count: a.labels.length, rows, columns, counts, rowSums, columnSums };
}

function denseLabels(argument: string, labels: ArrayLike<number>): { labels: Int32Array; distinct: number } {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw invalidArgument({ argument, expected: 'an array of integer labels', actual: labels });
  }
  const index = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label)) {
      throw invalidArgument({ argument: `${argument}[${i}]`, expected: 'an integer label', actual: label });
    }
    let dense = index.get(label);
    if (dense === undefined) {
      dense = index.size;
      index.set(label, dense);
    }
    out[i] = dense;
  }
  return { labels: out, distinct: index.size };
}
