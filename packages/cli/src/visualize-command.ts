import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isSslError, type Backbone } from '@selfsup/core';
import type { MaeParts } from '@selfsup/ibot';
import type { RasterImage } from '@selfsup/eval';
import { checkFlags, describeFlags, parseFlags } from './cli-flags.js';
import { displayPath, type CliIo } from './cli-io.js';
import { inputOf } from './method-registry.js';
import { openCheckpoint, pickBackbone, type OpenedCheckpoint } from './open-checkpoint.js';
import { usageError } from './usage-error.js';
import { VISUALIZE_FLAGS, visualizeHelp } from './visualize-flags.js';
import { firstImages, loadVisualizeImages, statVisualizeSource, visualizeTensor, type VisualizeImages } from './visualize-images.js';
import { attentionPicture, pcaPicture, reconstructionPicture, type InputNormalization } from './visualize-pictures.js';
import { writePng } from './visualize-png.js';

/** Options of `selfsup visualize`. */
export interface VisualizeOptions {
  /** A checkpoint of `selfsup pretrain`, or a run folder (its latest checkpoint). */
  readonly checkpoint: string;
  /** `fashion-mnist`, an IDX images file or a folder. @defaultValue the run's held-out images (else its training images) */
  readonly images?: string;
  /** @defaultValue 8 */
  readonly count?: number;
  /** @defaultValue `visualize/` in the run folder (beside a checkpoint outside a `checkpoints/` folder) */
  readonly out?: string;
  /** `teacher` (the default when there is one) or `student`. */
  readonly which?: string;
  /** The random masks of MAE's reconstructions. @defaultValue 0 */
  readonly seed?: number;
  readonly backend?: string;
  readonly threads?: number;
}

/** What `selfsup visualize` wrote: the PNG files, and why a picture was left out. */
export interface VisualizeResult {
  readonly files: readonly string[];
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

/**
 * `selfsup visualize`: draws the last-layer attention maps per head, the PCA colours of the patch
 * features and (for MAE-style checkpoints) reconstructions of a few images, as PNG files. A
 * picture the backbone cannot give (attention maps of a Swin Transformer) is left out with the
 * reason on stderr; the others are still written.
 */
export async function runVisualize(options: VisualizeOptions, io: CliIo): Promise<VisualizeResult> {
  const cwd = io.cwd ?? process.cwd();
  if (options.images !== undefined && options.images !== 'fashion-mnist') await statVisualizeSource(options.images, cwd); // before the checkpoint is opened
  const opened = await openCheckpoint(options.checkpoint, { ...(options.backend ? { backend: options.backend } : {}), ...(options.threads ? { threads: options.threads } : {}), cwd });
  try {
    const { which, backbone } = pickBackbone(opened, options.which);
    const input = inputOf(opened.method, opened.config);
    const source = options.images === undefined ? await runImages(opened, options.count ?? 8) : await loadVisualizeImages(options.images, options.count ?? 8, input.channels === 1 ? 1 : 3, cwd);
    const out = resolve(cwd, options.out ?? defaultOutOf(opened.path));
    const pixels = visualizeTensor(source, input.imageSize, input.channels);
    // [B, S, S, C] - [C], / [C]: the network's input, as in training
    const normalised = tf.tidy(() => tf.div(tf.sub(pixels, tf.tensor1d([...input.mean])), tf.tensor1d([...input.std])) as tf.Tensor4D);
    pixels.dispose();
    try {
      io.stderr.write(`drawing the ${which} of ${displayPath(opened.path, cwd)} (step ${opened.metadata.step}) on ${source.images.length} image(s) of ${source.name}\n`);
      return await drawPictures(opened, backbone, normalised, { out, seed: options.seed ?? 0, normalization: input }, io);
    } finally {
      normalised.dispose();
    }
  } finally {
    opened.pretraining.dispose();
  }
}

async function drawPictures(
  opened: OpenedCheckpoint,
  backbone: Backbone,
  input: tf.Tensor4D,
  options: { readonly out: string; readonly seed: number; readonly normalization: InputNormalization },
  io: CliIo,
): Promise<VisualizeResult> {
  const cwd = io.cwd ?? process.cwd();
  const files: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const write = async (file: string, draw: () => Promise<RasterImage>): Promise<void> => {
    const path = join(options.out, file);
    let picture: RasterImage;
    try {
      picture = await draw();
    } catch (error) {
      if (!isSslError(error, 'NOT_SUPPORTED')) throw error;
      skipped.push({ file, reason: error.message });
      io.stderr.write(`${file} not written: ${error.message}\n`);
      return;
    }
    await writePng(path, picture);
    files.push(path);
    io.stdout.write(`wrote ${displayPath(path, cwd)} (${picture.width}x${picture.height})\n`);
  };
  await write('attention.png', () => attentionPicture(backbone, input, options.normalization));
  await write('pca.png', () => pcaPicture(backbone, input, options.normalization));
  const mae = maePartsOf(opened);
  if (mae) {
    const config = opened.config as unknown as { masking?: { ratio?: number }; loss?: { normalizePixels?: boolean } };
    await write('reconstructions.png', () =>
      reconstructionPicture(mae, input, {
        normalization: options.normalization,
        maskRatio: config.masking?.ratio ?? 0.75,
        normalizePixels: config.loss?.normalizePixels ?? true,
        seed: options.seed,
      }),
    );
  }
  return { files, skipped };
}

/** The encoder and decoder of an MAE-style pretraining (a recipe whose student has a decoder), else undefined. */
function maePartsOf(opened: OpenedCheckpoint): MaeParts | undefined {
  const recipe = opened.pretraining.recipe as { student?: { parts?: Partial<MaeParts> } };
  const parts = recipe.student?.parts;
  return parts?.backbone && typeof parts.decoder?.decode === 'function' ? (parts as MaeParts) : undefined;
}

/** The run's held-out images, else its training images. */
async function runImages(opened: OpenedCheckpoint, count: number): Promise<VisualizeImages> {
  const data = await opened.datasets();
  return data.heldOut ? firstImages(data.heldOut, count, `${data.name} (held out)`) : firstImages(data.train, count, `${data.name} (training)`);
}

/**
 * Where pictures go without `--out`: `visualize/` in the run folder of a checkpoint in its
 * `checkpoints/` folder, else beside the checkpoint (never above a folder the user named).
 */
export function defaultOutOf(checkpoint: string): string {
  const folder = dirname(checkpoint);
  return join(basename(folder) === 'checkpoints' ? dirname(folder) : folder, 'visualize');
}

/** `selfsup visualize [flags]` from its arguments: help, or the pictures. */
export async function visualizeCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, VISUALIZE_FLAGS, 'visualize');
  if (values.help) {
    io.stdout.write(visualizeHelp(describeFlags(VISUALIZE_FLAGS)));
    return 0;
  }
  checkFlags(values, VISUALIZE_FLAGS, 'visualize');
  const seed = values.seed;
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0)) {
    throw usageError(`--seed: expected an integer >= 0, got ${JSON.stringify(seed)}.`);
  }
  await runVisualize(
    {
      checkpoint: values.checkpoint!,
      ...(values.images !== undefined ? { images: values.images } : {}),
      ...(values.count !== undefined ? { count: values.count } : {}),
      ...(values.out !== undefined ? { out: values.out } : {}),
      ...(values.which !== undefined ? { which: values.which } : {}),
      ...(seed !== undefined ? { seed: seed as number } : {}),
      ...(values.backend !== undefined ? { backend: values.backend } : {}),
      ...(values.threads !== undefined ? { threads: values.threads } : {}),
    },
    io,
  );
  return 0;
}
