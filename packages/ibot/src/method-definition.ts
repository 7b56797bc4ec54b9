import type { z } from 'zod';
import type { FeatureToken } from '@selfsup/eval';
import type { ConfigProblem } from './config-problem.js';
import { methodInputOf, type MethodInput } from './method-input.js';
import type { Pretraining } from './pretraining.js';
import type { TrainingImageBytes } from './training-image-bytes.js';

/** What a method's `create` may need besides its configuration. */
export interface MethodContext {
  /** Optimizer steps per epoch (the data loader's batches, capped by `run.maxStepsPerEpoch`). */
  readonly iterationsPerEpoch: number;
  /** The training images, loaded on the first call (BEiT fits its k-means tokenizer on them). */
  trainImages(): Promise<TrainingImageBytes>;
  /** The bytes of a file a configuration names (tokenizer weights), relative to the working folder. */
  readFile(path: string): Uint8Array;
  /**
   * True when a checkpoint's state will be loaded into the pretraining right after (a resumed
   * run, an evaluation, an export): `create` may skip work whose result the checkpoint holds
   * (BEiT-style does not fit its k-means codebook, so it needs no training images).
   * @defaultValue false
   */
  readonly restoring?: boolean;
}

/**
 * Everything a program needs to know to pretrain with one method from a configuration file, as
 * plain data: its configuration schema (a zod `strictObject`), a factory returning the shared
 * {@link Pretraining} interface, its presets, what evaluation reads (feature token, input), which
 * step metrics are parts of the loss, and the rules between keys that the schema cannot express.
 * The built-in methods are listed in {@link METHODS}; the command line reads that list.
 *
 * @example
 * ```ts
 * export const dinoMethod: MethodDefinition<typeof dinoConfigSchema> = {
 *   name: 'dino',
 *   title: 'DINO',
 *   summary: 'self-distillation with no labels',
 *   schema: dinoConfigSchema,
 *   create: (config, context) => createDinoPretraining(config, context.iterationsPerEpoch),
 *   featureToken: 'class',
 * };
 * ```
 */
export interface MethodDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** The value of `method:` in a config file (`ibot`, `dino`, `beit`, `mae`): lower-case letters, digits and `-`. */
  readonly name: string;
  /** The method's name for people (`iBOT`). */
  readonly title: string;
  /** One line for `--help`. */
  readonly summary: string;
  /**
   * The method's own keys (`seed`, `epochs`, `batchSize`, `backbone`, ...), every one with a
   * default; `method`, `data` and `run` are the command line's.
   */
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
   * The backbone's input, read from a configuration ({@link multiCropInput}, {@link singleViewInput}).
   * @defaultValue {@link methodInputOf}: `backbone.inChannels`, `augmentation.globalSize` (else
   *   `augmentation.size`, else `backbone.imageSize`), `augmentation.mean` and `augmentation.std`
   *   (else 0 and 1)
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
  /**
   * The files a validated configuration names that `create` reads (BEiT's `tokenizer.weights`),
   * each with its key: a program checks that they can be read before it creates or computes
   * anything (the command line does, relative to its working folder).
   * @defaultValue none
   */
  files?(config: z.output<Schema>): readonly NamedFile[];
}

/** A file a configuration names under `key` (a path as written there: relative to the working folder, or absolute). */
export interface NamedFile {
  readonly key: string;
  readonly path: string;
}

/** The input of `method` for a validated configuration (its `input`, else {@link methodInputOf}). */
export function inputOf(method: MethodDefinition, config: unknown): MethodInput {
  return method.input ? method.input(config as never) : methodInputOf(config);
}
