import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, exportStateDict, type Module, type Parameter } from '@selfsup/core';
import { expectClose } from '@selfsup/testing';
import { createEmaTeacher } from './ema-teacher.js';

/** A module from (name, values) pairs; `alias` lists the first variable again under another name. */
function moduleOf(entries: [string, number[]][], alias?: string): Module {
  const parameters: Parameter[] = entries.map(([name, values]) => ({ name, variable: tf.variable(tf.tensor1d(values)), trainable: true }));
  if (alias) parameters.push({ ...parameters[0]!, name: alias, trainable: false });
  return {
    parameters: () => parameters,
    dispose: () => parameters.forEach((p) => {
      if (!p.variable.isDisposed) p.variable.dispose();
    }),
  };
}

async function values(teacher: Module, name: string): Promise<number[]> {
  return Array.from(await teacher.parameters().find((p) => p.name === name)!.variable.data());
}

describe('createEmaTeacher', () => {
  it('follows the student: teacher = m * teacher + (1 - m) * student (hand-derived)', async () => {
    const student = moduleOf([['w', [1, 2]]]);
    const teacher = createEmaTeacher({ student, teacher: moduleOf([['w', [0, 0]]]), copyStudent: false });
    teacher.update(student, 0.9);
    // 0.9 * [0, 0] + 0.1 * [1, 2] = [0.1, 0.2]
    expectClose(await values(teacher, 'w'), [0.1, 0.2], { rtol: 1e-6 });
    teacher.update(student, 0.5);
    // 0.5 * [0.1, 0.2] + 0.5 * [1, 2] = [0.55, 1.1]
    expectClose(await values(teacher, 'w'), [0.55, 1.1], { rtol: 1e-6 });
    teacher.update(student, 1);
    expectClose(await values(teacher, 'w'), [0.55, 1.1], { rtol: 1e-6 });
    teacher.dispose();
    student.dispose();
  });

  it('starts as a copy of the student and is never trainable', async () => {
    const student = moduleOf([['a', [1, 2]], ['b', [3]]]);
    const copy = createEmaTeacher({ student });
    expect(copy.module).toBeUndefined();
    expect(copy.parameters().map((p) => [p.name, p.trainable, p.variable.trainable])).toEqual([
      ['a', false, false],
      ['b', false, false],
    ]);
    expect(await values(copy, 'a')).toEqual([1, 2]);
    // copies, not the student's variables
    expect(copy.parameters()[0]!.variable).not.toBe(student.parameters()[0]!.variable);
    expect([...(await exportStateDict(copy)).keys()]).toEqual(['a', 'b']);
    const given = moduleOf([['a', [0, 0]], ['b', [0]]]);
    const driven = createEmaTeacher({ student, teacher: given });
    expect(driven.module).toBe(given);
    expect(await values(driven, 'b')).toEqual([3]);
    expect(given.parameters().every((p) => !p.variable.trainable)).toBe(true);
    copy.dispose();
    driven.dispose();
    expect(given.parameters()[0]!.variable.isDisposed).toBe(true); // the teacher owns the given module
    student.dispose();
  });

  it('updates a variable listed twice (a shared head) once, and ignores names the teacher lacks', async () => {
    const student = moduleOf([['last_layer.weight_v', [1]], ['masked_embed', [5]]], 'last_layer2.weight_v');
    const teacher = createEmaTeacher({ student, teacher: moduleOf([['last_layer.weight_v', [0]]], 'last_layer2.weight_v'), copyStudent: false });
    expect(teacher.followedNames).toEqual(['last_layer.weight_v']);
    expect(teacher.studentOnlyNames).toEqual(['masked_embed']);
    teacher.update(student, 0.5);
    expect(await values(teacher, 'last_layer2.weight_v')).toEqual([0.5]); // once: 0.5 * 0 + 0.5 * 1, not 0.75
    teacher.dispose();
    student.dispose();
  });

  it("copies BatchNorm buffers at creation but does not average them (the official code averages parameters only)", async () => {
    const student = moduleOf([['mlp.1.weight', [2]], ['mlp.1.running_mean', [4]]]);
    const teacher = createEmaTeacher({ student, teacher: moduleOf([['mlp.1.weight', [0]], ['mlp.1.running_mean', [0]]]) });
    expect(await values(teacher, 'mlp.1.running_mean')).toEqual([4]);
    expect(teacher.followedNames).toEqual(['mlp.1.weight']);
    student.parameters()[1]!.variable.assign(tf.tensor1d([8]));
    teacher.update(student, 0.5);
    expect(await values(teacher, 'mlp.1.running_mean')).toEqual([4]);
    teacher.dispose();
    student.dispose();
  });

  it("does not average a computed buffer (buffer: 'computed', Swin's relative_position_index) but copies it at creation", async () => {
    const withIndex = (weight: number, index: number): Module => {
      const module = moduleOf([['layers.0.blocks.0.attn.proj.weight', [weight]]]);
      const buffer: Parameter = { name: 'layers.0.blocks.0.attn.relative_position_index', variable: tf.variable(tf.tensor1d([index]), false), trainable: false, buffer: 'computed' };
      const parameters = [...module.parameters(), buffer];
      return { parameters: () => parameters, dispose: () => parameters.forEach((p) => p.variable.dispose()) };
    };
    const student = withIndex(2, 4);
    const teacher = createEmaTeacher({ student, teacher: withIndex(0, 4) });
    expect(teacher.followedNames).toEqual(['layers.0.blocks.0.attn.proj.weight']);
    student.parameters()[1]!.variable.assign(tf.tensor1d([8])); // were it followed, 0.5 * 4 + 0.5 * 8 = 6
    teacher.update(student, 0.5);
    expect(await values(teacher, 'layers.0.blocks.0.attn.relative_position_index')).toEqual([4]);
    expect(await values(teacher, 'layers.0.blocks.0.attn.proj.weight')).toEqual([2]);
    // a given rule still decides
    const all = createEmaTeacher({ student, teacher: withIndex(0, 0), follows: () => true });
    expect(all.followedNames).toContain('layers.0.blocks.0.attn.relative_position_index');
    teacher.dispose();
    all.dispose();
    student.dispose();
  });

  it('rejects a teacher of another shape, naming the parameter, and other misuse', () => {
    const student = moduleOf([['blocks.0.attn.qkv.weight', [1, 2, 3]]]);
    const other = moduleOf([['blocks.0.attn.qkv.weight', [1, 2]]]);
    expect(() => createEmaTeacher({ student, teacher: other })).toThrow(/"blocks\.0\.attn\.qkv\.weight" is \[2\] in the teacher but \[3\] in the student/);
    expect(() => createEmaTeacher({ student, teacher: other })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => createEmaTeacher({ student, teacher: moduleOf([['other', [1]]]) })).toThrow(/no parameter name in common/);
    expect(() => createEmaTeacher({ student, teacher: student })).toThrow(/student's own variable/);
    const teacher = createEmaTeacher({ student });
    expect(() => teacher.update(other, 0.9)).toThrow(/\[3\] in the teacher but \[2\] in the student/);
    expect(() => teacher.update(moduleOf([['x', [1]]]), 0.9)).toThrow(/no parameter "blocks\.0\.attn\.qkv\.weight"/);
    expect(() => teacher.update(student, 1.5)).toThrow(SslError);
    teacher.dispose();
    expect(() => teacher.update(student, 0.9)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    other.dispose();
    student.dispose();
  });

  it('leaks no tensor: updates keep the count, dispose frees the copies', () => {
    const student = moduleOf([['a', [1, 2]], ['b', [3]]]);
    const before = tf.memory().numTensors;
    const teacher = createEmaTeacher({ student });
    const created = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) teacher.update(student, 0.99);
    expect(tf.memory().numTensors).toBe(created);
    teacher.dispose();
    expect(tf.memory().numTensors).toBe(before);
    student.dispose();
  });

  it('refuses null or missing options with INVALID_ARGUMENT, not a TypeError', () => {
    for (const options of [null, undefined]) {
      expect(() => createEmaTeacher(options as never)).toThrow(
        expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining('createEmaTeacher(options): expected an options object') }),
      );
    }
  });
});
