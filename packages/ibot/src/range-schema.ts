import { z } from 'zod';

/** A `[min, max]` pair of numbers within `[low, high]` (crop scales). */
export function rangeSchema(low: number, high: number) {
  return z.tuple([z.number().min(low).max(high), z.number().min(low).max(high)]);
}
