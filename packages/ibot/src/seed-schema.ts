import { z } from 'zod';

/**
 * A configuration's seed: a whole number from 0 to 2^53 - 2. The networks' heads and decoders
 * are seeded with `seed + 1`, which must stay a safe integer.
 */
export function seedSchema(description: string) {
  return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER - 1).default(0).describe(description);
}
