import type { z } from 'zod';
import { SslError, stateDictFromSafetensors } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import type { FeatureToken } from '@selfsup/eval';
import {
  BEIT_FASHION_MNIST_REFERENCE,
  DINOV2_FASHION_MNIST_REFERENCE,
  DINO_FASHION_MNIST_REFERENCE,
  IBOT_FASHION_MNIST_REFERENCE,
  MAE_FASHION_MNIST_REFERENCE,
  beitConfigSchema,
  createBeitPretraining,
  createBeitTokenizer,
  createDinoPretraining,
  createDinov2StylePretraining,
  createIbotPretraining,
  createMaePretraining,
  dinoConfigSchema,
  dinov2ConfigSchema,
  ibotConfigSchema,
  maeConfigSchema,
  type Pretraining,
} from '@selfsup/ibot';
import {
  beitTokenizerProblems,
  cropProblems,
  maeDecoderProblems,
  maeMaskingProblems,
  maskRatioProblems,
  vitProblems,
  type ConfigProblem,
} from './config-problems.js';

/** What the images given to a method's backbone look like, read from its configuration. */
export interface MethodInput {
  /** Image channels the backbone takes (`backbone.inChannels`). */
  readonly channels: number;
  /** The side at which images are encoded for evaluation (the global crop size). */
  readonly imageSize: number;
  /** Per-channel mean of the normalisation applied to the crops (`augmentation.mean`). */
  readonly mean: readonly number[];
  /** Per-channel standard deviation of that normalisation (`augmentation.std`). */
  readonly std: readonly number[];
}

/** What a method's factory may need besides its configuration. */
export interface MethodContext {
  /** Optimizer steps per epoch (the data loader's batches, capped by `run.maxStepsPerEpoch`). */
  readonly iterationsPerEpoch: number;
  /** The training images, loaded on the first call (BEiT fits its k-means tokenizer on them). */
  trainImages(): Promise<ImageDataset>;
  /** The bytes of a file a configuration names (tokenizer weights), relative to the working folder. */
  readFile(path: string): Uint8Array;
}

/**
 * A pretraining method the command line can run: its configuration schema (a zod
 * `strictObject`), a factory returning the shared {@link Pretraining} interface of
 * `@selfsup/ibot`, and what evaluation needs to know. Register one with {@link registerMethod}.
 */
export interface MethodDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** The value of `method:` in a config file (`ibot`, `dino`, `beit`, `mae`). */
  readonly name: string;
  /** The method's name for people (`iBOT`). */
  readonly title: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** The method's own keys (`seed`, `epochs`, `batchSize`, `backbone`, ...), every one with a default. */
  readonly schema: Schema;
  /** Builds the pretraining from a validated configuration (the method's keys only). */
  create(config: z.output<Schema>, context: MethodContext): Pretraining | Promise<Pretraining>;
  /**
   * Which tokens make an image's feature for k-NN and linear evaluation: the [CLS] token for
   * methods with a [CLS] objective (iBOT, DINO), the mean patch token for BEiT- and MAE-style ones.
   * @defaultValue 'class'
   */
  readonly featureToken?: FeatureToken;
  /**
   * The backbone's input, read from a configuration.
   * @defaultValue {@link methodInputOf}: `backbone.inChannels`, `augmentation.globalSize` (else
   * `backbone.imageSize`), `augmentation.mean` and `augmentation.std` (else 0 and 1)
   */
  input?(config: z.output<Schema>): MethodInput;
  /**
   * Step metrics that are parts of the loss, drawn beside the total in `plot.png` (iBOT: `cls`
   * and `patch`).
   * @defaultValue none
   */
  readonly lossParts?: readonly string[];
  /** Named configurations of the method's keys (`fashion-mnist-reference`), shown by `--help`. */
  readonly presets?: Readonly<Record<string, unknown>>;
  /**
   * The rules between keys that the schema cannot express (every crop a multiple of the patch
   * size, ...), checked on a validated configuration before anything is created or computed: one
   * {@link ConfigProblem} per broken rule, none when the configuration can run.
   * @defaultValue no rules
   */
  check?(config: z.output<Schema>): ConfigProblem[];
}

const registry = new Map<string, MethodDefinition>();

/**
 * Adds a method to the command line (`method: <name>` in config files). The built-in ones are
 * registered when `@selfsup/cli` loads; a program embedding the CLI can add its own before calling
 * `main`.
 *
 * @example
 * ```ts
 * registerMethod({ name: 'mine', title: 'Mine', summary: 'my method', schema: mineConfigSchema, create: createMinePretraining });
 * await main(['pretrain', '--config', 'mine.yaml']);
 * ```
 */
export function registerMethod<Schema extends z.ZodObject>(definition: MethodDefinition<Schema>): void {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `registerMethod(definition.name): expected lower-case letters, digits and "-", got ${JSON.stringify(definition.name)}.`,
    );
  }
  for (const reserved of ['method', 'data', 'run']) {
    if (reserved in definition.schema.shape) {
      throw new SslError(
        'INVALID_ARGUMENT',
        `registerMethod(${definition.name}): its schema has a key "${reserved}", which the command line reserves for its own section. Rename it.`,
      );
    }
  }
  registry.set(definition.name, definition as unknown as MethodDefinition);
}

/** The registered method names, in registration order. */
export function methodNames(): string[] {
  return [...registry.keys()];
}

/**
 * The method registered under `name`.
 * @throws SslError `INVALID_CONFIG` naming the key `method`, the registered names and the value.
 */
export function getMethod(name: unknown): MethodDefinition {
  const method = typeof name === 'string' ? registry.get(name) : undefined;
  if (!method) {
    throw new SslError(
      'INVALID_CONFIG',
      `method: expected one of ${methodNames().map((n) => JSON.stringify(n)).join(', ')}, got ${name === undefined ? 'nothing' : JSON.stringify(name)}. ` +
        'Every config file names its method first, e.g. "method: ibot".',
      { details: { key: 'method', expected: methodNames(), actual: name } },
    );
  }
  return method;
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

/**
 * The default {@link MethodDefinition.input}: `backbone.inChannels`; the crop side
 * `augmentation.globalSize` (multi-crop methods) or `augmentation.size` (single-view methods), else
 * `backbone.imageSize`; `augmentation.mean` and `augmentation.std`.
 */
export function methodInputOf(config: unknown): MethodInput {
  const c = (config ?? {}) as { backbone?: { inChannels?: unknown; imageSize?: unknown }; augmentation?: Record<string, unknown> };
  const channels = typeof c.backbone?.inChannels === 'number' ? c.backbone.inChannels : 3;
  const cropSize = c.augmentation?.globalSize ?? c.augmentation?.size;
  const imageSize = typeof cropSize === 'number' ? cropSize : typeof c.backbone?.imageSize === 'number' ? c.backbone.imageSize : 224;
  return {
    channels,
    imageSize,
    mean: numbers(c.augmentation?.mean) ?? new Array<number>(channels).fill(0),
    std: numbers(c.augmentation?.std) ?? new Array<number>(channels).fill(1),
  };
}

/** The input of `method` for a validated configuration. */
export function inputOf(method: MethodDefinition, config: unknown): MethodInput {
  return method.input ? method.input(config as never) : methodInputOf(config);
}

/** The crop rules of the multi-crop methods (iBOT, DINO, DINOv2-style): global and local crops. */
function multiCropProblems(config: {
  backbone: Parameters<typeof vitProblems>[0];
  augmentation: { globalSize: number; globalCrops: number; localSize: number; localCrops: number; mean: number[]; std: number[] };
}): ConfigProblem[] {
  const a = config.augmentation;
  return cropProblems(
    config.backbone,
    [
      ['augmentation.globalSize', a.globalSize, a.globalCrops],
      ['augmentation.localSize', a.localSize, a.localCrops],
    ],
    a,
  );
}

registerMethod({
  name: 'ibot',
  title: 'iBOT',
  summary: 'masked image modelling with an online tokenizer: DINO on [CLS] plus a patch objective on masked tokens',
  schema: ibotConfigSchema,
  create: (config, context) => createIbotPretraining(config, context.iterationsPerEpoch),
  featureToken: 'class',
  lossParts: ['cls', 'patch'],
  presets: { 'fashion-mnist-reference': IBOT_FASHION_MNIST_REFERENCE },
  check: (config) => [...vitProblems(config.backbone), ...multiCropProblems(config), ...maskRatioProblems(config.masking)],
});

registerMethod({
  name: 'dino',
  title: 'DINO',
  summary: 'self-distillation with no labels: a student matches an EMA teacher on [CLS] across multi-crop views',
  schema: dinoConfigSchema,
  create: (config, context) => createDinoPretraining(config, context.iterationsPerEpoch),
  featureToken: 'class',
  presets: { 'fashion-mnist-reference': DINO_FASHION_MNIST_REFERENCE },
  check: (config) => [...vitProblems(config.backbone), ...multiCropProblems(config)],
});

registerMethod({
  name: 'dinov2',
  title: 'DINOv2-style',
  summary: 'iBOT with an untied patch head, Sinkhorn-Knopp centring and the KoLeo regulariser',
  schema: dinov2ConfigSchema,
  create: (config, context) => createDinov2StylePretraining(config, context.iterationsPerEpoch),
  featureToken: 'class',
  lossParts: ['cls', 'patch'],
  presets: { 'fashion-mnist-reference': DINOV2_FASHION_MNIST_REFERENCE },
  check: (config) => [...vitProblems(config.backbone), ...multiCropProblems(config), ...maskRatioProblems(config.masking)],
});

registerMethod({
  name: 'mae',
  title: 'MAE',
  summary: 'masked autoencoder: encode a quarter of the patches, reconstruct the pixels of the others',
  schema: maeConfigSchema,
  create: (config, context) => createMaePretraining(config, context.iterationsPerEpoch),
  featureToken: 'meanPatch',
  presets: { 'fashion-mnist-reference': MAE_FASHION_MNIST_REFERENCE },
  check: (config) => [
    ...vitProblems(config.backbone),
    ...cropProblems(config.backbone, [['augmentation.size', config.augmentation.size, 1]], config.augmentation),
    ...maeMaskingProblems(config.masking.ratio, config.augmentation.size, config.backbone.patchSize),
    ...maeDecoderProblems(config.decoder),
  ],
});

registerMethod({
  name: 'beit',
  title: 'BEiT-style',
  summary: 'masked image modelling: predict the visual tokens (k-means, dVAE or a frozen teacher) of masked patches',
  schema: beitConfigSchema,
  create: async (config, context) => {
    const t = config.tokenizer;
    const sources =
      t.kind === 'kmeans'
        ? { images: await context.trainImages() }
        : t.weights !== undefined
          ? { stateDict: stateDictFromSafetensors(context.readFile(t.weights), t.weights) }
          : {};
    const tokenizer = await createBeitTokenizer(config, sources);
    try {
      return createBeitPretraining(config, context.iterationsPerEpoch, { tokenizer });
    } catch (error) {
      tokenizer.dispose();
      throw error;
    }
  },
  featureToken: 'meanPatch',
  presets: { 'fashion-mnist-reference': BEIT_FASHION_MNIST_REFERENCE },
  check: (config) => [
    ...vitProblems(config.backbone),
    ...cropProblems(config.backbone, [['augmentation.size', config.augmentation.size, 1]], config.augmentation),
    ...beitTokenizerProblems(config.tokenizer, config.backbone.patchSize),
  ],
});
