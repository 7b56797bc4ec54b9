// The messages between the page (src/main.ts) and the training worker (src/trainer.worker.ts). The
// worker owns TensorFlow.js and the model; the page draws. Pictures travel as RGBA rasters
// (`RasterImage` of @selfsup/eval), whose buffers are transferred, not copied.
import type { RasterImage } from '@selfsup/eval';
import type { PlaygroundBackend, PlaygroundMethod, PlaygroundSize } from './options.js';

/** The knobs a user turns while the model trains: each rebuilds the method with the same weights. */
export interface Controls {
  /** The teacher's softmax temperature ([CLS]); the DINO paper's 0.04 to 0.07. Not used by MAE. */
  readonly teacherTemperature: number;
  /** The EMA momentum of the teacher (held constant). Not used by MAE. */
  readonly momentum: number;
  /** Share of patches masked (iBOT's block masks, MAE's removed patches). Not used by DINO. */
  readonly maskRatio: number;
}

/** What to train. */
export interface SessionSpec {
  readonly method: PlaygroundMethod;
  readonly size: PlaygroundSize;
  readonly backend: PlaygroundBackend;
  /**
   * Configuration keys set on top of the method's example and size, as `selfsup pretrain --set`
   * does: `[['batchSize', 8], ['optimizer.warmupEpochs', 0]]` (stored in saved checkpoints).
   */
  readonly overrides: readonly (readonly [string, unknown])[];
  /** Steps between k-NN evaluations. */
  readonly knnEverySteps: number;
  /** k-NN memory: the first this many training images (all 1,000 by default, as `selfsup pretrain`). */
  readonly knnTrainImages: number;
  /** k-NN queries: the first this many held-out images (all 500 by default). */
  readonly knnTestImages: number;
  /** Steps between pictures (attention, PCA, masks, reconstructions, collapse indicators). */
  readonly picturesEverySteps: number;
}

export type PageMessage =
  | { readonly type: 'start'; readonly spec: SessionSpec }
  | { readonly type: 'run'; readonly running: boolean }
  | { readonly type: 'controls'; readonly controls: Controls }
  | { readonly type: 'load-checkpoint'; readonly name: string; readonly bytes: ArrayBuffer }
  | { readonly type: 'save-checkpoint' }
  | { readonly type: 'class-features'; readonly requestId: number; readonly count: number; readonly which: 'teacher' | 'student' };

/** One training step, as the worker reports it. */
export interface StepReport {
  readonly iteration: number;
  readonly epoch: number;
  readonly loss: number;
  readonly terms: Readonly<Record<string, number>>;
  readonly learningRate: number;
  readonly gradNorm: number;
  readonly milliseconds: number;
  /** `tf.memory()` after the step. */
  readonly numTensors: number;
  readonly numBytes: number;
}

/** The DINO paper's collapse indicators of the teacher on held-out images (`collapseIndicators` of @selfsup/eval). */
export interface CollapseReport {
  readonly iteration: number;
  readonly meanEntropy: number;
  readonly entropyOfMean: number;
  readonly klToUniform: number;
  readonly maxEntropy: number;
}

/** The pictures of one moment of training, each an RGBA raster. */
export interface PictureReport {
  readonly iteration: number;
  /** Rows of [image | one attention map per head], or why there is none. */
  readonly attention: RasterImage | string;
  /** Rows of [image | PCA colours of its patch features]. */
  readonly pca: RasterImage | string;
  /** The masks of the last step's first images, over the crops they hid. */
  readonly masks: RasterImage | string;
  /** MAE-style: rows of [image | masked | reconstruction | pasted]. */
  readonly reconstructions: RasterImage | string;
}

/** Where the session stands, sent after every change. */
export interface SessionReport {
  readonly method: PlaygroundMethod;
  readonly title: string;
  readonly size: PlaygroundSize;
  readonly backend: { readonly name: string; readonly reason: string; readonly adapter?: string };
  readonly controls: Controls;
  /** Which controls this method reads. */
  readonly usesControls: Readonly<Record<keyof Controls, boolean>>;
  readonly iteration: number;
  readonly iterationsPerEpoch: number;
  readonly parameters: number;
  readonly running: boolean;
  /** Where the weights came from: 'random initialisation' or the checkpoint's name and step. */
  readonly origin: string;
}

export type WorkerMessage =
  | { readonly type: 'session'; readonly session: SessionReport }
  | { readonly type: 'step'; readonly step: StepReport }
  | { readonly type: 'knn'; readonly iteration: number; readonly top1: number; readonly top5: number; readonly milliseconds: number }
  | { readonly type: 'collapse'; readonly collapse: CollapseReport }
  | { readonly type: 'pictures'; readonly pictures: PictureReport }
  | { readonly type: 'checkpoint-saved'; readonly name: string; readonly bytes: ArrayBuffer }
  | { readonly type: 'class-features'; readonly requestId: number; readonly shape: readonly number[]; readonly values: Float32Array }
  /** A problem the user must see (a refused checkpoint, a backend that failed); the session keeps running. */
  | { readonly type: 'problem'; readonly message: string; readonly code?: string }
  | { readonly type: 'status'; readonly text: string };
