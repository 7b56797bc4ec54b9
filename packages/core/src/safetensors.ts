import { SslError } from './ssl-error.js';
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

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function corrupt(message: string, source: string | undefined): SslError {
  return new SslError('CHECKPOINT_CORRUPT', `${source ? `${source}: ` : ''}not a valid safetensors file: ${message}`, {
    details: { source },
  });
}

/**
 * Parses a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * @param bytes - the whole file.
 * @param source - a name for error messages (usually the path).
 * @throws SslError `CHECKPOINT_CORRUPT` when the file is truncated or its header is inconsistent.
 */
export function readSafetensors(bytes: Uint8Array, source?: string): SafetensorsFile {
  if (bytes.byteLength < 8) throw corrupt(`${bytes.byteLength} bytes is shorter than the 8-byte header length`, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    throw corrupt(`header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes); the file is truncated`, source);
  }
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (cause) {
    throw new SslError('CHECKPOINT_CORRUPT', `${source ? `${source}: ` : ''}not a valid safetensors file: the header is not JSON`, { cause });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt('the header is not a JSON object', source);
  const dataLength = bytes.byteLength - headerEnd;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES)) {
      throw corrupt(`tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported: ${Object.keys(BYTES).join(', ')}`, source);
    }
    const dtype = e.dtype as SafetensorsDtype;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw corrupt(`tensor "${name}" has shape ${JSON.stringify(e.shape)}`, source);
    }
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      throw corrupt(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}`, source);
    }
    const [begin, end] = offsets as [number, number];
    const expectedBytes = sizeOf(shape) * BYTES[dtype];
    if (end - begin !== expectedBytes) {
      throw corrupt(`tensor "${name}" (${dtype} [${shape.join(', ')}]) needs ${expectedBytes} bytes but data_offsets span ${end - begin}`, source);
    }
    if (end > dataLength) {
      throw corrupt(`tensor "${name}" ends at byte ${end} of a ${dataLength}-byte data section; the file is truncated`, source);
    }
    ranges.push([begin, end, name]);
    // a copy (aligned, owned); Uint8Array's own slice, since Buffer#slice returns a view
    const raw = Uint8Array.prototype.slice.call(bytes, headerEnd + begin, headerEnd + end);
    tensors.set(name, { dtype, shape, data: decode(dtype, raw) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw corrupt(`tensors "${ranges[i - 1]![2]}" and "${ranges[i]![2]}" overlap`, source);
  }
  return { tensors, metadata };
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
