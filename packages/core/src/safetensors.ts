import { SslError, describeValue } from './ssl-error.js';
import { invalidArgument } from './invariant.js';
import { sizeOf, type HostTensor } from './host-tensor.js';

/** Element types of the safetensors format that selfsup reads and writes. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** The typed array that holds each dtype: F16 and BF16 keep their raw 16-bit words. */
export type SafetensorsData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** One tensor of a safetensors file. */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: SafetensorsData;
}

/** The content of a safetensors file. */
export interface SafetensorsFile {
  readonly tensors: Map<string, SafetensorsTensor>;
  /** The optional `__metadata__` string map. */
  readonly metadata: Record<string, string>;
}

const BYTES: ReadonlyMap<string, number> = new Map<SafetensorsDtype, number>([
  ['F64', 8],
  ['F32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['I64', 8],
  ['I32', 4],
  ['I16', 2],
  ['I8', 1],
  ['U8', 1],
  ['BOOL', 1],
]);

/**
 * The largest JSON header {@link readSafetensors} accepts, in bytes: 100 MB, the limit of the
 * reference implementation. A larger header length is refused before the header is decoded.
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

function corrupt(message: string, source: string | undefined, cause?: unknown): SslError {
  return new SslError('CHECKPOINT_CORRUPT', `${source ? `${source}: ` : ''}not a valid safetensors file: ${message}`, {
    cause,
    details: { source },
  });
}

/** One tensor entry of the header, checked; `begin` and `end` are offsets into the data section. */
interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Parses a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * Nothing in the file is trusted: the header length must be at most
 * {@link SAFETENSORS_MAX_HEADER_BYTES} and inside the file, the header a JSON object starting with
 * `{`, `__metadata__` a map of strings, every other entry an object with a known `dtype`, a shape of
 * non-negative integers and `data_offsets` spanning exactly that shape's bytes, and the tensors
 * must cover the data section exactly: no gap, no overlap, no trailing bytes.
 *
 * @param bytes - the whole file.
 * @param source - a name for error messages (usually the path).
 * @throws SslError `CHECKPOINT_CORRUPT` when the file is truncated or its header is inconsistent.
 */
export function readSafetensors(bytes: Uint8Array, source?: string): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'readSafetensors(bytes)', expected: 'a Uint8Array (or Buffer) of the file', actual: bytes });
  }
  const headerEnd = 8 + readHeaderLength(bytes, source);
  const header = parseHeader(bytes.subarray(8, headerEnd), source);
  const dataLength = bytes.byteLength - headerEnd;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') metadata = checkMetadata(value, source);
    else entries.push(checkEntry(name, value, dataLength, source));
  }
  checkCoverage(entries, dataLength, source);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    // a copy (aligned, owned); Uint8Array's own slice, since Buffer#slice returns a view
    const raw = Uint8Array.prototype.slice.call(bytes, headerEnd + begin, headerEnd + end);
    tensors.set(name, { dtype, shape, data: decode(dtype, raw) });
  }
  return { tensors, metadata };
}

/** The header length of the first 8 bytes, checked against the file and the header-size limit. */
function readHeaderLength(bytes: Uint8Array, source: string | undefined): number {
  if (bytes.byteLength < 8) throw corrupt(`${bytes.byteLength} bytes is shorter than the 8-byte header length`, source);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw corrupt(`header length ${headerLength} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes (100 MB)`, source);
  }
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    throw corrupt(`header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes); the file is truncated`, source);
  }
  return Number(headerLength);
}

function parseHeader(headerBytes: Uint8Array, source: string | undefined): Record<string, unknown> {
  if (headerBytes[0] !== 0x7b) throw corrupt('the header does not start with "{"', source);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (cause) {
    throw corrupt('the header is not JSON', source, cause);
  }
  if (!isPlainObject(header)) throw corrupt('the header is not a JSON object', source);
  return header;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `__metadata__` must be a map of strings; the copy keeps every key as an own property. */
function checkMetadata(value: unknown, source: string | undefined): Record<string, string> {
  if (!isPlainObject(value)) throw corrupt(`__metadata__ is ${describeValue(value)}, not a map of strings`, source);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw corrupt(`__metadata__ entry "${key}" is ${describeValue(item)}, not a string`, source);
    }
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function checkEntry(name: string, value: unknown, dataLength: number, source: string | undefined): HeaderEntry {
  if (!isPlainObject(value)) {
    throw corrupt(`tensor "${name}" is ${describeValue(value)}, not an object with dtype, shape and data_offsets`, source);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  const bytesPerElement = typeof dtype === 'string' ? BYTES.get(dtype) : undefined;
  if (bytesPerElement === undefined) {
    throw corrupt(`tensor "${name}" has dtype ${describeValue(dtype)}; supported: ${[...BYTES.keys()].join(', ')}`, source);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw corrupt(`tensor "${name}" has shape ${describeValue(shape)}; expected an array of non-negative integers`, source);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw corrupt(`tensor "${name}" has data_offsets ${describeValue(offsets)}; expected [begin, end] byte offsets`, source);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw corrupt(`tensor "${name}" has data_offsets [${begin}, ${end}] that end before they begin`, source);
  if (end > dataLength) {
    throw corrupt(`tensor "${name}" ends at byte ${end} of a ${dataLength}-byte data section; the file is truncated`, source);
  }
  const expectedBytes = sizeOf(shape as number[]) * bytesPerElement;
  if (end - begin !== expectedBytes) {
    throw corrupt(`tensor "${name}" (${dtype} [${shape.join(', ')}]) needs ${expectedBytes} bytes but data_offsets span ${end - begin}`, source);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** The tensors' byte ranges must tile the data section: no gap, no overlap, no trailing bytes. */
function checkCoverage(entries: readonly HeaderEntry[], dataLength: number, source: string | undefined): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of sorted) {
    if (entry.begin < covered) throw corrupt(`tensors "${previous!.name}" and "${entry.name}" overlap`, source);
    if (entry.begin > covered) {
      throw corrupt(`bytes ${covered} to ${entry.begin} of the data section belong to no tensor (a gap before "${entry.name}")`, source);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    throw corrupt(`${dataLength - covered} trailing bytes after the last tensor (the data section has ${dataLength} bytes, the tensors cover ${covered})`, source);
  }
}

function decode(dtype: SafetensorsDtype, raw: Uint8Array): SafetensorsData {
  const buffer = raw.buffer as ArrayBuffer;
  if (!littleEndian()) throw new SslError('NOT_SUPPORTED', 'safetensors: big-endian hosts are not supported');
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer);
    case 'F32':
      return new Float32Array(buffer);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer);
  }
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Converts any safetensors tensor to float32 values (F16 and BF16 decoded, integers cast). */
export function toFloat32(tensor: SafetensorsTensor): Float32Array {
  const { dtype, data } = tensor;
  if (dtype === 'F32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'F16') {
    const words = data as Uint16Array;
    for (let i = 0; i < words.length; i++) out[i] = halfToFloat(words[i]!);
  } else if (dtype === 'BF16') {
    const words = data as Uint16Array;
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < words.length; i++) u32[i] = words[i]! << 16;
  } else if (dtype === 'I64') {
    const ints = data as BigInt64Array;
    for (let i = 0; i < ints.length; i++) out[i] = Number(ints[i]!);
  } else {
    const values = data as Exclude<SafetensorsData, BigInt64Array>;
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  }
  return out;
}

/** Decodes one IEEE-754 half-precision word. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Encodes a number as an IEEE-754 half-precision word, rounding to nearest even. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is the right rounding
  return sign | half;
}

/** Encodes a float32 as bfloat16, rounding to nearest even. */
export function floatToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40; // keep NaN a NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** String metadata stored under `__metadata__`. */
  metadata?: Record<string, string>;
  /**
   * The dtype float32 host tensors are stored as.
   * @defaultValue 'F32'
   */
  floatDtype?: 'F32' | 'F16' | 'BF16';
}

/**
 * Serialises tensors to the safetensors format. Host tensors (float32) are stored as
 * `options.floatDtype`; {@link SafetensorsTensor} values keep their dtype. Tensors are written in
 * name order with 8-byte-aligned header padding, as the reference writer does.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, HostTensor | SafetensorsTensor> | Record<string, HostTensor | SafetensorsTensor>,
  options: WriteSafetensorsOptions = {},
): Uint8Array {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const floatDtype = options.floatDtype ?? 'F32';
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of entries) {
    const encoded = encodeTensor(name, tensor, floatDtype);
    header[name] = { dtype: encoded.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + encoded.bytes.byteLength] };
    chunks.push(encoded.bytes);
    offset += encoded.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((new TextEncoder().encode(json).byteLength) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function encodeTensor(
  name: string,
  tensor: HostTensor | SafetensorsTensor,
  floatDtype: 'F32' | 'F16' | 'BF16',
): { dtype: SafetensorsDtype; bytes: Uint8Array } {
  const count = sizeOf(tensor.shape);
  if (tensor.data.length !== count) {
    throw new SslError('SHAPE_MISMATCH', `writeSafetensors: tensor "${name}" has shape [${tensor.shape.join(', ')}] (${count} elements) but ${tensor.data.length} values.`);
  }
  if ('dtype' in tensor) {
    const d = tensor.data;
    return { dtype: tensor.dtype, bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice() };
  }
  const data = tensor.data;
  if (floatDtype === 'F32') return { dtype: 'F32', bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
  const words = new Uint16Array(data.length);
  const encode = floatDtype === 'F16' ? floatToHalf : floatToBfloat16;
  for (let i = 0; i < data.length; i++) words[i] = encode(data[i]!);
  return { dtype: floatDtype, bytes: new Uint8Array(words.buffer) };
}
