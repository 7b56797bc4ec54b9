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

export const TYPES: ReadonlyMap<number, { dtype: IdxDtype; bytes: number }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);
export const CODES: Record<IdxDtype, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/**
 * The most bytes an IDX file may hold once gunzipped, unless `maxBytes` says otherwise: 1 GiB
 * (the Fashion-MNIST training images are 47 MB). A header that needs more is refused before
 * anything is inflated.
 */
export const DEFAULT_MAX_IDX_BYTES = 2 ** 30;

export function corrupt(source: string, what: string): SslError {
  return new SslError('DATA_CORRUPT', `${source}: ${what}. The file is damaged or not an IDX file: download it again.`, {
    details: { source },
  });
}

/** An IDX header: the element type, the dimensions, and the sizes they imply. */
export interface IdxHeader {
  readonly dtype: IdxDtype;
  readonly bytesPerValue: number;
  readonly shape: readonly number[];
  readonly count: number;
  readonly headerLength: number;
  /** Header and values: the length of the whole file. */
  readonly byteLength: number;
}

/**
 * Parses the IDX header at the start of `raw`: undefined when `raw` is too short to hold it, an
 * `SslError` (`DATA_CORRUPT`) when it is not an IDX header.
 */
export function parseIdxHeader(raw: Uint8Array, source: string): IdxHeader | undefined {
  if (raw.length < 4) return undefined;
  if (raw[0] !== 0 || raw[1] !== 0) {
    const magic = [...raw.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw corrupt(source, `wrong magic number ${magic}, expected 00 00 <type> <rank>`);
  }
  const type = TYPES.get(raw[2]!);
  if (!type) throw corrupt(source, `unknown IDX type byte 0x${raw[2]!.toString(16).padStart(2, '0')}`);
  const rank = raw[3]!;
  if (rank === 0) throw corrupt(source, 'rank 0 in the IDX header');
  const headerLength = 4 + 4 * rank;
  if (raw.length < headerLength) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    shape.push(size);
    count *= size;
  }
  return { dtype: type.dtype, bytesPerValue: type.bytes, shape, count, headerLength, byteLength: headerLength + count * type.bytes };
}

/** Refuses a header whose content would exceed `maxBytes`, before anything is inflated or decoded. */
export function checkIdxSize(header: IdxHeader, source: string, maxBytes: number): void {
  if (header.byteLength <= maxBytes) return;
  throw new SslError(
    'NOT_SUPPORTED',
    `${source}: its header [${header.shape.join(', ')}] of ${header.dtype} needs ${header.byteLength} bytes, over the limit of ${maxBytes} bytes. ` +
      'If the file is genuine, raise the limit (readIdx options.maxBytes); otherwise it is damaged: download it again.',
    { details: { source, byteLength: header.byteLength, maxBytes } },
  );
}

/**
 * Decodes the bytes of an IDX file that is not compressed (the format of MNIST and Fashion-MNIST):
 * the header (the magic number `0x00 0x00 <type> <rank>` and `rank` big-endian 32-bit sizes), then
 * the big-endian values. Everything is checked before anything is returned. It needs no Node.js
 * built-in, so it runs in browsers: gunzip a `.gz` file first (`DecompressionStream('gzip')` there;
 * `readIdx` of `@selfsup/data/node` does both in Node.js).
 *
 * @param raw - The file's bytes, uncompressed.
 * @param source - The file's name or URL, for error messages.
 * @param maxBytes - The most bytes the file may have.
 * @throws SslError `DATA_CORRUPT` for a wrong magic number, an unknown type or a size that
 *   disagrees with the header (a gzip stream, too, which starts with `1f 8b`); `NOT_SUPPORTED` for
 *   a header over `maxBytes`.
 * @example
 * ```ts
 * const gunzipped = new Response((await fetch(url)).body!.pipeThrough(new DecompressionStream('gzip')));
 * const images = decodeIdx(new Uint8Array(await gunzipped.arrayBuffer()), url);
 * images.shape; // [1000, 28, 28]
 * ```
 */
export function decodeIdx(raw: Uint8Array, source = 'IDX data', maxBytes = DEFAULT_MAX_IDX_BYTES): IdxArray {
  if (!(raw instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'decodeIdx(raw)', expected: 'a Uint8Array', actual: raw });
  }
  if (raw.length < 4) throw corrupt(source, `${raw.length} bytes, shorter than the 4-byte IDX magic number`);
  const header = parseIdxHeader(raw, source);
  if (!header) throw corrupt(source, `${raw.length} bytes, shorter than its ${4 + 4 * raw[3]!}-byte header`);
  checkIdxSize(header, source, maxBytes);
  if (raw.length !== header.byteLength) {
    const problem = raw.length < header.byteLength ? 'truncated' : 'has trailing bytes';
    throw corrupt(source, `${problem}: ${raw.length} bytes, but its header [${header.shape.join(', ')}] of ${header.dtype} needs ${header.byteLength}`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data = decode(view, header.headerLength, header.count, header.dtype);
  return { dtype: header.dtype, shape: header.shape, data };
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
