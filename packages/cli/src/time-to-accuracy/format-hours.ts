/**
 * Training time for tables: `2.50 h` from 0.1 h on, `4.2 min` from 0.1 min on, else `3.1 s`
 * (short runs of tests and pilots stay readable).
 *
 * @example
 * ```ts
 * formatHours(2.5); // '2.50 h'
 * ```
 */
export function formatHours(hours: number): string {
  if (hours >= 0.1) return `${hours.toFixed(2)} h`;
  const minutes = hours * 60;
  return minutes >= 0.1 ? `${minutes.toFixed(1)} min` : `${(minutes * 60).toFixed(1)} s`;
}
