import { describe, expect, it } from 'vitest';
import { METHODS } from '@selfsup/ibot';
import { controlsOf, iterationsPerEpochOf, methodKeysOf, playgroundConfig, withControls } from './presets.js';

describe('playgroundConfig', () => {
  it("is the method's example on the bundled subset at the size asked for, valid for the method's schema", () => {
    for (const method of ['ibot', 'dino', 'mae'] as const) {
      for (const size of ['readme', 'tiny'] as const) {
        const config = playgroundConfig(method, size);
        expect(config.method).toBe(method);
        expect(config.data).toEqual({ dataset: 'fashion-mnist-subset', heldOut: 'test' });
        const definition = METHODS.find((m) => m.name === method)!;
        const parsed = definition.schema.parse(methodKeysOf(config)) as { backbone: { embedDim: number }; batchSize: number };
        expect(parsed.backbone.embedDim).toBe(size === 'readme' ? 64 : 32);
        expect(definition.check?.(parsed as never) ?? []).toEqual([]);
      }
    }
  });

  it('sets overrides last, and counts the steps of an epoch as selfsup pretrain does', () => {
    const config = playgroundConfig('ibot', 'tiny', [['batchSize', 8], ['optimizer.warmupEpochs', 0]]);
    expect(config.batchSize).toBe(8);
    expect((config.optimizer as { warmupEpochs: number }).warmupEpochs).toBe(0);
    expect(iterationsPerEpochOf(config)).toBe(125); // floor(1000 / 8)
    expect(iterationsPerEpochOf({ ...config, run: { maxStepsPerEpoch: 5 } })).toBe(5);
    expect(() => iterationsPerEpochOf({ batchSize: 2000 })).toThrow(/batchSize: expected 1 to 1000/);
  });
});

describe('withControls', () => {
  it('writes only the keys whose control moved, holding each value constant', () => {
    const config = playgroundConfig('ibot', 'tiny');
    const start = controlsOf(config);
    expect(start).toEqual({ teacherTemperature: 0.04, momentum: 0.996, maskRatio: 0.3 });
    expect(withControls(config, start, start)).toEqual(config);
    const warmer = withControls(config, { ...start, teacherTemperature: 0.2 }, start) as { loss: Record<string, number>; teacher: Record<string, number> };
    expect(warmer.loss.teacherTemperature).toBe(0.2);
    expect(warmer.loss.warmupTeacherTemperature).toBe(0.2);
    expect(warmer.teacher).toEqual((config as { teacher: unknown }).teacher);
    const still = withControls(config, { ...start, momentum: 0 }, start) as { teacher: Record<string, number> };
    expect(still.teacher).toMatchObject({ momentum: 0, finalMomentum: 0 });
    const masked = withControls(config, { ...start, maskRatio: 0.5 }, start) as { masking: Record<string, unknown> };
    expect(masked.masking).toMatchObject({ ratio: 0.5, variance: 0 });
  });

  it("ignores the controls a method does not read (MAE has no teacher, DINO no masks)", () => {
    const mae = playgroundConfig('mae', 'tiny');
    const start = controlsOf(mae);
    expect(start.maskRatio).toBe(0.75);
    expect(withControls(mae, { ...start, teacherTemperature: 0.3, momentum: 0.5 }, start)).toEqual(mae);
    expect((withControls(mae, { ...start, maskRatio: 0.5 }, start).masking as { ratio: number }).ratio).toBe(0.5);
    const dino = playgroundConfig('dino', 'tiny');
    expect(withControls(dino, { ...controlsOf(dino), maskRatio: 0.6 }, controlsOf(dino))).toEqual(dino);
  });
});
