import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { ibotConfigSchema } from './ibot-config.js';
import { ibotTeacherTemperatures } from './ibot-teacher-temperatures.js';

describe('ibotTeacherTemperatures', () => {
  it("counts in iterations and holds each epoch's temperature for all its iterations, as iBOT's teacher_temp_schedule[epoch]", () => {
    // 4 epochs of 3 iterations, warm-up 2 epochs, masking (and the patch warm-up) from epoch 1:
    // [CLS]: linspace(0.03, 0.07, 2) = [0.03, 0.07], then 0.07 -> per epoch [0.03, 0.07, 0.07, 0.07]
    // patch: 1 epoch at 0.02, linspace(0.02, 0.08, 2) = [0.02, 0.08], then 0.08 -> [0.02, 0.02, 0.08, 0.08]
    const config = ibotConfigSchema.parse({
      epochs: 4,
      masking: { startEpoch: 1 },
      loss: {
        warmupTeacherTemperature: 0.03,
        teacherTemperature: 0.07,
        warmupPatchTeacherTemperature: 0.02,
        patchTeacherTemperature: 0.08,
        warmupTeacherTemperatureEpochs: 2,
      },
    });
    const { classTemperature, patchTemperature } = ibotTeacherTemperatures(config, 3);
    const everyIteration = (epochValues: number[]) => epochValues.flatMap((value) => [value, value, value]);
    expect(classTemperature.length).toBe(12);
    expect(Array.from({ length: 12 }, (_, i) => classTemperature.at(i))).toEqual(everyIteration([0.03, 0.07, 0.07, 0.07]));
    expect(Array.from({ length: 12 }, (_, i) => patchTemperature.at(i))).toEqual(everyIteration([0.02, 0.02, 0.08, 0.08]));
  });

  it('needs the iterations per epoch', () => {
    let error: unknown;
    try {
      ibotTeacherTemperatures(ibotConfigSchema.parse({}), undefined as unknown as number);
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/ibotTeacherTemperatures\(iterationsPerEpoch\)/);
  });
});
