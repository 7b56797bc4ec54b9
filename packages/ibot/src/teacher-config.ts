import { z } from 'zod';

/** The EMA teacher. */
export const teacherConfigSchema = z.strictObject({
  momentum: z.number().min(0).max(1).default(0.996).describe('Initial EMA momentum (cosine to finalMomentum)'),
  finalMomentum: z.number().min(0).max(1).default(1),
});
