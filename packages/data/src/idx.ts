import { constants as zlibConstants, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { SslError, checkInteger, checkOptions, invalidArgument } from '@selfsup/core';
import { CODES, DEFAULT_MAX_IDX_BYTES, TYPES, checkIdxSize, decodeIdx, parseIdxHeader, type IdxArray } from './idx-format.js';

export { DEFAULT_MAX_IDX_BYTES, type IdxArray, type IdxData, type IdxDtype } from './idx-format.js';

/** True when `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

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
  return decodeIdx(gunzipIfNeeded(bytes, source, maxBytes), source, maxBytes);
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
