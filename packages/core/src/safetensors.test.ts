import { describe, expect, it } from 'vitest';
import {
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  readSafetensors,
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
    notJson[8] = 0x7b + 1;
    expectCorrupt(notJson, /not JSON/);
  });
});
