/** What `npm run bench` (scripts/bench.ts) passes to a benchmark module's default export. */
export interface BenchContext {
  /** True when SELFSUP_BENCH_QUICK=1 or CI is set: fewer repetitions, smaller sizes. */
  readonly quick: boolean;
  /** Prints a line of the report. */
  log(line: string): void;
}
