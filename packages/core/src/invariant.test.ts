import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  checkInteger,
  checkNotDisposed,
  checkNumber,
  checkOptions,
  checkPositive,
  checkShape,
  invalidArgument,
  invariant,
} from './invariant.js';
import { SslError, isSslError } from './ssl-error.js';

describe('errors and invariants', () => {
  it('SslError carries a code, details and a cause', () => {
    const cause = new Error('inner');
    const e = new SslError('INVALID_CONFIG', 'bad', { cause, details: { key: 'lr' } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SslError');
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ key: 'lr' });
    expect(isSslError(e, 'INVALID_CONFIG')).toBe(true);
    expect(isSslError(e, 'SHAPE_MISMATCH')).toBe(false);
  });

  it('invalidArgument names the argument, expected and actual values, and the fix', () => {
    const e = invalidArgument({ argument: 'f(options.ratio)', expected: 'a number in [0, 1]', actual: 1.5, fix: 'Use 0.3.' });
    expect(e.message).toBe('f(options.ratio): expected a number in [0, 1], got 1.5. Use 0.3.');
    expect(e.details).toMatchObject({ argument: 'f(options.ratio)', actual: 1.5 });
  });

  it('checks integers, numbers, positives and shapes', () => {
    expect(checkInteger('n', 3, 1)).toBe(3);
    expect(() => checkInteger('n', 0, 1)).toThrow('n: expected an integer >= 1, got 0.');
    expect(() => checkInteger('n', 2.5)).toThrow('n: expected an integer, got 2.5.');
    expect(() => checkNumber('p', 2, 0, 1)).toThrow('p: expected a number in [0, 1], got 2.');
    expect(() => checkNumber('p', NaN)).toThrow(SslError);
    expect(() => checkPositive('t', 0)).toThrow('t: expected a finite number > 0, got 0.');
    expect(() => checkShape('mask', [2, 3], [2, null])).not.toThrow();
    expect(() => checkShape('mask', [2, 3], [2, 4], '[batch, patches]')).toThrow(
      'mask: expected shape [2, 4] ([batch, patches]), got [2, 3].',
    );
    expect(() => invariant(false, () => 'lazy message')).toThrow('lazy message');
  });

  it('checkOptions refuses null, arrays and primitives; undefined is {} only when the options are optional', () => {
    const options = { a: 1 };
    expect(checkOptions('f(options)', options)).toBe(options);
    expect(checkOptions('f(options)', undefined, true)).toEqual({});
    for (const bad of [null, [], 5, 'x', true]) {
      expect(() => checkOptions('f(options)', bad as unknown as object, true)).toThrow(
        `f(options): expected an options object (or nothing, for the defaults), got ${bad === null ? 'null' : Array.isArray(bad) ? '[]' : JSON.stringify(bad)}.`,
      );
    }
    expect(() => checkOptions('f(options)', undefined)).toThrow('f(options): expected an options object, got undefined.');
    expect(() => checkOptions('f(options)', null)).toThrow(expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT' }));
  });

  it('checkNotDisposed refuses a disposed tensor or variable with DISPOSED, naming the argument and shape', () => {
    const t = tf.zeros([2, 3]);
    checkNotDisposed('f(x)', t);
    checkNotDisposed('f(x)', undefined);
    checkNotDisposed('f(x)', 3);
    t.dispose();
    expect(() => checkNotDisposed('f(x)', t)).toThrow('f(x): the tensor of shape [2, 3] was disposed before this call.');
    expect(() => checkNotDisposed('f(x)', t)).toThrow(expect.objectContaining({ name: 'SslError', code: 'DISPOSED' }));
    const v = tf.variable(tf.zeros([1]));
    v.dispose();
    expect(() => checkNotDisposed('f(v)', v)).toThrow(/f\(v\): the tensor of shape \[1\] was disposed/);
  });
});
