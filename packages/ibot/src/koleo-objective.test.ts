import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { koleoLoss } from '@selfsup/losses';
import { expectNoLeaks } from '@selfsup/testing';
import { koleoObjective } from './koleo-objective.js';

const context = { iteration: 0, epoch: 0, iterationsPerEpoch: 1, rng: createRng(0) };

describe('koleoObjective', () => {
  it("is the weighted sum of each global crop's KoLeo loss, neighbours searched within the crop", async () => {
    // 2 crops of 3 images: rows 0-2 crop 0, rows 3-5 crop 1
    const classTokens = tf.tensor2d([[1, 0], [0, 1], [1, 1], [2, 0], [0, -1], [-1, 1]]);
    const objective = koleoObjective(0.1);
    expect(objective.name).toBe('koleo');
    const { loss } = objective.compute({ classTokens }, undefined, { globalCropCount: 2 }, context);
    const crop0 = koleoLoss(tf.slice(classTokens, [0, 0], [3, 2]) as tf.Tensor2D);
    const crop1 = koleoLoss(tf.slice(classTokens, [3, 0], [3, 2]) as tf.Tensor2D);
    expect((await loss.data())[0]).toBeCloseTo(0.1 * ((await crop0.data())[0]! + (await crop1.data())[0]!), 6);
    // by hand for crop 0: unit rows (1,0), (0,1), (0.7071,0.7071); each one's nearest is the diagonal
    // (or, for the diagonal, the first at the lower index), at distance sqrt(2 - 2 * 0.7071) = 0.76537
    expect((await crop0.data())[0]).toBeCloseTo(-Math.log(Math.sqrt(2 - Math.SQRT2)), 4);
    const whole = koleoLoss(classTokens);
    expect(Math.abs((await loss.data())[0]! - 0.1 * (await whole.data())[0]!)).toBeGreaterThan(1e-3); // not one batch of 6
    await expectNoLeaks(() => objective.compute({ classTokens }, undefined, { globalCropCount: 2 }, context).loss, 'koleoObjective');
    tf.dispose([classTokens, loss, crop0, crop1, whole]);
    expect(() => koleoObjective(-1)).toThrow(/koleoObjective\(weight\)/);
  });
});
