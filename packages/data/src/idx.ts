import { gunzipSync, gzipSync } from 'node:zlib';
import { SslError, invalidArgument } from '@selfsup/core';

/** The element types of the IDX format, by their type byte. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A typed array of an {@link IdxDtype}. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An n-dimensional array read from an IDX file. */
export interface IdxArray {
  readonly dtype: IdxDtype;
  /** The dimensions, outermost first (`[60000, 28, 28]` for MNIST training images). */
  readonly shape: readonly number[];
  /** Row-major values. */
  readonly data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};
const CODES: Record<IdxDtype, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/** True when `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The bytes of a file, gunzipped when they start with the gzip magic number. A damaged or
 * truncated gzip stream throws `DATA_CORRUPT` naming `source`.
 */
export function gunzipIfNeeded(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new SslError(
      'DATA_CORRUPT',
      `${source}: not a valid gzip file (${(cause as Error).message}). The file is damaged or was cut short: download it again.`,
      { cause, details: { source } },
    );
  }
}

function corrupt(source: string, what: string): SslError {
  return new SslError('DATA_CORRUPT', `${source}: ${what}. The file is damaged or not an IDX file: download it again.`, {
    details: { source },
  });
}

/**
 * Reads an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not. The header is the
 * magic number `0x00 0x00 <type> <rank>` and `rank` big-endian 32-bit sizes; then the values,
 * big-endian. The whole file is checked before anything is returned: a wrong magic number, an
 * unknown type, a size that disagrees with the header or a damaged gzip stream throws an
 * `SslError` with code `DATA_CORRUPT` naming `source`.
 *
 * @param bytes - The file's bytes.
 * @param source - The file's name or URL, for error messages.
 * @example
 * ```ts
 * const images = readIdx(await readFile('train-images-idx3-ubyte.gz'), 'train-images-idx3-ubyte.gz');
 * images.shape; // [60000, 28, 28]
 * ```
 */
export function readIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'readIdx(bytes)', expected: 'a Uint8Array', actual: bytes });
  }
  const raw = gunzipIfNeeded(bytes, source);
  if (raw.length < 4) throw corrupt(source, `${raw.length} bytes, shorter than the 4-byte IDX magic number`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    const magic = [...raw.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw corrupt(source, `wrong magic number ${magic}, expected 00 00 <type> <rank>`);
  }
  const type = TYPES[raw[2]!];
  if (!type) throw corrupt(source, `unknown IDX type byte 0x${raw[2]!.toString(16).padStart(2, '0')}`);
  const rank = raw[3]!;
  if (rank === 0) throw corrupt(source, 'rank 0 in the IDX header');
  const headerLength = 4 + 4 * rank;
  if (raw.length < headerLength) throw corrupt(source, `${raw.length} bytes, shorter than its ${headerLength}-byte header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    shape.push(size);
    count *= size;
  }
  const expected = headerLength + count * type.bytes;
  if (raw.length !== expected) {
    const problem = raw.length < expected ? 'truncated' : 'has trailing bytes';
    throw corrupt(source, `${problem}: ${raw.length} bytes, but its header [${shape.join(', ')}] of ${type.dtype} needs ${expected}`);
  }
  const data = decode(view, headerLength, count, type.dtype);
  return { dtype: type.dtype, shape, data };
}

function decode(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Options of {@link writeIdx}. */
export interface WriteIdxOptions {
  /**
   * Gzip the result (level 9, no timestamp: the same input gives the same bytes).
   * @defaultValue false
   */
  gzip?: boolean;
}

/**
 * Encodes an array as an IDX file (the inverse of {@link readIdx}).
 *
 * @example
 * ```ts
 * const bytes = writeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(3, 7) }, { gzip: true });
 * ```
 */
export function writeIdx(array: IdxArray, options: WriteIdxOptions = {}): Uint8Array {
  const code = CODES[array.dtype];
  if (code === undefined) {
    throw invalidArgument({ argument: 'writeIdx(array.dtype)', expected: Object.keys(CODES).join(' | '), actual: array.dtype });
  }
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.shape.length === 0 || array.shape.length > 255 || array.data.length !== count) {
    throw invalidArgument({
      argument: 'writeIdx(array)',
      expected: `1 to 255 dimensions and ${count} values for shape [${array.shape.join(', ')}]`,
      actual: `${array.shape.length} dimensions, ${array.data.length} values`,
    });
  }
  const bytes = TYPES[code]!.bytes;
  const headerLength = 4 + 4 * array.shape.length;
  const out = new Uint8Array(headerLength + count * bytes);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  for (let i = 0; i < count; i++) {
    const value = array.data[i]!;
    const at = headerLength + i * bytes;
    switch (array.dtype) {
      case 'uint8':
        view.setUint8(at, value);
        break;
      case 'int8':
        view.setInt8(at, value);
        break;
      case 'int16':
        view.setInt16(at, value, false);
        break;
      case 'int32':
        view.setInt32(at, value, false);
        break;
      case 'float32':
        view.setFloat32(at, value, false);
        break;
      case 'float64':
        view.setFloat64(at, value, false);
        break;
    }
  }
  if (!options.gzip) return out;
  const zipped = gzipSync(out, { level: 9 });
  return new Uint8Array(zipped.buffer, zipped.byteOffset, zipped.byteLength);
}
