import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isSslError, type SslError } from '@selfsup/core';
import { DEFAULT_MAX_IDX_BYTES, readIdx, writeIdx, type IdxArray } from './idx.js';

function expectCorrupt(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isSslError(error, 'DATA_CORRUPT'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

describe('readIdx', () => {
  it('reads a hand-written ubyte file: magic 00 00 08 <rank>, big-endian sizes, then bytes', () => {
    // 00 00 08 02 | 00 00 00 02 | 00 00 00 03 | 1 2 3 4 5 6  ->  uint8 [2, 3]
    const bytes = Uint8Array.of(0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6);
    const array = readIdx(bytes, 'tiny.idx');
    expect(array.dtype).toBe('uint8');
    expect(array.shape).toEqual([2, 3]);
    expect([...array.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads big-endian int32 and float32 values', () => {
    // int32 [2]: 00 00 01 00 = 256, ff ff ff fe = -2
    const ints = readIdx(Uint8Array.of(0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xfe));
    expect(ints.dtype).toBe('int32');
    expect([...ints.data]).toEqual([256, -2]);
    // float32 [1]: 3f c0 00 00 = 1.5
    const floats = readIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0));
    expect([...floats.data]).toEqual([1.5]);
  });

  it('detects gzip by its magic number 1f 8b', () => {
    const plain = Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9);
    const zipped = new Uint8Array(gzipSync(plain));
    expect([...readIdx(zipped, 'a.gz').data]).toEqual([7, 8, 9]);
  });

  it('round-trips every type through writeIdx, gzipped or not', () => {
    const arrays: IdxArray[] = [
      { dtype: 'uint8', shape: [2, 2], data: Uint8Array.of(0, 1, 254, 255) },
      { dtype: 'int8', shape: [3], data: Int8Array.of(-128, 0, 127) },
      { dtype: 'int16', shape: [2], data: Int16Array.of(-300, 300) },
      { dtype: 'int32', shape: [1, 2], data: Int32Array.of(-70000, 70000) },
      { dtype: 'float32', shape: [2], data: Float32Array.of(0.25, -3.5) },
      { dtype: 'float64', shape: [2], data: Float64Array.of(Math.PI, -1e-300) },
    ];
    for (const array of arrays) {
      for (const gzip of [false, true]) {
        const back = readIdx(writeIdx(array, { gzip }), array.dtype);
        expect(back.dtype).toBe(array.dtype);
        expect(back.shape).toEqual(array.shape);
        expect([...back.data]).toEqual([...array.data]);
      }
    }
  });

  it('names the file for a wrong magic number, an unknown type, a short or long file, and bad gzip', () => {
    expectCorrupt(() => readIdx(Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 1, 5), 'images.idx'), /images\.idx: wrong magic number 01 00 08 01/);
    expectCorrupt(() => readIdx(Uint8Array.of(0, 0, 0x07, 1, 0, 0, 0, 1, 5), 'images.idx'), /images\.idx: unknown IDX type byte 0x07/);
    expectCorrupt(() => readIdx(Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 2), 'images.idx'), /shorter than its 12-byte header/);
    // header [2, 2] needs 12 + 4 bytes: 3 given -> truncated, 5 given -> trailing bytes
    expectCorrupt(() => readIdx(Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3), 'cut.idx'), /cut\.idx: truncated: 15 bytes, .* needs 16/);
    expectCorrupt(() => readIdx(Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5), 'long.idx'), /trailing bytes/);
    const zipped = new Uint8Array(gzipSync(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9)));
    expectCorrupt(() => readIdx(zipped.subarray(0, zipped.length - 6), 'half.gz'), /half\.gz: not a valid gzip file/);
    expectCorrupt(() => readIdx(Uint8Array.of(0, 0), 'tiny'), /shorter than the 4-byte/);
  });

  it('reads gzip streams whose header has a file name, a comment and extra fields (as gzip(1) writes)', () => {
    const array: IdxArray = { dtype: 'uint8', shape: [2, 2], data: Uint8Array.of(1, 2, 3, 4) };
    const plain = new Uint8Array(gzipSync(writeIdx(array)));
    // RFC 1952: FLG bit 2 FEXTRA (2-byte length + data), bit 3 FNAME and bit 4 FCOMMENT (zero-terminated)
    const fields = Uint8Array.of(3, 0, 0xaa, 0xbb, 0xcc, ...new TextEncoder().encode('images.idx'), 0, ...new TextEncoder().encode('a comment'), 0);
    const withFields = new Uint8Array(plain.length + fields.length);
    withFields.set(plain.subarray(0, 10), 0);
    withFields[3] = plain[3]! | 4 | 8 | 16;
    withFields.set(fields, 10);
    withFields.set(plain.subarray(10), 10 + fields.length);
    expect(readIdx(withFields, 'named.gz')).toEqual(array);
  });

  it('stops inflating a gzip bomb as soon as its output exceeds what the IDX header says', () => {
    // header uint8 [1, 4, 4] (16 + 16 = 32 bytes), followed by 64 MiB of zeros in four gzip members
    const header = writeIdx({ dtype: 'uint8', shape: [1, 4, 4], data: new Uint8Array(16) });
    const zeros = new Uint8Array(16 * 2 ** 20);
    const first = new Uint8Array(header.length + zeros.length);
    first.set(header, 0);
    const member = gzipSync(zeros);
    const bomb = Buffer.concat([gzipSync(first), member, member, member]);
    expect(bomb.length).toBeLessThan(2 ** 20); // under 1 MiB compressed
    let error: unknown;
    try {
      readIdx(bomb, 'bomb.gz');
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'DATA_CORRUPT'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/^bomb\.gz: inflates to more than the 32 bytes its header \[1, 4, 4\] of uint8 needs; inflation was stopped there/);
    // the inflation was cut off by the output limit set from the header, not run to the end
    expect((error as SslError).details.limit).toBe(32);
    expect(((error as Error).cause as { code?: string }).code).toBe('ERR_BUFFER_TOO_LARGE');
  });

  it('refuses a header over maxBytes (1 GiB by default) before inflating or decoding its values', () => {
    expect(DEFAULT_MAX_IDX_BYTES).toBe(2 ** 30);
    const expectTooLarge = (fn: () => unknown, pattern: RegExp) => {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(isSslError(error, 'NOT_SUPPORTED'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    };
    // a tiny gzip file whose header claims uint8 [65536, 65536]: 4 GiB
    const claim = Uint8Array.of(0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0, 1, 2, 3);
    expectTooLarge(() => readIdx(new Uint8Array(gzipSync(claim)), 'huge.gz'), /huge\.gz: its header \[65536, 65536\] of uint8 needs 4294967308 bytes, over the limit of 1073741824 bytes/);
    // the same limit, configured, on a genuine file, gzipped or not
    const images = writeIdx({ dtype: 'uint8', shape: [100, 28, 28], data: new Uint8Array(78400) });
    expectTooLarge(() => readIdx(new Uint8Array(gzipSync(images)), 'images.gz', { maxBytes: 10_000 }), /needs 78416 bytes, over the limit of 10000 bytes/);
    expectTooLarge(() => readIdx(images, 'images.idx', { maxBytes: 10_000 }), /needs 78416 bytes, over the limit of 10000 bytes/);
    expect(readIdx(images, 'images.idx', { maxBytes: 78_416 }).shape).toEqual([100, 28, 28]);
  });
});
