import * as tf from '@tensorflow/tfjs-core';
import { SslError, type Recipe } from '@selfsup/core';
import { createDataLoader, type DataLoader, type ImageDataset } from '@selfsup/data';
import { describeProblem, inputOf, parseConfig, type MethodDefinition, type Pretraining } from '@selfsup/ibot';
import { stepRng, trainStep, type StepResult } from '@selfsup/train';
import { applyCheckpoint, captureCheckpoint, decodeCheckpoint, type Checkpoint } from '@selfsup/train/checkpoint';
import { PLAYGROUND_METHODS } from './options.js';
import { iterationsPerEpochOf, methodDefinition, methodKeysOf } from './presets.js';
import { tapViews, type ViewTap } from './view-tap.js';

type Section = Record<string, unknown>;

/** A method training in the tab: its configuration, its pretraining (model and optimizer), and where it stands. */
export interface Session {
  readonly method: MethodDefinition;
  /** The whole configuration file (method keys, `data`, `run`), stored in saved checkpoints. */
  readonly config: Section;
  /** The method's keys of `config`, validated, every default filled in. */
  readonly methodConfig: Section;
  readonly pretraining: Pretraining;
  /** The recipe the steps run: the pretraining's, with the first views of each step copied for the page. */
  readonly tap: ViewTap<unknown>;
  readonly loader: DataLoader;
  readonly iterationsPerEpoch: number;
  /** The run seed: iteration `i` draws from `stepRng(seed, i)`, as in `selfsup pretrain`. */
  readonly seed: number;
  /** The next iteration to run. */
  iteration: number;
  /** Where the weights came from. */
  origin: string;
}

/** Where a session starts: from scratch, or at a checkpoint's step with its seed and epoch length. */
interface SessionStart {
  readonly iteration: number;
  readonly seed?: number;
  readonly iterationsPerEpoch?: number;
  readonly origin: string;
}

/** Refuses what the playground cannot train: other methods, other image shapes, other architectures. */
function checkPlayable(method: MethodDefinition, methodConfig: Section, train: ImageDataset, source: string): void {
  if (!(PLAYGROUND_METHODS as readonly string[]).includes(method.name)) {
    throw new SslError('CHECKPOINT_INCOMPATIBLE', `${source}: a ${method.title} model; the playground trains ${PLAYGROUND_METHODS.join(', ')}. Evaluate it with selfsup eval knn --checkpoint instead.`);
  }
  const arch = (methodConfig.backbone as Section | undefined)?.arch;
  if (arch !== undefined && arch !== 'vit') {
    throw new SslError('CHECKPOINT_INCOMPATIBLE', `${source}: a ${String(arch)} backbone; the playground draws the [CLS] attention of a ViT (backbone.arch: vit).`);
  }
  const input = inputOf(method, methodConfig);
  if (input.channels !== train.channels || input.imageSize !== train.height) {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `${source}: its model takes ${input.imageSize}x${input.imageSize} images with ${input.channels} channel(s); the playground trains on ${train.height}x${train.width} grayscale Fashion-MNIST. Use a checkpoint of a Fashion-MNIST run (examples/configs/*fashion-mnist*.yaml).`,
    );
  }
}

/**
 * Builds a session from a configuration file's contents: validates the method's keys with its zod
 * schema and rules (as `selfsup pretrain` does), creates the pretraining with `method.create`, and a
 * seeded loader over the subset.
 */
export async function createSession(config: Section, train: ImageDataset, start: SessionStart): Promise<Session> {
  const method = methodDefinition(String(config.method));
  const source = start.origin;
  const methodConfig = parseConfig(method.schema, methodKeysOf(config), `the ${method.title} configuration of ${source}`) as Section;
  const problems = method.check?.(methodConfig as never) ?? [];
  if (problems.length > 0) {
    throw new SslError('INVALID_CONFIG', `the ${method.title} configuration of ${source} cannot run:\n  - ${problems.map(describeProblem).join('\n  - ')}`);
  }
  checkPlayable(method, methodConfig, train, source);
  const iterationsPerEpoch = start.iterationsPerEpoch ?? iterationsPerEpochOf(config);
  const seed = start.seed ?? (typeof methodConfig.seed === 'number' ? methodConfig.seed : 0);
  const pretraining = await method.create(methodConfig as never, {
    iterationsPerEpoch,
    trainImages: async () => train,
    readFile: (path) => {
      throw new SslError('NOT_SUPPORTED', `the configuration names the file ${path}; a browser tab cannot read files by name.`);
    },
  });
  const batchSize = methodConfig.batchSize as number;
  const loader = createDataLoader({ dataset: train, batchSize, shuffle: true, seed, dropLast: true, prefetch: 0 });
  const tap = tapViews(pretraining.recipe as Recipe<unknown, unknown, unknown, unknown>, 4);
  return { method, config, methodConfig, pretraining, tap, loader, iterationsPerEpoch, seed, iteration: start.iteration, origin: start.origin };
}

/**
 * The batch of `iteration`, as `selfsup pretrain` draws it: batch `iteration % iterationsPerEpoch`
 * of epoch `iteration / iterationsPerEpoch` of the seeded loader (a run capped by
 * `run.maxStepsPerEpoch` uses the first batches of each epoch). A checkpoint of a run on a larger
 * data set has longer epochs than the subset: its iterations then wrap around the subset's epochs.
 */
function batchOf(loader: DataLoader, iteration: number, iterationsPerEpoch: number) {
  if (iterationsPerEpoch <= loader.batchesPerEpoch) {
    return loader.batch(Math.floor(iteration / iterationsPerEpoch), iteration % iterationsPerEpoch);
  }
  return loader.batch(Math.floor(iteration / loader.batchesPerEpoch), iteration % loader.batchesPerEpoch);
}

/**
 * Runs the session's next iteration with `trainStep` of `@selfsup/train`, on the batch and with
 * the randomness `selfsup pretrain` would use at this iteration (the same seeded loader order,
 * `stepRng(seed, iteration)`).
 */
export async function runStep(session: Session): Promise<StepResult> {
  const { loader, iterationsPerEpoch, seed, pretraining } = session;
  const iteration = session.iteration;
  const batch = batchOf(loader, iteration, iterationsPerEpoch);
  const result = await trainStep(session.tap.recipe, batch, {
    optimizer: pretraining.optimizer,
    gradients: pretraining.gradients,
    context: { iteration, epoch: Math.floor(iteration / iterationsPerEpoch), iterationsPerEpoch, rng: stepRng(seed, iteration) },
  });
  session.iteration = iteration + 1;
  return result;
}

/** The session's state as checkpoint bytes (the format `selfsup pretrain` writes and reads). */
export async function checkpointBytes(session: Session): Promise<Uint8Array> {
  const { pretraining, iteration, iterationsPerEpoch, seed, config } = session;
  const { bytes } = await captureCheckpoint({
    recipe: pretraining.recipe,
    optimizer: pretraining.optimizer,
    step: iteration,
    iterationsPerEpoch,
    seed,
    config,
  });
  return bytes;
}

/** Builds a session from `config` and loads `checkpoint` into it; nothing is kept when either fails. */
async function sessionWith(config: Section, checkpoint: Checkpoint, train: ImageDataset, start: SessionStart): Promise<Session> {
  const next = await createSession(config, train, start);
  try {
    applyCheckpoint(checkpoint, { recipe: next.pretraining.recipe, optimizer: next.pretraining.optimizer });
    return next;
  } catch (error) {
    disposeSession(next);
    throw error;
  }
}

/** Frees the session's model, optimizer and tapped views. */
export function disposeSession(session: Session): void {
  session.tap.dispose();
  session.pretraining.dispose();
}

/**
 * The same weights, optimizer state and iteration under another configuration (the controls
 * moved): a checkpoint of the session is loaded into a pretraining built from `config`. The old
 * session is disposed only once the new one holds everything.
 */
export async function reconfigure(session: Session, config: Section, train: ImageDataset): Promise<Session> {
  const bytes = await checkpointBytes(session);
  const next = await sessionWith(config, decodeCheckpoint(bytes, 'the running model'), train, {
    iteration: session.iteration,
    seed: session.seed,
    iterationsPerEpoch: session.iterationsPerEpoch,
    origin: session.origin,
  });
  disposeSession(session);
  return next;
}

/**
 * A session from a checkpoint file of `selfsup pretrain` (or of the playground): the file is
 * verified (`decodeCheckpoint`), its stored configuration rebuilds the model, and the state is
 * loaded (`applyCheckpoint`). Throws an `SslError` saying what is wrong with the file; the running
 * session is not touched (the caller disposes it only after this returns).
 */
export async function sessionFromCheckpoint(bytes: Uint8Array, name: string, train: ImageDataset): Promise<Session> {
  const checkpoint: Checkpoint = { ...decodeCheckpoint(bytes, name), path: name };
  const config = checkpoint.metadata.config;
  if (config === null || typeof config !== 'object' || Array.isArray(config) || typeof (config as Section).method !== 'string') {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `${name}: this checkpoint stores no selfsup configuration (it was not written by selfsup pretrain or the playground), so its model cannot be rebuilt.`,
    );
  }
  const { step, seed, iterationsPerEpoch } = checkpoint.metadata;
  return sessionWith(config as Section, checkpoint, train, { iteration: step, seed, iterationsPerEpoch, origin: `${name} (step ${step})` });
}

/** Counts the values of the trainable parameters. */
export function parameterCount(session: Session): number {
  return session.pretraining.recipe.trainableParameters().reduce((sum, p) => sum + p.variable.size, 0);
}

/** `tf.memory()` numbers the page reports. */
export function memoryNow(): { numTensors: number; numBytes: number } {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}
