import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { expectClose, loadFixture } from '@selfsup/testing';
import { cosineSchedule } from '@selfsup/optim';
import { momentumSchedule } from './momentum-schedule.js';

interface CosineCase {
  args: { base_value: number; final_value: number; epochs: number; niter_per_ep: number; warmup_epochs: number; start_warmup_value: number };
  values: number[];
}

const fixture = loadFixture<{ cases: CosineCase[] }>('cosine-scheduler.json');

describe('momentumSchedule', () => {
  // the momentum schedule is the official cosine_scheduler without warm-up
  for (const c of fixture.cases.filter((k) => k.args.warmup_epochs === 0)) {
    it(`equals utils.cosine_scheduler(${c.args.base_value}, ${c.args.final_value}, ${c.args.epochs}, ${c.args.niter_per_ep})`, () => {
      const schedule = momentumSchedule({ base: c.args.base_value, final: c.args.final_value, totalSteps: c.args.epochs * c.args.niter_per_ep });
      expect(schedule.length).toBe(c.values.length);
      // double-precision host arithmetic, as NumPy's
      expectClose(Array.from({ length: schedule.length }, (_, i) => schedule.at(i)), c.values, { rtol: 1e-12, atol: 1e-15 });
    });
  }

  it('goes from 0.996 towards 1 by a half cosine (hand-derived)', () => {
    const s = momentumSchedule({ totalSteps: 4 });
    expect(s.at(0)).toBeCloseTo(0.996, 15);
    // 1 - 0.002 (1 + cos(pi / 4)) = 0.99658578...
    expect(s.at(1)).toBeCloseTo(1 - 0.002 * (1 + Math.SQRT1_2), 15);
    expect(s.at(2)).toBeCloseTo(0.998, 15); // cos(pi / 2) = 0
    expect(s.at(10)).toBe(s.at(3)); // clamped
  });

  it("is optim's one cosine curve without warm-up, bit for bit (a deprecated alias)", () => {
    const alias = momentumSchedule({ base: 0.99, final: 1, totalSteps: 7 });
    const curve = cosineSchedule({ baseValue: 0.99, finalValue: 1, iterations: 7 });
    expect(alias.length).toBe(7);
    expect(Array.from({ length: 8 }, (_, i) => alias.at(i))).toEqual(Array.from({ length: 8 }, (_, i) => curve.at(i)));
  });

  it('rejects bad options', () => {
    expect(() => momentumSchedule({ totalSteps: 0 })).toThrow(SslError);
    expect(() => momentumSchedule({ totalSteps: 4, base: 1.5 })).toThrow(/base/);
    expect(() => momentumSchedule({ totalSteps: 4 }).at(-1)).toThrow(SslError);
  });
});
