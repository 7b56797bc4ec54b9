import { constants as zlibConstants, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { SslError, checkInteger, checkOptions, invalidArgument } from '@selfsup/core';

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

const TYPES: ReadonlyMap<number, { dtype: IdxDtype; bytes: number }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);
const CODES: Record<IdxDtype, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/** True when `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The most bytes an IDX file may hold once gunzipped, unless `maxBytes` says otherwise: 1 GiB
 * (the Fashion-MNIST training images are 47 MB). A header that needs more is refused before
 * anything is inflated.
 */
export const DEFAULT_MAX_IDX_BYTES = 2 ** 30;

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /**
   * The most bytes the IDX content (header and values, after gunzip) may have.
   * @defaultValue {@link DEFAULT_MAX_IDX_BYTES} (1 GiB)
   */
  maxBytes?: number;
}

/** Compressed bytes inflated to read an IDX header (at most 1,024 bytes) out of a gzip stream. */
const HEADER_PEEK_BYTES = 4096;

/**
 * The bytes of an IDX file, gunzipped when they start with the gzip magic number. Inflation is
 * bounded: the IDX header is read from the first compressed bytes, a header needing more than
 * `maxBytes` is refused before anything else is inflated, and inflation stops as soon as the
 * output exceeds what the header says, so a gzip bomb costs no more than its header claims.
 *
 * @throws SslError `DATA_CORRUPT` for a damaged or truncated gzip stream or one that inflates past
 *   its header's size; `NOT_SUPPORTED` for a header over `maxBytes`.
 */
export function gunzipIfNeeded(bytes: Uint8Array, source: string, maxBytes = DEFAULT_MAX_IDX_BYTES): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const header = parseIdxHeader(inflateHeaderBytes(bytes, source), source);
  const limit = header ? header.byteLength : 4 + 4 * 255; // no header yet: the stream is short, or not IDX
  if (header) checkIdxSize(header, source, maxBytes);
  try {
    const out = gunzipSync(bytes, { maxOutputLength: Math.max(limit, 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      const claim = header ? `the ${limit} bytes its header [${header.shape.join(', ')}] of ${header.dtype} needs` : `${limit} bytes without an IDX header`;
      throw new SslError(
        'DATA_CORRUPT',
        `${source}: inflates to more than ${claim}; inflation was stopped there. The file is damaged or crafted (a gzip bomb): download it again.`,
        { cause, details: { source, limit } },
      );
    }
    throw new SslError(
      'DATA_CORRUPT',
      `${source}: not a valid gzip file (${(cause as Error).message}). The file is damaged or was cut short: download it again.`,
      { cause, details: { source } },
    );
  }
}

/**
 * The first bytes of a gzip stream's content, enough to hold an IDX header: the deflate data after
 * the gzip header (RFC 1952), of which only {@link HEADER_PEEK_BYTES} compressed bytes are inflated.
 */
function inflateHeaderBytes(bytes: Uint8Array, source: string): Uint8Array {
  const start = deflateStart(bytes);
  if (start === undefined) return new Uint8Array(0);
  try {
    const out = inflateRawSync(bytes.subarray(start, start + HEADER_PEEK_BYTES), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new SslError(
      'DATA_CORRUPT',
      `${source}: not a valid gzip file (${(cause as Error).message}). The file is damaged: download it again.`,
      { cause, details: { source } },
    );
  }
}

/** Where the deflate data of a gzip member begins, after its optional fields; undefined if cut short. */
function deflateStart(bytes: Uint8Array): number | undefined {
  const FHCRC = 2;
  const FEXTRA = 4;
  const FNAME = 8;
  const FCOMMENT = 16;
  if (bytes.length < 10 || bytes[2] !== 8) return undefined; // CM 8: deflate
  const flags = bytes[3]!;
  let at = 10;
  if (flags & FEXTRA) at += 2 + (bytes[at]! | (bytes[at + 1]! << 8));
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    while (at < bytes.length && bytes[at] !== 0) at++;
    at++; // the terminating zero
  }
  if (flags & FHCRC) at += 2;
  return at < bytes.length ? at : undefined;
}

function corrupt(source: string, what: string): SslError {
  return new SslError('DATA_CORRUPT', `${source}: ${what}. The file is damaged or not an IDX file: download it again.`, {
    details: { source },
  });
}

/** An IDX header: the element type, the dimensions, and the sizes they imply. */
interface IdxHeader {
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
function parseIdxHeader(raw: Uint8Array, source: string): IdxHeader | undefined {
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
function checkIdxSize(header: IdxHeader, source: string, maxBytes: number): void {
  if (header.byteLength <= maxBytes) return;
  throw new SslError(
    'NOT_SUPPORTED',
    `${source}: its header [${header.shape.join(', ')}] of ${header.dtype} needs ${header.byteLength} bytes, over the limit of ${maxBytes} bytes. ` +
      'If the file is genuine, raise the limit (readIdx options.maxBytes); otherwise it is damaged: download it again.',
    { details: { source, byteLength: header.byteLength, maxBytes } },
  );
}

/**
 * Reads an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not. The header is the
 * magic number `0x00 0x00 <type> <rank>` and `rank` big-endian 32-bit sizes; then the values,
 * big-endian. The whole file is checked before anything is returned: a wrong magic number, an
 * unknown type, a size that disagrees with the header or a damaged gzip stream throws an
 * `SslError` with code `DATA_CORRUPT` naming `source`. A header needing more than
 * `options.maxBytes` (1 GiB by default) is refused with `NOT_SUPPORTED` before its values are
 * inflated or decoded, and a gzip stream is never inflated past the size its header states.
 *
 * @param bytes - The file's bytes.
 * @param source - The file's name or URL, for error messages.
 * @example
 * ```ts
 * const images = readIdx(await readFile('train-images-idx3-ubyte.gz'), 'train-images-idx3-ubyte.gz');
 * images.shape; // [60000, 28, 28]
 * ```
 */
export function readIdx(bytes: Uint8Array, source = 'IDX data', options: ReadIdxOptions = {}): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'readIdx(bytes)', expected: 'a Uint8Array', actual: bytes });
  }
  const { maxBytes = DEFAULT_MAX_IDX_BYTES } = checkOptions('readIdx(options)', options, true);
  checkInteger('readIdx(options.maxBytes)', maxBytes, 1);
  const raw = gunzipIfNeeded(bytes, source, maxBytes);
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
  const code = Object.hasOwn(CODES, array.dtype) ? CODES[array.dtype] : undefined;
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
  const bytes = TYPES.get(code)!.bytes;
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
