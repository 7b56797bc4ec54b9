import { describe, expect, it } from 'vitest';
import { loadFixture } from '@selfsup/testing';
import { isSslError } from '@selfsup/core';
import { cosineSchedule } from './cosine-schedule.js';

interface CosineFixture {
  cases: {
    args: {
      base_value: number;
      final_value: number;
      epochs: number;
      niter_per_ep: number;
      warmup_epochs: number;
      start_warmup_value: number;
    };
    values: number[];
  }[];
}

describe('cosineSchedule', () => {
  it('equals iBOT utils.cosine_scheduler on every case of cosine-scheduler.json to 1e-9', () => {
    const fixture = loadFixture<CosineFixture>('cosine-scheduler.json');
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const { args, values } of fixture.cases) {
      const schedule = cosineSchedule({
        baseValue: args.base_value,
        finalValue: args.final_value,
        epochs: args.epochs,
        iterationsPerEpoch: args.niter_per_ep,
        warmupEpochs: args.warmup_epochs,
        startWarmupValue: args.start_warmup_value,
      });
      expect(schedule.length).toBe(values.length);
      const ours = schedule.values();
      values.forEach((expected, i) => {
        const diff = Math.abs(ours[i]! - expected);
        if (!(diff <= 1e-9)) throw new Error(`case ${JSON.stringify(args)} index ${i}: ${ours[i]} vs ${expected}`);
        expect(schedule.at(i)).toBe(ours[i]);
      });
    }
  });

  it('is a half cosine from base to final without warm-up (hand values)', () => {
    // K = 1 * 4 = 4 values: 0 + 0.5 * (1 - 0) * (1 + cos(pi * i / 4))
    // i=0: 0.5 * 2 = 1; i=1: 0.5 * (1 + 0.70710678) = 0.85355339; i=2: 0.5 * (1 + 0) = 0.5;
    // i=3: 0.5 * (1 - 0.70710678) = 0.14644661 (the final value 0 itself is never reached)
    const values = cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 1, iterationsPerEpoch: 4 }).values();
    const expected = [1, 0.8535533905932737, 0.5, 0.14644660940672627];
    expected.forEach((e, i) => expect(values[i]).toBeCloseTo(e, 14));
  });

  it('warms up linearly with both ends included, then starts the cosine at the base value', () => {
    // warm-up: linspace(0.2, 1, 1 epoch * 2) = [0.2, 1]; cosine over K = 2: [1, 0.5 * (1 + cos(pi/2)) = 0.5]
    const schedule = cosineSchedule({
      baseValue: 1,
      finalValue: 0,
      epochs: 2,
      iterationsPerEpoch: 2,
      warmupEpochs: 1,
      startWarmupValue: 0.2,
    });
    expect([...schedule.values()].map((v) => Number(v.toFixed(12)))).toEqual([0.2, 1, 1, 0.5]);
  });

  it('takes warmupIterations over warmupEpochs', () => {
    // 3 warm-up iterations: linspace(0, 1, 3) = [0, 0.5, 1]; then K = 1: [1]
    const schedule = cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 1, iterationsPerEpoch: 4, warmupIterations: 3 });
    expect([...schedule.values()]).toEqual([0, 0.5, 1, 1]);
  });

  it('gives the last value past the end, and throws for a negative iteration or a warm-up longer than the run', () => {
    const schedule = cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 1, iterationsPerEpoch: 3 });
    expect(schedule.at(3)).toBe(schedule.at(2));
    expect(schedule.at(1000)).toBe(schedule.at(2));
    expect(() => schedule.at(-1)).toThrow(/integer >= 0/);
    expect(() => schedule.at(0.5)).toThrow();
    let error: unknown;
    try {
      cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 2, iterationsPerEpoch: 3, warmupEpochs: 3 });
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(() => cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 2, iterationsPerEpoch: 0 })).toThrow(/iterationsPerEpoch/);
  });
});
