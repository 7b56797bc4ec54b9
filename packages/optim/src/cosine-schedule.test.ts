import { describe, expect, it } from 'vitest';
import { loadFixture } from '@selfsup/testing';
import { isSslError } from '@selfsup/core';
import { cosineSchedule } from './cosine-schedule.js';
import { perEpoch } from './per-epoch.js';

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

  it('takes the run in iterations (dinov2 total_iters), equal to the same run in epochs', () => {
    const inEpochs = cosineSchedule({ baseValue: 1, finalValue: 0.1, epochs: 3, iterationsPerEpoch: 4, warmupEpochs: 1 });
    const inIterations = cosineSchedule({ baseValue: 1, finalValue: 0.1, iterations: 12, warmupIterations: 4 });
    expect([...inIterations.values()]).toEqual([...inEpochs.values()]);
  });

  it("holds startWarmupValue before the warm-up (iBOT's mim_start_epoch, dinov2's freeze_iters)", () => {
    // hold 2: [0, 0]; warm-up linspace(0, 1, 2) = [0, 1]; cosine K = 2: [1, 0.5 * (1 + cos(pi / 2)) = 0.5]
    const schedule = cosineSchedule({ baseValue: 1, finalValue: 0, iterations: 6, holdIterations: 2, warmupIterations: 2 });
    expect([...schedule.values()].map((v) => Number(v.toFixed(12)))).toEqual([0, 0, 0, 1, 1, 0.5]);
    const inEpochs = cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 3, iterationsPerEpoch: 2, holdEpochs: 1, warmupEpochs: 1 });
    expect([...inEpochs.values()]).toEqual([...schedule.values()]);
  });

  it('is a warm-up then exactly the base value when finalValue equals baseValue (the teacher temperature)', () => {
    // linspace(0.04, 0.07, 4) = [0.04, 0.05, 0.06, 0.07] (step 0.01), then 0.07 exactly: 0.07 + 0.5 * 0 * (...)
    const values = cosineSchedule({ baseValue: 0.07, finalValue: 0.07, startWarmupValue: 0.04, iterations: 6, warmupIterations: 4 }).values();
    [0.04, 0.05, 0.06].forEach((e, i) => expect(values[i]).toBeCloseTo(e, 15));
    expect([...values.slice(3)]).toEqual([0.07, 0.07, 0.07]);
  });

  it("changes once per epoch with updateEvery 'epoch': the curve over epochs, each value held for the epoch's iterations", () => {
    // over 3 epochs: warm-up linspace(0.2, 1, 1) = [0.2]; cosine K = 2: [1, 0.5]; 2 iterations per epoch
    const schedule = cosineSchedule({
      baseValue: 1,
      finalValue: 0,
      startWarmupValue: 0.2,
      warmupEpochs: 1,
      epochs: 3,
      iterationsPerEpoch: 2,
      updateEvery: 'epoch',
    });
    expect(schedule.length).toBe(6);
    expect([...schedule.values()].map((v) => Number(v.toFixed(12)))).toEqual([0.2, 0.2, 1, 1, 0.5, 0.5]);
    // the same values as the curve over epochs (one iteration each) expanded by perEpoch
    const curve = cosineSchedule({ baseValue: 1, finalValue: 0, startWarmupValue: 0.2, warmupEpochs: 1, epochs: 3, iterationsPerEpoch: 1 });
    expect([...perEpoch(curve.values(), 2).values()]).toEqual([...schedule.values()]);
  });

  it("warms up towards the base value, reached on the first cosine step, with warmupIncludesBase false (MAE's lr_sched)", () => {
    // W = 1.5 iterations (0.5 epoch x 3): i = 0, 1: 1 * i / 1.5 = 0, 0.6667; then 0.5 * (1 + cos(pi * (i - 1.5) / 4.5))
    // for i = 2..5: x = 0.5, 1.5, 2.5, 3.5 -> 0.96985, 0.75, 0.41318, 0.11698
    const schedule = cosineSchedule({ baseValue: 1, finalValue: 0, epochs: 2, iterationsPerEpoch: 3, warmupEpochs: 0.5, warmupIncludesBase: false });
    const expected = [0, 2 / 3, 0.9698463103929542, 0.75, 0.4131759111665348, 0.116977778440511];
    expected.forEach((e, i) => expect(schedule.at(i)).toBeCloseTo(e, 14));
  });

  it('refuses lengths given twice, in the wrong unit, fractional for linspace, or missing iterationsPerEpoch', () => {
    const fails = (options: Parameters<typeof cosineSchedule>[0], pattern: RegExp) => {
      let error: unknown;
      try {
        cosineSchedule(options);
      } catch (e) {
        error = e;
      }
      expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    };
    const base = { baseValue: 1, finalValue: 0 };
    fails({ ...base, iterations: 4, epochs: 2 }, /options\.iterations\): expected either options\.iterations or options\.epochs, not both/);
    fails({ ...base }, /options\.epochs\): expected the run length/);
    fails({ ...base, epochs: 2 }, /options\.iterationsPerEpoch\): expected an integer >= 1 \(the run is given in epochs\)/);
    fails({ ...base, iterations: 4, warmupEpochs: 1 }, /options\.iterationsPerEpoch\): .*warmupEpochs is in epochs/);
    fails({ ...base, iterations: 4, warmupEpochs: 0.5, iterationsPerEpoch: 2 }, /options\.warmupEpochs\): expected an integer/);
    fails({ ...base, epochs: 2, iterationsPerEpoch: 2, warmupIterations: 1, updateEvery: 'epoch' }, /options\.warmupIterations\): .*with updateEvery 'epoch'.*options\.warmupEpochs/);
    fails({ ...base, epochs: 2, updateEvery: 'epoch' }, /options\.iterationsPerEpoch\): .*updateEvery is 'epoch'/);
    fails({ ...base, iterations: 4, holdIterations: 2, warmupIterations: 3 }, /options\.warmupIterations\): expected a hold and warm-up no longer than the run \(4 iterations\), got "?2 \+ 3 iterations/);
    fails({ ...base, iterations: 4, updateEvery: 'step' as 'epoch' }, /options\.updateEvery/);
  });
});
