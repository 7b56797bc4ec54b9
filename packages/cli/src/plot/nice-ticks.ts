/**
 * Tick positions for an axis from `low` to `high`: multiples of a step of 1, 2 or 5 times a power
 * of ten, about `count` of them, covering the range (the range is widened to the outer ticks).
 *
 * @example
 * ```ts
 * niceTicks(0.3, 9.7, 5); // { low: 0, high: 10, step: 2, ticks: [0, 2, 4, 6, 8, 10] }
 * ```
 */
export function niceTicks(low: number, high: number, count = 5, options: { integer?: boolean } = {}): { low: number; high: number; step: number; ticks: number[] } {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return niceTicks(0, 1, count, options);
  if (high < low) [low, high] = [high, low];
  if (high === low) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  const raw = (high - low) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * power;
  if (options.integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(low / step + 1e-9) * step;
  const last = Math.ceil(high / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) ticks.push(roundTo(first + i * step, step));
  return { low: first, high: last, step, ticks };
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(20, decimals)));
}

/** A tick label: as few decimals as the step needs; exponent form for tiny or huge values. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    const text = value.toExponential(1);
    return text.replace(/\.0e/, 'e').replace('e+', 'e');
  }
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}
