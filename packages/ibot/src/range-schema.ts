import { z } from 'zod';

/**
 * A `[min, max]` pair of numbers within `(low, high]` with `min <= max` (crop scales: a crop's
 * share of the image's area, which must be above 0).
 */
export function rangeSchema(low: number, high: number) {
  return z
    .tuple([z.number().gt(low).max(high), z.number().gt(low).max(high)])
    .refine(([min, max]) => min <= max, { message: `[min, max] with min <= max, both in (${low}, ${high}]; swap the two numbers` });
}
