import * as tf from '@tensorflow/tfjs-core';
import { SslError, describeValue } from './ssl-error.js';
import { checkOptions, invalidArgument } from './invariant.js';
import { sizeOf, transposeHost, type HostTensor } from './host-tensor.js';
import type { Module, Parameter } from './module.js';
import { readSafetensors, toFloat32, writeSafetensors, type WriteSafetensorsOptions } from './safetensors.js';

/** Tensors by PyTorch state-dict name. */
export type StateDict = Map<string, HostTensor>;

/** What {@link loadStateDict} did, as PyTorch's `load_state_dict` reports it. */
export interface LoadStateDictResult {
  /** Parameters of the module with no tensor in the state dict (left as they were). */
  readonly missingKeys: string[];
  /** State-dict keys that match no parameter (ignored). */
  readonly unexpectedKeys: string[];
}

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Fail on missing or unexpected keys, as PyTorch's `strict=True`. With `false`, they are
   * returned instead. A tensor of the wrong shape fails either way.
   * @defaultValue true
   */
  strict?: boolean;
  /**
   * Only keys under this prefix are read, with the prefix removed (`'module.backbone.'` for the
   * backbone of an iBOT checkpoint). Keys outside it are ignored, not unexpected.
   * @defaultValue ''
   */
  prefix?: string;
  /** Renames keys after the prefix is removed (e.g. timm's `ls1.gamma` to `gamma_1`). */
  rename?: (key: string) => string;
}

function parametersOf(source: Module | readonly Parameter[], where: string): readonly Parameter[] {
  if (!Array.isArray(source) && (source === null || typeof source !== 'object' || typeof (source as Module).parameters !== 'function')) {
    throw invalidArgument({ argument: `${where}(module)`, expected: 'a module (with parameters()) or an array of parameters', actual: source });
  }
  return Array.isArray(source) ? (source as readonly Parameter[]) : (source as Module).parameters();
}

/** Converts a PyTorch-layout tensor to our layout for `parameter`. */
function fromTorch(parameter: Parameter, value: HostTensor): HostTensor {
  if (!parameter.torch) return value;
  const transposed = transposeHost(value, parameter.torch.perm);
  return { shape: parameter.variable.shape, data: transposed.data };
}

/** Converts our value of `parameter` to its PyTorch layout. */
function toTorch(parameter: Parameter, data: Float32Array): HostTensor {
  if (!parameter.torch) return { shape: [...parameter.variable.shape], data };
  const { shape, perm } = parameter.torch;
  const permutedShape = perm.map((p) => shape[p]!);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return transposeHost({ shape: permutedShape, data }, inverse);
}

function torchShape(parameter: Parameter): readonly number[] {
  return parameter.torch ? parameter.torch.shape : parameter.variable.shape;
}

function isHostTensor(value: unknown): value is HostTensor {
  if (value === null || typeof value !== 'object') return false;
  const { shape, data } = value as Partial<HostTensor>;
  return Array.isArray(shape) && data !== null && typeof data === 'object' && typeof data.length === 'number';
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Loads PyTorch-named tensors into a module's variables, converting layouts (`[out, in]` Linear
 * weights, `[dim, C, p, p]` patch convolutions). Reports missing and unexpected keys as PyTorch
 * does; with `strict` (the default) either is an error. Nothing is assigned unless every shape
 * matches, so a failed load leaves the module as it was.
 *
 * @throws SslError `STATE_DICT_MISMATCH` naming the key, the expected and the actual shape.
 */
export function loadStateDict(
  module: Module | readonly Parameter[],
  stateDict: ReadonlyMap<string, HostTensor>,
  options: LoadStateDictOptions = {},
): LoadStateDictResult {
  const { strict = true, prefix = '', rename = (k: string) => k } = checkOptions('loadStateDict(options)', options, true);
  const parameters = parametersOf(module, 'loadStateDict');
  if (!(stateDict instanceof Map)) {
    throw invalidArgument({
      argument: 'loadStateDict(stateDict)',
      expected: 'a Map of tensors by name',
      actual: stateDict,
      fix: 'Read one with stateDictFromSafetensors or stateDictFromRecords.',
    });
  }
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const provided = new Map<string, HostTensor>();
  for (const [key, value] of stateDict) {
    if (!key.startsWith(prefix)) continue;
    provided.set(rename(key.slice(prefix.length)), value);
  }
  const missingKeys = parameters.filter((p) => !provided.has(p.name)).map((p) => p.name);
  const unexpectedKeys = [...provided.keys()].filter((k) => !byName.has(k));
  const shapeErrors: string[] = [];
  let damaged = false;
  for (const [key, value] of provided) {
    const parameter = byName.get(key);
    if (!parameter) continue;
    const expected = torchShape(parameter);
    if (!isHostTensor(value)) {
      damaged = true;
      shapeErrors.push(`"${prefix}${key}": expected a { shape, data } tensor, got ${describeValue(value)}`);
    } else if (!sameShape(expected, value.shape)) {
      shapeErrors.push(`"${prefix}${key}": expected shape [${expected.join(', ')}], got [${value.shape.join(', ')}]`);
    } else if (value.data.length !== sizeOf(expected)) {
      damaged = true;
      shapeErrors.push(`"${prefix}${key}": shape [${expected.join(', ')}] needs ${sizeOf(expected)} values, got ${value.data.length}`);
    }
  }
  if (shapeErrors.length > 0) {
    throw new SslError(
      'STATE_DICT_MISMATCH',
      `loadStateDict: ${shapeErrors.length} tensor(s) do not fit: ${shapeErrors.join('; ')}. ` +
        (damaged
          ? 'A tensor whose values do not fill its shape is damaged: rebuild the state dict from the original file.'
          : 'The checkpoint was made for a model of another size: build the model with the checkpoint\'s configuration.'),
      { details: { shapeErrors } },
    );
  }
  if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
    const parts: string[] = [];
    if (missingKeys.length) parts.push(`missing keys: ${missingKeys.map((k) => `"${prefix}${k}"`).join(', ')}`);
    if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.map((k) => `"${prefix}${k}"`).join(', ')}`);
    throw new SslError(
      'STATE_DICT_MISMATCH',
      `loadStateDict: ${parts.join('; ')}. Pass { strict: false } to load what matches, or { prefix } to select a sub-module's keys.`,
      { details: { missingKeys, unexpectedKeys } },
    );
  }
  for (const [key, value] of provided) {
    const parameter = byName.get(key);
    if (!parameter) continue;
    const converted = fromTorch(parameter, value);
    tf.tidy('loadStateDict', () => parameter.variable.assign(tf.tensor(converted.data, parameter.variable.shape, 'float32')));
  }
  return { missingKeys, unexpectedKeys };
}

/**
 * Reads a module's parameters back under their PyTorch names and layouts, so that PyTorch (timm,
 * the official iBOT/DINO code) loads them unchanged.
 *
 * @param prefix - prepended to every name (`'backbone.'`).
 */
export async function exportStateDict(module: Module | readonly Parameter[], prefix = ''): Promise<StateDict> {
  const out: StateDict = new Map();
  for (const parameter of parametersOf(module, 'exportStateDict')) {
    const data = (await parameter.variable.data()) as Float32Array;
    out.set(prefix + parameter.name, toTorch(parameter, Float32Array.from(data)));
  }
  return out;
}

/** Reads a safetensors file into a float32 {@link StateDict} (F16, BF16 and integer tensors converted). */
export function stateDictFromSafetensors(bytes: Uint8Array, source?: string): StateDict {
  const file = readSafetensors(bytes, source);
  const out: StateDict = new Map();
  for (const [name, tensor] of file.tensors) out.set(name, { shape: tensor.shape, data: toFloat32(tensor) });
  return out;
}

/** Serialises a {@link StateDict} as safetensors. */
export function stateDictToSafetensors(stateDict: ReadonlyMap<string, HostTensor>, options?: WriteSafetensorsOptions): Uint8Array {
  return writeSafetensors(stateDict, options);
}

/** Builds a {@link StateDict} from `{ shape, data }` records such as the reference fixtures hold. */
export function stateDictFromRecords(records: Record<string, { shape: readonly number[]; data: ArrayLike<number> }>): StateDict {
  const out: StateDict = new Map();
  for (const [name, r] of Object.entries(records)) {
    if (r.data.length !== sizeOf(r.shape)) {
      throw new SslError('SHAPE_MISMATCH', `stateDictFromRecords: "${name}" has shape [${r.shape.join(', ')}] but ${r.data.length} values.`);
    }
    out.set(name, { shape: [...r.shape], data: Float32Array.from(r.data) });
  }
  return out;
}
