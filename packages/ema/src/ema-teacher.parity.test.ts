import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { Module, Parameter } from '@selfsup/core';
import { expectClose, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createEmaTeacher } from './ema-teacher.js';

interface TrainStepFixture {
  hyper: { momentum: number };
  initial: { student: Record<string, FixtureTensor>; teacher: Record<string, FixtureTensor> };
  steps: { student: Record<string, FixtureTensor>; teacher: Record<string, FixtureTensor> }[];
}

const fixture = loadFixture<TrainStepFixture>('ibot-train-step.json');

/** A module holding the fixture's tensors under their names (layout is irrelevant to an element-wise EMA). */
function moduleFrom(records: Record<string, FixtureTensor>): Module {
  const parameters: Parameter[] = Object.entries(records).map(([name, t]) => ({
    name,
    variable: tf.variable(tf.tensor(t.data, t.shape)),
    trainable: true,
  }));
  return { parameters: () => parameters, dispose: () => parameters.forEach((p) => p.variable.dispose()) };
}

describe('createEmaTeacher parity with the official iBOT teacher update (ibot-train-step.json)', () => {
  it('gives the official teacher after every step from the updated student', () => {
    // the official teacher has no masked_embed: it follows the names both have
    const teacher = createEmaTeacher({ student: moduleFrom(fixture.initial.student), teacher: moduleFrom(fixture.initial.teacher), copyStudent: false });
    expect(teacher.studentOnlyNames).toEqual(Object.keys(fixture.initial.student).filter((n) => !(n in fixture.initial.teacher)));
    expect(teacher.followedNames.length).toBe(Object.keys(fixture.initial.teacher).length);
    fixture.steps.forEach((step, index) => {
      const student = moduleFrom(step.student);
      teacher.update(student, fixture.hyper.momentum);
      for (const p of teacher.parameters()) {
        const expected = step.teacher[p.name]!;
        // rtol 1e-5; atol 1e-6 for parameters near zero (float32 rounding of m*t + (1-m)*s is absolute)
        expectClose(p.variable, expected, { rtol: 1e-5, atol: 1e-6 }, `step ${index}: ${p.name}`);
      }
      student.dispose();
    });
    teacher.dispose();
  });
});
