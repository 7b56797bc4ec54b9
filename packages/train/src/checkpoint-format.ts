import * as z from 'zod';
import {
  SslError,
  readSafetensors,
  sizeOf,
  toFloat32,
  writeSafetensors,
  type HostTensor,
  type Module,
  type Parameter,
  type Recipe,
} from '@selfsup/core';
import type { AdamWState } from '@selfsup/optim';
import { createSha256 } from './sha256.js';
import { torchShapeOf } from './torch-layout.js';

/** The format tag of selfsup training checkpoints. */
export const CHECKPOINT_FORMAT = 'selfsup.checkpoint.v1';

/** The `__metadata__` key under which a checkpoint's JSON metadata is stored. */
export const CHECKPOINT_METADATA_KEY = 'selfsup';

/** What checkpoints need of a recipe: its name, modules and trainable parameters. */
export type CheckpointRecipe = Pick<Recipe<unknown, unknown, unknown, unknown>, 'name' | 'modules' | 'trainableParameters'>;

/** What checkpoints need of an optimizer: `createAdamW` from `@selfsup/optim` is one. */
export interface CheckpointOptimizer {
  /** Its parameter groups: they give the PyTorch layout of each moment (else `trainableParameters()` does). */
  readonly groups?: readonly { readonly parameters: readonly Parameter[] }[];
  /** The moments and step counts, by parameter name, in our layout. */
  getState(): Promise<AdamWState>;
  /** Replaces them; validates everything before changing anything. */
  setState(state: AdamWState): void;
}

const uint32 = z.int().min(0).max(0xffffffff);
const shape = z.array(z.int().min(0));

/** The zod schema of a checkpoint's metadata (JSON under `__metadata__.selfsup`). */
export const checkpointMetadataSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT).describe('The format tag.'),
  recipe: z.string().describe('The name of the recipe that wrote it.'),
  step: z.int().min(0).describe('Optimizer steps completed: iteration `step` runs next.'),
  epoch: z.int().min(0).describe('The epoch of the next iteration, floor(step / iterationsPerEpoch).'),
  iterationsPerEpoch: z.int().min(1),
  accumulationSteps: z.int().min(1).describe('Micro-batches per optimizer step.'),
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).describe('The run seed; iteration i draws from stepRng(seed, i).'),
  rng: z
    .strictObject({ algorithm: z.literal('xoshiro128**'), words: z.tuple([uint32, uint32, uint32, uint32]) })
    .describe('The state of stepRng(seed, step), the randomness of the next iteration.'),
  modules: z
    .array(z.tuple([z.string(), shape]))
    .describe('The fingerprint of the model: every module tensor as [name, PyTorch shape], in order.'),
  optimizer: z
    .strictObject({ format: z.string(), steps: z.record(z.string(), z.int().min(1)) })
    .describe('The optimizer state format and each parameter\'s step count; moments are tensors.'),
  config: z.unknown().optional().describe('The run configuration, as given to train().'),
  checksum: z
    .strictObject({ algorithm: z.literal('sha256'), value: z.string().regex(/^[0-9a-f]{64}$/) })
    .describe('SHA-256 over every tensor (name, shape, bytes) in name order.'),
  createdAt: z.string(),
});

/** A checkpoint's metadata. */
export type CheckpointMetadata = z.infer<typeof checkpointMetadataSchema>;

/** A decoded checkpoint: its metadata and its tensors, every one float32 in PyTorch layout. */
export interface Checkpoint {
  /** Where it was read from, when it was. */
  readonly path?: string;
  readonly metadata: CheckpointMetadata;
  /**
   * `<module>.<parameter>` for module state (`student.blocks.0.attn.qkv.weight`) and
   * `optimizer.<parameter>.exp_avg` / `.exp_avg_sq` for the optimizer's moments.
   */
  readonly tensors: ReadonlyMap<string, HostTensor>;
}

/** The names of the optimizer's moment tensors of parameter `name`. */
export function momentKeys(name: string): { firstMoment: string; secondMoment: string } {
  return { firstMoment: `optimizer.${name}.exp_avg`, secondMoment: `optimizer.${name}.exp_avg_sq` };
}

const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The recipe's modules, with their names checked (they prefix tensor names). */
export function checkpointModules(recipe: CheckpointRecipe): [string, Module][] {
  const modules = Object.entries(recipe.modules());
  for (const [name] of modules) {
    if (!MODULE_NAME.test(name) || name === 'optimizer') {
      throw new SslError(
        'INVALID_ARGUMENT',
        `recipe "${recipe.name}".modules(): the module name ${JSON.stringify(name)} cannot prefix checkpoint tensors. ` +
          'Use letters, digits, "_" and "-" without dots, and not "optimizer" (reserved for the optimizer state).',
      );
    }
  }
  return modules;
}

/**
 * The fingerprint of a model: every module tensor of the recipe as
 * `[<module>.<parameter>, PyTorch shape]`, in order. Two models can exchange checkpoints when
 * their fingerprints hold the same entries.
 *
 * @example
 * ```ts
 * modelFingerprint(recipe); // [['student.cls_token', [1, 1, 384]], ['student.pos_embed', [1, 197, 384]], ...]
 * ```
 */
export function modelFingerprint(recipe: CheckpointRecipe): [string, number[]][] {
  return checkpointModules(recipe).flatMap(([moduleName, module]) =>
    module.parameters().map((p): [string, number[]] => [`${moduleName}.${p.name}`, [...torchShapeOf(p)]]),
  );
}

/** Parameters by name, for the layout of the optimizer's moments. */
export function optimizerParameters(recipe: CheckpointRecipe, optimizer: CheckpointOptimizer): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  for (const group of optimizer.groups ?? []) for (const p of group.parameters) if (!out.has(p.name)) out.set(p.name, p);
  for (const p of recipe.trainableParameters()) if (!out.has(p.name)) out.set(p.name, p);
  return out;
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 over every tensor's name, shape and float32 bytes, in name order. */
export function checksumOf(tensors: ReadonlyMap<string, HostTensor>): string {
  const hash = createSha256();
  for (const name of [...tensors.keys()].sort()) {
    const tensor = tensors.get(name)!;
    hash.update(`${name}\u0000${tensor.shape.join(',')}\u0000`);
    hash.update(bytesOf(tensor.data));
  }
  return hash.digestHex();
}

/**
 * Serialises a checkpoint as one safetensors file: the tensors (float32), and the metadata as
 * JSON under `__metadata__.selfsup` with the checksum of the tensors filled in. `saveCheckpoint`
 * is the usual way; this is the format alone, for tools.
 *
 * @example
 * ```ts
 * const bytes = encodeCheckpoint(metadataWithoutChecksum, tensors);
 * decodeCheckpoint(bytes).metadata.checksum.value; // the SHA-256 of the tensors
 * ```
 */
export function encodeCheckpoint(metadata: Omit<CheckpointMetadata, 'checksum'>, tensors: ReadonlyMap<string, HostTensor>): Uint8Array {
  const full: CheckpointMetadata = { ...metadata, checksum: { algorithm: 'sha256', value: checksumOf(tensors) } };
  const parsed = checkpointMetadataSchema.safeParse(full);
  if (!parsed.success) {
    throw new SslError('INVALID_ARGUMENT', `encodeCheckpoint: the metadata is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return writeSafetensors(tensors, { metadata: { [CHECKPOINT_METADATA_KEY]: JSON.stringify(full) } });
}

function corrupt(source: string, message: string, cause?: unknown): SslError {
  return new SslError(
    'CHECKPOINT_CORRUPT',
    `${source}: ${message} The file is damaged (a truncated copy, a full disk, or another program wrote it); ` +
      'resume from an older checkpoint of the same folder.',
    { cause, details: { source } },
  );
}

/**
 * Parses and verifies a checkpoint file: the safetensors structure, the metadata (zod), the
 * checksum of every tensor, and that the tensors are exactly those the metadata lists.
 *
 * @throws SslError `CHECKPOINT_CORRUPT` when any of these fails.
 * @example
 * ```ts
 * const { metadata, tensors } = decodeCheckpoint(await readFile(path), path);
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  // a plain Uint8Array view: readSafetensors copies tensors with slice(), which on a Node Buffer
  // returns a view of the whole (often pooled) buffer instead of a copy
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const file = readSafetensors(view, source); // CHECKPOINT_CORRUPT when truncated or malformed
  const json = file.metadata[CHECKPOINT_METADATA_KEY];
  if (typeof json !== 'string') {
    throw new SslError(
      'CHECKPOINT_CORRUPT',
      `${source}: a safetensors file without selfsup training metadata (__metadata__.${CHECKPOINT_METADATA_KEY}). ` +
        'It is not a checkpoint written by @selfsup/train; load plain weights with loadStateDict from @selfsup/core.',
      { details: { source, reason: 'no-training-metadata' } },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw corrupt(source, 'its metadata is not valid JSON.', cause);
  }
  const parsed = checkpointMetadataSchema.safeParse(raw);
  if (!parsed.success) throw corrupt(source, `its metadata is invalid: ${z.prettifyError(parsed.error)}.`);
  const metadata = parsed.data;
  const tensors = new Map<string, HostTensor>();
  for (const [name, tensor] of file.tensors) {
    if (tensor.dtype !== 'F32') throw corrupt(source, `tensor "${name}" is ${tensor.dtype}; checkpoints hold F32 tensors only.`);
    tensors.set(name, { shape: tensor.shape, data: toFloat32(tensor) });
  }
  const checksum = checksumOf(tensors);
  if (checksum !== metadata.checksum.value) {
    throw corrupt(source, `its tensors do not match their checksum (sha256 ${checksum.slice(0, 12)}... instead of ${metadata.checksum.value.slice(0, 12)}...).`);
  }
  const expected = new Map<string, readonly number[]>(metadata.modules);
  for (const name of Object.keys(metadata.optimizer.steps)) {
    const keys = momentKeys(name);
    // moment shapes are checked against the model on load; here only their presence
    for (const key of [keys.firstMoment, keys.secondMoment]) {
      const tensor = tensors.get(key);
      if (!tensor) throw corrupt(source, `the optimizer state of "${name}" lacks tensor "${key}".`);
      expected.set(key, tensor.shape);
    }
  }
  for (const [key, shape] of expected) {
    const tensor = tensors.get(key);
    if (!tensor) throw corrupt(source, `tensor "${key}" listed in its metadata is missing.`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i]) || tensor.data.length !== sizeOf(shape)) {
      throw corrupt(source, `tensor "${key}" has shape [${tensor.shape.join(', ')}] but its metadata says [${shape.join(', ')}].`);
    }
  }
  for (const key of tensors.keys()) {
    if (!expected.has(key)) throw corrupt(source, `tensor "${key}" is not listed in its metadata.`);
  }
  return { metadata, tensors };
}
