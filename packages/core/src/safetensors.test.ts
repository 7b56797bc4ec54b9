import { describe, expect, it } from 'vitest';
import {
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  readSafetensors,
  SAFETENSORS_MAX_HEADER_BYTES,
  toFloat32,
  writeSafetensors,
  type SafetensorsTensor,
} from './safetensors.js';
import { SslError } from './ssl-error.js';

/** Builds a safetensors file by hand from a header object and raw data, as the format defines it. */
function handMade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

describe('safetensors', () => {
  it('reads a hand-made file: 8-byte LE length, JSON header, raw little-endian data', () => {
    // F32 [2] = [1.5, -2] -> bytes 00 00 c0 3f | 00 00 00 c0; I64 [1] = [7]; F16 [1] = 1.0 -> 0x3c00; BF16 [1] = 1.0 -> 0x3f80
    const data = new Uint8Array([0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0, 7, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x3c, 0x80, 0x3f]);
    const bytes = handMade(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'I64', shape: [1], data_offsets: [8, 16] },
        c: { dtype: 'F16', shape: [1, 1], data_offsets: [16, 18] },
        d: { dtype: 'BF16', shape: [], data_offsets: [18, 20] },
        __metadata__: { format: 'pt' },
      },
      data,
    );
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...toFloat32(file.tensors.get('a')!)]).toEqual([1.5, -2]);
    expect(file.tensors.get('b')!.data).toEqual(new BigInt64Array([7n]));
    expect([...toFloat32(file.tensors.get('b')!)]).toEqual([7]);
    expect(file.tensors.get('c')!.shape).toEqual([1, 1]);
    expect([...toFloat32(file.tensors.get('c')!)]).toEqual([1]);
    expect([...toFloat32(file.tensors.get('d')!)]).toEqual([1]);
  });

  it('round-trips every dtype it writes, with an 8-byte aligned header', () => {
    const tensors = new Map<string, SafetensorsTensor>([
      ['f64', { dtype: 'F64', shape: [2], data: new Float64Array([1e-300, -3]) }],
      ['i64', { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 40n), 5n]) }],
      ['i32', { dtype: 'I32', shape: [1, 2], data: new Int32Array([-1, 2]) }],
      ['u8', { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) }],
    ]);
    const bytes = writeSafetensors(tensors, { metadata: { note: 'x' } });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = readSafetensors(bytes);
    for (const [name, t] of tensors) {
      expect(back.tensors.get(name)!.dtype).toBe(t.dtype);
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(back.tensors.get(name)!.data).toEqual(t.data);
    }
    expect(back.metadata).toEqual({ note: 'x' });
  });

  it('reads from a Node Buffer (whose slice is a view) as from a Uint8Array', () => {
    const bytes = writeSafetensors({ a: { shape: [2], data: new Float32Array([1, 2]) }, b: { shape: [1], data: new Float32Array([3]) } });
    const file = readSafetensors(Buffer.from(bytes));
    expect([...toFloat32(file.tensors.get('a')!)]).toEqual([1, 2]);
    expect([...toFloat32(file.tensors.get('b')!)]).toEqual([3]);
  });

  it('stores float32 host tensors as F32, F16 or BF16', () => {
    const t = { shape: [4], data: new Float32Array([1, -0.5, 65504, 3.140625]) };
    for (const floatDtype of ['F32', 'F16', 'BF16'] as const) {
      const back = readSafetensors(writeSafetensors({ t }, { floatDtype })).tensors.get('t')!;
      expect(back.dtype).toBe(floatDtype);
      const values = toFloat32(back);
      if (floatDtype === 'BF16') expect([...values]).toEqual([1, -0.5, 65536, 3.140625]); // 65504 rounds to 2^16 in bf16
      else expect([...values]).toEqual([1, -0.5, 65504, 3.140625]);
    }
  });

  it('converts half and bfloat16 with round-to-nearest-even', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65520)).toBe(0x7c00); // rounds up to infinity
    expect(halfToFloat(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(halfToFloat(floatToHalf(0.1))).toBeCloseTo(0.0999755859375, 12);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1)
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    expect(floatToBfloat16(1)).toBe(0x3f80);
    expect(floatToBfloat16(1 + 2 ** -8)).toBe(0x3f80); // tie to even
    expect(floatToBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });

  it('refuses truncated and inconsistent files with CHECKPOINT_CORRUPT', () => {
    const good = writeSafetensors({ w: { shape: [2, 2], data: new Float32Array(4) } });
    const expectCorrupt = (bytes: Uint8Array, pattern: RegExp) => {
      try {
        readSafetensors(bytes, 'model.safetensors');
        throw new Error('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(SslError);
        expect((e as SslError).code).toBe('CHECKPOINT_CORRUPT');
        expect((e as Error).message).toMatch(/^model\.safetensors: /);
        expect((e as Error).message).toMatch(pattern);
      }
    };
    expectCorrupt(good.subarray(0, 5), /shorter than the 8-byte header length/);
    expectCorrupt(good.subarray(0, good.byteLength - 4), /truncated/);
    expectCorrupt(good.subarray(0, 20), /header length .* runs past the end/);
    expectCorrupt(handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs 12 bytes/);
    expectCorrupt(handMade({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /dtype "Q4"/);
    expectCorrupt(
      handMade(
        { a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } },
        new Uint8Array(3),
      ),
      /overlap/,
    );
    const notJson = handMade({}, new Uint8Array(0));
    notJson[9] = 0x7b + 1; // '{|': starts like JSON, is not
    expectCorrupt(notJson, /not JSON/);
  });

  describe('malicious files: one CHECKPOINT_CORRUPT each, never a TypeError', () => {
    const expectCorrupt = (bytes: Uint8Array, pattern: RegExp) => {
      let caught: unknown;
      try {
        readSafetensors(bytes, 'evil.safetensors');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SslError);
      expect((caught as SslError).code).toBe('CHECKPOINT_CORRUPT');
      expect((caught as Error).message).toMatch(/^evil\.safetensors: not a valid safetensors file: /);
      expect((caught as Error).message).toMatch(pattern);
    };
    const u8 = (offsets: [number, number], shape = [offsets[1] - offsets[0]]) => ({ dtype: 'U8', shape, data_offsets: offsets });

    it('refuses bytes that are not a Uint8Array with INVALID_ARGUMENT', () => {
      for (const bytes of [null, undefined, 'abc', [1, 2, 3]]) {
        expect(() => readSafetensors(bytes as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('readSafetensors(bytes): expected a Uint8Array') }),
        );
      }
    });

    it('refuses a null, array or string tensor entry', () => {
      expectCorrupt(handMade({ w: null }, new Uint8Array(0)), /tensor "w" is null, not an object/);
      expectCorrupt(handMade({ w: [1, 2] }, new Uint8Array(0)), /tensor "w" is \[1, 2\], not an object/);
      expectCorrupt(handMade({ a: u8([0, 2]), w: 'F32' }, new Uint8Array(2)), /tensor "w" is "F32"/);
    });

    it('refuses __metadata__ that is not a map of strings', () => {
      expectCorrupt(handMade({ __metadata__: null }, new Uint8Array(0)), /__metadata__ is null, not a map of strings/);
      expectCorrupt(handMade({ __metadata__: ['a'] }, new Uint8Array(0)), /__metadata__ is \["a"\]/);
      expectCorrupt(handMade({ __metadata__: 'pt' }, new Uint8Array(0)), /__metadata__ is "pt"/);
      expectCorrupt(handMade({ __metadata__: { format: 'pt', step: 3 } }, new Uint8Array(0)), /__metadata__ entry "step" is 3, not a string/);
      expectCorrupt(handMade({ __metadata__: { nested: { a: 'b' } } }, new Uint8Array(0)), /__metadata__ entry "nested"/);
    });

    it('keeps a "__proto__" metadata key as data, without touching any prototype', () => {
      const json = '{"__metadata__":{"__proto__":"x","format":"pt"}}';
      const bytes = handMadeJson(json, new Uint8Array(0));
      const { metadata } = readSafetensors(bytes);
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
      expect(Object.keys(metadata).sort()).toEqual(['__proto__', 'format']);
      expect(({} as Record<string, unknown>).format).toBeUndefined();
    });

    it('refuses dtypes named after inherited properties', () => {
      for (const dtype of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
        expectCorrupt(handMade({ w: { dtype, shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), new RegExp(`dtype "${dtype}"; supported: F64`));
      }
      expectCorrupt(handMade({ w: { shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /dtype undefined/);
    });

    it('refuses bad shapes and offsets', () => {
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: null, data_offsets: [0, 1] } }, new Uint8Array(1)), /shape null/);
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, new Uint8Array(1)), /shape \[-1\]/);
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: [1.5], data_offsets: [0, 1] } }, new Uint8Array(1)), /shape \[1\.5\]/);
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: [1], data_offsets: null } }, new Uint8Array(1)), /data_offsets null/);
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: [1], data_offsets: [0, 1, 2] } }, new Uint8Array(2)), /data_offsets \[0, 1, 2\]/);
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: [1], data_offsets: [2, 1] } }, new Uint8Array(2)), /end before they begin/);
      expectCorrupt(handMade({ w: { dtype: 'U8', shape: [1], data_offsets: [0, 2 ** 60] } }, new Uint8Array(2)), /data_offsets/);
    });

    it('refuses a gap between tensors and a gap before the first one', () => {
      expectCorrupt(handMade({ a: u8([0, 2]), b: u8([3, 5]) }, new Uint8Array(5)), /bytes 2 to 3 of the data section belong to no tensor \(a gap before "b"\)/);
      expectCorrupt(handMade({ a: u8([1, 3]) }, new Uint8Array(3)), /bytes 0 to 1 .* gap before "a"/);
    });

    it('refuses overlapping tensors, including a tensor inside another', () => {
      expectCorrupt(handMade({ a: u8([0, 4]), b: u8([2, 6]) }, new Uint8Array(6)), /tensors "a" and "b" overlap/);
      expectCorrupt(handMade({ a: u8([0, 4]), b: u8([1, 3]) }, new Uint8Array(4)), /tensors "a" and "b" overlap/);
      expectCorrupt(handMade({ a: u8([0, 4]), b: u8([0, 4]) }, new Uint8Array(4)), /overlap/);
    });

    it('refuses trailing bytes after the last tensor, and data in a file without tensors', () => {
      expectCorrupt(handMade({ a: u8([0, 2]) }, new Uint8Array(3)), /1 trailing bytes after the last tensor/);
      expectCorrupt(handMade({}, new Uint8Array(8)), /8 trailing bytes/);
    });

    it('accepts tensors in any header order and empty tensors, when they tile the data exactly', () => {
      const file = readSafetensors(handMade({ b: u8([2, 5]), e: u8([2, 2], [0, 3]), a: u8([0, 2]) }, new Uint8Array([1, 2, 3, 4, 5])));
      expect([...file.tensors.get('a')!.data]).toEqual([1, 2]);
      expect([...file.tensors.get('b')!.data]).toEqual([3, 4, 5]);
      expect(file.tensors.get('e')!.shape).toEqual([0, 3]);
    });

    it('refuses a header length over the documented limit before decoding it, and one past the end', () => {
      expect(SAFETENSORS_MAX_HEADER_BYTES).toBe(100_000_000);
      const huge = new Uint8Array(16);
      new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
      expectCorrupt(huge, /header length 9223372036854775808 exceeds the limit of 100000000 bytes/);
      const justOver = new Uint8Array(16);
      new DataView(justOver.buffer).setBigUint64(0, BigInt(SAFETENSORS_MAX_HEADER_BYTES + 1), true);
      expectCorrupt(justOver, /exceeds the limit/);
      const pastEnd = new Uint8Array(16);
      new DataView(pastEnd.buffer).setBigUint64(0, 9n, true);
      expectCorrupt(pastEnd, /header length 9 runs past the end of the file \(16 bytes\)/);
    });

    it('refuses truncated files at every length', () => {
      const good = writeSafetensors({ a: { shape: [3], data: new Float32Array([1, 2, 3]) }, b: { shape: [1], data: new Float32Array([4]) } });
      for (let length = 0; length < good.byteLength; length++) {
        expectCorrupt(good.subarray(0, length), /shorter than|runs past the end|truncated|not JSON|does not start with/);
      }
    });

    it('refuses a header that is not a JSON object or does not start with "{"', () => {
      expectCorrupt(handMadeJson('[]', new Uint8Array(0)), /does not start with "\{"/);
      expectCorrupt(handMadeJson(' {}', new Uint8Array(0)), /does not start with "\{"/);
      expectCorrupt(handMadeJson('{"a":', new Uint8Array(0)), /not JSON/);
      expectCorrupt(handMadeJson('', new Uint8Array(0)), /does not start with/);
    });
  });
});

/** Like {@link handMade}, from the header's JSON text. */
function handMadeJson(json: string, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true);
  out.set(text, 8);
  out.set(data, 8 + text.byteLength);
  return out;
}
