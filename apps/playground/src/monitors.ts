import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '@selfsup/core';
import { selectImages, type ImageDataset } from '@selfsup/data';
import { collapseIndicators, createKnnMonitor, type KnnMonitor } from '@selfsup/eval';
import { evaluationPreprocess, imagesFromBatch, inputOf } from '@selfsup/ibot';
import type { CollapseReport } from './protocol.js';
import type { Session } from './session.js';

/** The backbone a method is judged by: the teacher when it has one (as `selfsup eval` picks), else the student. */
export function evaluatedBackbone(session: Session): { which: 'teacher' | 'student'; backbone: Backbone } {
  const { student, teacher } = session.pretraining.backbones();
  return teacher ? { which: 'teacher', backbone: teacher } : { which: 'student', backbone: student };
}

/** The first `count` images of a data set (all of them when it has fewer). */
export function firstImages(dataset: ImageDataset, count: number): ImageDataset {
  return count >= dataset.count ? dataset : selectImages(dataset, Array.from({ length: count }, (_, i) => i));
}

/**
 * DINO's weighted k-NN (k=20, T=0.07) with `createKnnMonitor` of `@selfsup/eval`: the training
 * images are the memory, the held-out ones are classified, as `selfsup pretrain` evaluates the
 * bundled subset (with all 1,000 and 500 of the subset; a slow backend can use fewer).
 */
export function createPlaygroundKnn(session: Session, allTrain: ImageDataset, allTest: ImageDataset, counts: { train: number; test: number }): KnnMonitor {
  const train = firstImages(allTrain, counts.train);
  const test = firstImages(allTest, counts.test);
  return createKnnMonitor({
    trainImages: train,
    trainLabels: train.labels,
    testImages: test,
    testLabels: test.labels,
    classCount: Math.max(train.classNames.length, test.classNames.length),
    token: session.method.featureToken ?? 'class',
    k: Math.min(20, train.count),
    temperature: 0.07,
    batchSize: 250,
    preprocess: evaluationPreprocess(inputOf(session.method, session.methodConfig)),
  });
}

/** The first `count` images of a data set as a `[count, H, W, C]` tensor in [0, 1], normalised as in training. The caller owns it. */
export function heldOutImages(session: Session, dataset: ImageDataset, count: number): tf.Tensor4D {
  const n = Math.min(count, dataset.count);
  const size = dataset.height * dataset.width * dataset.channels;
  const batch = { images: dataset.images.subarray(0, n * size), size: n, height: dataset.height, width: dataset.width, channels: dataset.channels };
  const preprocess = evaluationPreprocess(inputOf(session.method, session.methodConfig));
  return tf.tidy('heldOutImages', () => preprocess(imagesFromBatch(batch)));
}

/** The parts of the iBOT and DINO recipes the collapse indicators read. */
interface DistillationParts {
  readonly teacher: { readonly module?: { readonly parts: { readonly backbone: Backbone; readonly head: TeacherHead } } };
  readonly center: { readonly value: tf.Tensor };
}

/** iBOT's head projects [CLS] tokens with `projectClass`, DINO's with `project`. */
interface TeacherHead {
  projectClass?(classToken: tf.Tensor2D): tf.Tensor2D;
  project?(features: tf.Tensor): tf.Tensor;
}

/** The teacher's [CLS] logits for `images`, or undefined for a method without a teacher head (MAE). The caller owns them. */
export function teacherLogits(session: Session, images: tf.Tensor4D): tf.Tensor2D | undefined {
  const parts = (session.pretraining.recipe as unknown as Partial<DistillationParts>).teacher?.module?.parts;
  if (!parts) return undefined;
  return tf.tidy('teacherLogits', () => {
    const { classToken } = parts.backbone.encode(images);
    const head = parts.head;
    return (head.projectClass ? head.projectClass(classToken) : head.project!(classToken)) as tf.Tensor2D;
  });
}

/**
 * The DINO paper's collapse indicators (`collapseIndicators` of `@selfsup/eval`) of the teacher's
 * outputs on held-out images, centred and sharpened as the teacher's targets are: mean per-image
 * entropy (high: uniform collapse), entropy of the mean and its KL to uniform (high KL: every image
 * gets the same prototype).
 */
export async function collapseReport(session: Session, images: tf.Tensor4D, temperature: number): Promise<CollapseReport | undefined> {
  const logits = teacherLogits(session, images);
  if (!logits) return undefined;
  try {
    const center = (session.pretraining.recipe as unknown as DistillationParts).center.value;
    const indicators = await collapseIndicators(logits, { temperature, center });
    return { iteration: session.iteration, ...indicators };
  } finally {
    logits.dispose();
  }
}
