import { z } from 'zod';
import { BACKEND_NAMES } from '@selfsup/backend';
import type { MethodDefinition } from './method-registry.js';

/** The datasets `data.dataset` names. */
export const DATASET_NAMES = ['fashion-mnist-subset', 'fashion-mnist', 'mnist', 'image-folder'] as const;

/**
 * `data.heldOut: { from: train, last: 10000 }`: the last images of the training split are held out
 * (file order): the run trains on the others, k-NN and the linear probe are fitted on them and score
 * the held-out ones.
 */
export const heldOutFromTrainSchema = z.strictObject({
  from: z.literal('train').describe('The split the held-out images are taken from'),
  last: z.number().int().positive().describe('How many of its last images are held out (never trained on)'),
});

/** Where the images come from. */
export const dataConfigSchema = z
  .strictObject({
    dataset: z
      .enum(DATASET_NAMES)
      .default('fashion-mnist-subset')
      .describe(
        'fashion-mnist-subset: the 1,000 + 500 images bundled with @selfsup/data; fashion-mnist: the full set (folder, Debian\'s ' +
          '/usr/share/datasets/fashion-mnist or the download cache); mnist: IDX files in folder; image-folder: folder/<split>/<class>/*.png|jpg',
      ),
    folder: z.string().min(1).optional().describe('The dataset folder (required for mnist and image-folder)'),
    download: z.boolean().default(false).describe('fashion-mnist: download it once into the cache when no local copy is found'),
    heldOut: z
      .union([z.enum(['test', 'val', 'none']), heldOutFromTrainSchema])
      .default('test')
      .describe(
        'The images k-NN (and the linear probe) classify: a split (image-folder: the sub-folder name), { from: train, last: n } ' +
          '(the last n training images, never trained on: choose a recipe there, keep test for the final figure), or none (no k-NN)',
      ),
  })
  .superRefine((data, context) => {
    if ((data.dataset === 'mnist' || data.dataset === 'image-folder') && data.folder === undefined) {
      context.addIssue({ code: 'custom', path: ['folder'], message: `expected a folder for dataset ${data.dataset}` });
    }
    if (data.dataset !== 'image-folder' && data.heldOut === 'val') {
      context.addIssue({ code: 'custom', path: ['heldOut'], message: `expected "test" or "none" (${data.dataset} has no val split)` });
    }
    if (data.dataset === 'fashion-mnist-subset' && data.folder !== undefined) {
      context.addIssue({ code: 'custom', path: ['folder'], message: 'expected no folder for the bundled subset (use dataset: fashion-mnist)' });
    }
  });

/** How the run is carried out: where it writes, how often it saves and evaluates, on which backend. */
export const runConfigSchema = z.strictObject({
  outDir: z.string().min(1).optional().describe('The run folder: checkpoints/, metrics.jsonl, plot.png (default runs/<method>)'),
  checkpointEverySteps: z.number().int().positive().optional().describe('Save every this many steps (default: once per epoch), at the end and on Ctrl-C'),
  keepCheckpoints: z.number().int().min(1).default(3).describe('Checkpoints kept; older ones are deleted'),
  knnEveryEpochs: z.number().int().min(0).default(1).describe('k-NN evaluation every this many epochs (0: only at the end)'),
  knnBeforeTraining: z.boolean().default(true).describe('Also evaluate k-NN before the first step (the random initialisation, plotted at epoch 0)'),
  knnK: z.number().int().positive().default(20).describe('Neighbours that vote (k of eval_knn.py)'),
  knnTemperature: z.number().positive().default(0.07).describe('Temperature of the k-NN vote weights exp(similarity / T)'),
  knnOf: z
    .array(z.enum(['teacher', 'student']))
    .min(1)
    .default(['teacher', 'student'])
    .describe('Which backbones k-NN evaluates (the teacher when the method has one)'),
  linearEveryEpochs: z
    .number()
    .int()
    .min(0)
    .nullable()
    .optional()
    .describe(
      'Also a linear probe of the knnOf backbones (fitted on the training images, scored on the held-out ones) every this many ' +
        'epochs (0: only at the end); off when absent or null (--set run.linearEveryEpochs=null): each costs minutes ' +
        '(raw features of every image, a sweep of 5 probes)',
    ),
  linearEpochs: z.number().int().positive().default(100).describe('Epochs of each probe of the linear-probe sweep (DINO: 100)'),
  maxStepsPerEpoch: z.number().int().positive().optional().describe('Cap on the steps of an epoch, for smoke runs (default: the whole data set)'),
  backend: z.enum(['auto', ...BACKEND_NAMES]).default('auto').describe('TensorFlow.js backend: auto picks the fastest installed'),
  threads: z.number().int().positive().max(1024).optional().describe('Threads of the backend (default SELFSUP_THREADS, else the cores)'), // at most useBackend's 1024
  progress: z.enum(['auto', 'bar', 'lines', 'none']).default('auto').describe('auto: a bar with ETA on a terminal, plain lines in CI and pipes'),
  plot: z.boolean().default(true).describe('Write plot.png (loss curves and k-NN accuracy) at the end'),
});

/** `data.heldOut`, validated: a split name, images held out of the training split, or `none`. */
export type HeldOutConfig = z.output<typeof dataConfigSchema>['heldOut'];
/** The `data:` section, validated. */
export type DataConfig = z.output<typeof dataConfigSchema>;
/** The `run:` section, validated. */
export type RunConfig = z.output<typeof runConfigSchema>;

/** A validated config file: the method's keys plus `method`, `data` and `run`. */
export type CliConfig = {
  readonly method: string;
  readonly data: DataConfig;
  readonly run: RunConfig;
} & Record<string, unknown>;

const schemas = new WeakMap<MethodDefinition, z.ZodObject>();

/**
 * The zod schema of a config file for `method`: one `strictObject` holding `method` (the literal
 * name), the `data` and `run` sections and every key of the method's own schema, so a typo
 * anywhere is refused.
 *
 * @example
 * ```ts
 * const schema = cliConfigSchema(getMethod('ibot'));
 * schema.parse({ method: 'ibot', epochs: 1 }).run.knnK; // 20
 * ```
 */
export function cliConfigSchema(method: MethodDefinition): z.ZodObject {
  let schema = schemas.get(method);
  if (!schema) {
    schema = z.strictObject({
      method: z.literal(method.name).describe(`${method.title}: ${method.summary}`),
      data: dataConfigSchema.default(dataConfigSchema.parse({})).describe('Where the images come from'),
      run: runConfigSchema.default(runConfigSchema.parse({})).describe('Where the run writes, how often it saves and evaluates'),
      ...method.schema.shape,
    });
    schemas.set(method, schema);
  }
  return schema;
}
