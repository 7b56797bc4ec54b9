import { describe, expect, it } from 'vitest';
import { checkInteger, checkNumber, checkPositive, checkShape, invalidArgument, invariant } from './invariant.js';
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
});
