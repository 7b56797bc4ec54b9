import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { decodeIdx } from './idx-format.js';
import { writeIdx } from './idx.js';

describe('decodeIdx', () => {
  it('decodes what writeIdx encodes, without node:zlib', () => {
    const array = { dtype: 'int16' as const, shape: [2, 3], data: Int16Array.of(1, -2, 300, -400, 5, 32767) };
    // header 00 00 0b 02, sizes 2 and 3, then 6 big-endian int16 values
    const bytes = writeIdx(array);
    expect(bytes.length).toBe(4 + 2 * 4 + 6 * 2);
    expect(decodeIdx(bytes, 'm.idx')).toEqual(array);
  });

  it('refuses gzipped bytes, a truncated file and an oversized header with errors naming the source', () => {
    const bytes = writeIdx({ dtype: 'uint8', shape: [4], data: Uint8Array.of(1, 2, 3, 4) });
    const cases: [Uint8Array, string, RegExp][] = [
      [new Uint8Array(gzipSync(bytes)), 'DATA_CORRUPT', /a\.gz: wrong magic number 1f 8b/],
      [bytes.subarray(0, bytes.length - 1), 'DATA_CORRUPT', /a\.gz: truncated: 11 bytes, but its header \[4\] of uint8 needs 12/],
    ];
    for (const [input, code, message] of cases) {
      const error = (() => {
        try {
          decodeIdx(input, 'a.gz');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(SslError);
      expect((error as SslError).code).toBe(code);
      expect((error as SslError).message).toMatch(message);
    }
    expect(() => decodeIdx(bytes, 'a.gz', 8)).toThrow(/needs 12 bytes, over the limit of 8 bytes/);
    expect(() => decodeIdx('x' as never)).toThrow(/decodeIdx\(raw\)/);
  });
});
