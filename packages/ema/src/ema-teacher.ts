import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNumber, checkOptions, type Module, type Parameter } from '@selfsup/core';

/** Options of {@link createEmaTeacher}. */
export interface EmaTeacherOptions<T extends Module = Module> {
  /** The network the teacher follows. */
  student: Module;
  /**
   * A separately created network with the same PyTorch names (e.g. `createVit` and
   * `createIbotHead` called again with the student's options), which the teacher then drives: it
   * is frozen (`trainable` off) and its variables follow the student. The EMA teacher takes
   * ownership: its `dispose` disposes this module. Without it, the teacher holds copies of the
   * student's variables (an EMA of the weights, to export or evaluate).
   */
  teacher?: T;
  /**
   * Start from the student's current values (as the official code's `load_state_dict`). Turn off
   * to keep the given teacher's values, e.g. when resuming from a checkpoint.
   * @defaultValue true
   */
  copyStudent?: boolean;
  /**
   * Which of the names both networks have the teacher follows. By default, all but BatchNorm's
   * buffers (`running_mean`, `running_var`, `num_batches_tracked`) and computed buffers (a
   * parameter with `buffer: 'computed'`, e.g. Swin's `relative_position_index`), which the official
   * code does not average (it averages `named_parameters()` only).
   */
  follows?: (name: string) => boolean;
}

/** An exponential moving average of a student network. */
export interface EmaTeacher<T extends Module = Module> extends Module {
  /** The module given as `teacher`, now frozen; `undefined` when the teacher holds copies. */
  readonly module: T | undefined;
  /** Names the teacher follows, in the teacher's order. */
  readonly followedNames: readonly string[];
  /** Names of the student that the teacher lacks (e.g. iBOT's `masked_embed`), ignored. */
  readonly studentOnlyNames: readonly string[];
  /**
   * Moves every followed variable towards the student's:
   * `teacher = momentum * teacher + (1 - momentum) * student`, matched by name.
   *
   * @param momentum - in `[0, 1]`, usually a schedule's value at the iteration
   *   (`cosineSchedule({ baseValue: 0.996, finalValue: 1, ... }).at(iteration)` of `@selfsup/optim`).
   * @throws SslError `SHAPE_MISMATCH` naming the parameter when shapes differ, `INVALID_ARGUMENT`
   *   when a followed name is missing from `student`.
   */
  update(student: Module, momentum: number): void;
}

const BATCH_NORM_BUFFER = /(^|\.)(running_mean|running_var|num_batches_tracked)$/;

interface Pair {
  readonly name: string;
  readonly teacher: tf.Variable;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The student's parameters by name, the first entry of each name (aliases list a variable again). */
function byName(parameters: readonly Parameter[]): Map<string, Parameter> {
  const map = new Map<string, Parameter>();
  for (const p of parameters) if (!map.has(p.name)) map.set(p.name, p);
  return map;
}

function mismatch(name: string, teacherShape: readonly number[], studentShape: readonly number[]): SslError {
  return new SslError(
    'SHAPE_MISMATCH',
    `EMA teacher: parameter "${name}" is ${shapeText(teacherShape)} in the teacher but ${shapeText(studentShape)} in the student. ` +
      'Build the teacher with the same options as the student (sizes, depth, head widths).',
    { details: { name, teacherShape, studentShape } },
  );
}

/**
 * Creates the momentum (mean) teacher of BYOL, DINO and iBOT: a copy of the student whose
 * variables are never trained but follow the student's as an exponential moving average,
 * `teacher = m * teacher + (1 - m) * student`, matched by PyTorch name over the names both have
 * (as iBOT, whose teacher has no mask token). Teacher variables are not trainable.
 *
 * @example
 * ```ts
 * const vitOptions = { preset: 'tiny', imageSize: 32, patchSize: 4, depth: 2 } as const;
 * const student = createVit(vitOptions);
 * const teacher = createEmaTeacher({ student, teacher: createVit(vitOptions) }); // starts as a copy
 * const momentum = cosineSchedule({ baseValue: 0.996, finalValue: 1, iterations: 1000 }); // @selfsup/optim
 * const { classToken } = teacher.module!.encode(tf.randomUniform([2, 32, 32, 3]) as tf.Tensor4D); // teacher forward, before the student's tape
 * // ... the student's optimizer step, then:
 * teacher.update(student, momentum.at(0));
 * ```
 */
export function createEmaTeacher<T extends Module = Module>(options: EmaTeacherOptions<T>): EmaTeacher<T> {
  const { student, teacher: given, copyStudent = true, follows: givenFollows } = checkOptions('createEmaTeacher(options)', options);
  if (!student || typeof student.parameters !== 'function') {
    throw new SslError('INVALID_ARGUMENT', 'createEmaTeacher(options.student): expected a Module (an object with parameters()), got ' + String(student) + '.');
  }
  const studentParameters = byName(student.parameters());
  const follows = givenFollows ?? ((name: string) => followedByDefault(name, studentParameters.get(name)));
  let teacherParameters: Parameter[];
  if (given) {
    if (typeof given.parameters !== 'function') {
      throw new SslError('INVALID_ARGUMENT', 'createEmaTeacher(options.teacher): expected a Module (an object with parameters()).');
    }
    const teacherList = given.parameters();
    const shared = new Set<tf.Variable>();
    for (const p of studentParameters.values()) shared.add(p.variable);
    for (const p of teacherList) {
      if (shared.has(p.variable)) {
        throw new SslError(
          'INVALID_ARGUMENT',
          `createEmaTeacher(options.teacher): parameter "${p.name}" is the student's own variable. Create the teacher as a separate module with the same options.`,
        );
      }
      const s = studentParameters.get(p.name);
      if (s && follows(p.name) && !sameShape(s.variable.shape, p.variable.shape)) throw mismatch(p.name, p.variable.shape, s.variable.shape);
    }
    teacherParameters = teacherList.map((p) => ({ ...p, trainable: false }));
  } else {
    teacherParameters = [...studentParameters.values()].map((p) => ({
      ...p,
      variable: tf.tidy(() => tf.variable(p.variable.clone(), false)),
      trainable: false,
    }));
  }
  for (const p of teacherParameters) p.variable.trainable = false;

  // pairs by name, each teacher variable once (a shared head lists last_layer.* again as last_layer2.*)
  const pairs: Pair[] = [];
  const seen = new Set<tf.Variable>();
  for (const p of teacherParameters) {
    if (seen.has(p.variable) || !studentParameters.has(p.name) || !follows(p.name)) continue;
    seen.add(p.variable);
    pairs.push({ name: p.name, teacher: p.variable });
  }
  if (pairs.length === 0) {
    throw new SslError(
      'INVALID_ARGUMENT',
      'createEmaTeacher: the teacher and the student have no parameter name in common. Build the teacher with the same factory and options as the student.',
    );
  }
  const teacherNames = new Set(teacherParameters.map((p) => p.name));
  const studentOnlyNames = [...studentParameters.keys()].filter((name) => !teacherNames.has(name));
  let disposed = false;

  function update(current: Module, momentum: number): void {
    if (disposed) throw new SslError('DISPOSED', 'emaTeacher.update: this teacher was disposed; create a new one.');
    checkNumber('emaTeacher.update(momentum)', momentum, 0, 1);
    const sources = byName(current.parameters());
    const variables: [tf.Variable, tf.Variable][] = pairs.map(({ name, teacher }) => {
      const s = sources.get(name);
      if (!s) {
        throw new SslError('INVALID_ARGUMENT', `emaTeacher.update(student): the student has no parameter "${name}", which the teacher follows. Pass the student the teacher was created from.`);
      }
      if (!sameShape(s.variable.shape, teacher.shape)) throw mismatch(name, teacher.shape, s.variable.shape);
      return [teacher, s.variable];
    });
    tf.tidy('emaTeacher.update', () => {
      for (const [teacher, source] of variables) teacher.assign(tf.add(tf.mul(teacher, momentum), tf.mul(source, 1 - momentum)));
    });
  }

  if (copyStudent && given) {
    // as the official load_state_dict(student.state_dict()): every common name, buffers included
    tf.tidy('emaTeacher.copy', () => {
      const copied = new Set<tf.Variable>();
      for (const p of teacherParameters) {
        const s = studentParameters.get(p.name);
        if (!s || copied.has(p.variable)) continue;
        if (!sameShape(s.variable.shape, p.variable.shape)) throw mismatch(p.name, p.variable.shape, s.variable.shape);
        copied.add(p.variable);
        p.variable.assign(s.variable);
      }
    });
  }

  return {
    module: given,
    followedNames: pairs.map((p) => p.name),
    studentOnlyNames,
    parameters: () => teacherParameters,
    update,
    dispose() {
      if (disposed) return;
      disposed = true;
      if (given) given.dispose();
      else for (const p of teacherParameters) p.variable.dispose();
    },
  };
}

/** The default rule: every name but BatchNorm's statistics and the buffers an architecture computes. */
function followedByDefault(name: string, parameter: Parameter | undefined): boolean {
  return !BATCH_NORM_BUFFER.test(name) && parameter?.buffer !== 'computed';
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
