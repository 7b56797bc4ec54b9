// The training worker: it owns TensorFlow.js, the data and the model, so the page stays responsive
// while a step runs. It trains with the packages a Node.js program uses (@selfsup/backend, ibot,
// train, eval, data), answers the page's messages between steps, and reports steps, k-NN accuracy,
// collapse indicators and pictures.
import * as tf from '@tensorflow/tfjs-core';
import { isSslError } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import type { KnnMonitor, RasterImage } from '@selfsup/eval';
import { chooseBackend } from './backend-choice.js';
import { loadFashionMnistSubset } from './fashion-mnist.js';
import { collapseReport, createPlaygroundKnn, evaluatedBackbone, heldOutImages } from './monitors.js';
import { drawPictures } from './pictures.js';
import { controlsOf, controlsUsedBy, playgroundConfig, withControls } from './presets.js';
import type { Controls, PageMessage, PictureReport, SessionReport, SessionSpec, WorkerMessage } from './protocol.js';
import {
  checkpointBytes,
  createSession,
  disposeSession,
  memoryNow,
  parameterCount,
  reconfigure,
  runStep,
  sessionFromCheckpoint,
  type Session,
} from './session.js';

/** How many held-out images the pictures show, and how many the collapse indicators read. */
const PICTURE_IMAGES = 4;
const COLLAPSE_IMAGES = 256;

function knnCounts(spec: SessionSpec): { train: number; test: number } {
  return { train: spec.knnTrainImages, test: spec.knnTestImages };
}

interface WorkerState {
  spec: SessionSpec;
  backend: SessionReport['backend'];
  train: ImageDataset;
  test: ImageDataset;
  session: Session;
  knn: KnnMonitor;
  controls: Controls;
  running: boolean;
}

let state: WorkerState | undefined;
/** Every operation on the model runs after the previous one: steps, controls, loads and saves never interleave. */
let queue: Promise<unknown> = Promise.resolve();

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

function exclusive<T>(operation: () => Promise<T>): Promise<T> {
  const next = queue.then(operation);
  queue = next.catch(() => undefined);
  return next;
}

function problem(error: unknown): void {
  const message = isSslError(error) ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  post({ type: 'problem', message, ...(isSslError(error) ? { code: error.code } : {}) });
  if (!isSslError(error)) console.error(error);
}

function sessionReport(s: WorkerState): SessionReport {
  const { session } = s;
  return {
    method: session.method.name as SessionReport['method'],
    title: session.method.title,
    size: s.spec.size,
    backend: s.backend,
    controls: s.controls,
    usesControls: controlsUsedBy(session.method.name),
    iteration: session.iteration,
    iterationsPerEpoch: session.iterationsPerEpoch,
    parameters: parameterCount(session),
    running: s.running,
    origin: session.origin,
  };
}

async function start(spec: SessionSpec): Promise<void> {
  if (state) state.running = false;
  post({ type: 'status', text: 'choosing a backend' });
  const info = state?.backend ?? (await backendReport(spec));
  post({ type: 'status', text: 'loading the Fashion-MNIST subset' });
  const [train, test] = state ? [state.train, state.test] : await Promise.all([loadFashionMnistSubset('train'), loadFashionMnistSubset('test')]);
  const config = playgroundConfig(spec.method, spec.size, spec.overrides);
  // built before the running session is freed: a configuration that cannot run leaves it as it was
  const session = await createSession(config, train, { iteration: 0, origin: 'random initialisation' });
  if (state) disposeSession(state.session);
  state = { spec, backend: info, train, test, session, knn: createPlaygroundKnn(session, train, test, knnCounts(spec)), controls: controlsOf(config), running: false };
  post({ type: 'session', session: sessionReport(state) });
  await evaluate(state, true);
}

async function backendReport(spec: SessionSpec): Promise<SessionReport['backend']> {
  const info = await chooseBackend(spec.backend);
  const adapter = info.adapter ? [info.adapter.vendor, info.adapter.device, info.adapter.description].filter(Boolean).join(' ') : undefined;
  return { name: info.name, reason: info.reason, ...(adapter ? { adapter } : {}) };
}

/** Runs one step and reports it; k-NN and pictures when they are due. */
async function stepOnce(s: WorkerState): Promise<void> {
  const started = performance.now();
  const result = await runStep(s.session);
  const milliseconds = performance.now() - started;
  post({
    type: 'step',
    step: {
      iteration: result.iteration,
      epoch: result.epoch,
      loss: result.loss,
      terms: result.terms,
      learningRate: result.learningRate,
      gradNorm: result.gradNorm,
      milliseconds,
      ...memoryNow(),
    },
  });
  const done = s.session.iteration;
  await evaluate(s, false, done % s.spec.knnEverySteps === 0, done % s.spec.picturesEverySteps === 0);
}

/** k-NN accuracy, collapse indicators and pictures (each when asked for). */
async function evaluate(s: WorkerState, all: boolean, knnDue = all, picturesDue = all): Promise<void> {
  if (knnDue) {
    post({ type: 'status', text: `k-NN of the ${evaluatedBackbone(s.session).which} at step ${s.session.iteration}` });
    const started = performance.now();
    const { top1, top5 } = await s.knn.evaluate(evaluatedBackbone(s.session).backbone, Math.floor(s.session.iteration / s.session.iterationsPerEpoch));
    post({ type: 'knn', iteration: s.session.iteration, top1, top5, milliseconds: performance.now() - started });
  }
  if (picturesDue) {
    post({ type: 'status', text: `pictures at step ${s.session.iteration}` });
    const collapseImages = heldOutImages(s.session, s.test, Math.min(COLLAPSE_IMAGES, s.spec.knnTestImages));
    try {
      const collapse = await collapseReport(s.session, collapseImages, s.controls.teacherTemperature);
      if (collapse) post({ type: 'collapse', collapse });
    } finally {
      collapseImages.dispose();
    }
    const images = heldOutImages(s.session, s.test, PICTURE_IMAGES);
    try {
      postPictures(await drawPictures(s.session, images, s.controls.maskRatio));
    } finally {
      images.dispose();
    }
  }
}

function postPictures(pictures: PictureReport): void {
  const buffers = [pictures.attention, pictures.pca, pictures.masks, pictures.reconstructions]
    .filter((p): p is RasterImage => typeof p !== 'string')
    .map((p) => p.data.buffer as ArrayBuffer);
  post({ type: 'pictures', pictures }, [...new Set(buffers)]);
}

/** Steps while running, one at a time, yielding to the message queue between steps. */
async function trainLoop(): Promise<void> {
  while (state?.running) {
    const s = state;
    try {
      await exclusive(() => stepOnce(s));
    } catch (error) {
      s.running = false;
      problem(error);
      post({ type: 'session', session: sessionReport(s) });
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function applyControls(s: WorkerState, controls: Controls): Promise<void> {
  try {
    const config = withControls(s.session.config, controls, s.controls);
    s.session = await reconfigure(s.session, config, s.train);
    s.controls = controls;
  } finally {
    // refused or not, the sliders show what the model trains with
    post({ type: 'session', session: sessionReport(s) });
  }
}

async function loadCheckpoint(s: WorkerState, name: string, bytes: ArrayBuffer): Promise<void> {
  // the running session is disposed only once the new one holds the checkpoint
  const next = await sessionFromCheckpoint(new Uint8Array(bytes), name, s.train);
  disposeSession(s.session);
  s.session = next;
  s.controls = controlsOf(next.config);
  s.knn = createPlaygroundKnn(next, s.train, s.test, knnCounts(s.spec));
  post({ type: 'session', session: sessionReport(s) });
  await evaluate(s, true);
}

async function saveCheckpoint(s: WorkerState): Promise<void> {
  const bytes = await checkpointBytes(s.session);
  const name = `playground-${s.session.method.name}-step-${s.session.iteration}.safetensors`;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  post({ type: 'checkpoint-saved', name, bytes: buffer }, [buffer]);
}

/** The raw [CLS] features of the first `count` held-out images (the browser test compares them with Node's). */
async function classFeatures(s: WorkerState, requestId: number, count: number, which: 'teacher' | 'student'): Promise<void> {
  const backbones = s.session.pretraining.backbones();
  const backbone = which === 'teacher' && backbones.teacher ? backbones.teacher : backbones.student;
  const images = heldOutImages(s.session, s.test, count);
  const features = tf.tidy(() => backbone.encode(images).classToken);
  try {
    const values = (await features.data()) as Float32Array;
    post({ type: 'class-features', requestId, shape: features.shape, values }, [values.buffer as ArrayBuffer]);
  } finally {
    tf.dispose([images, features]);
  }
}

/** The worker's state, once `start` has run. */
function started(type: string): WorkerState {
  if (!state) throw new Error(`"${type}" needs a session, and none started (the message above says why).`);
  return state;
}

/** Runs `message` after every operation sent before it (a "run" sent right after "start" waits for the session). */
function handle(message: PageMessage): Promise<void> {
  switch (message.type) {
    case 'start':
      return exclusive(() => start(message.spec));
    case 'run':
      return exclusive(async () => {
        const s = state;
        // no session: its start failed and said why; nothing to run
        if (!s || s.running === message.running) return;
        s.running = message.running;
        post({ type: 'session', session: sessionReport(s) });
        if (s.running) void trainLoop();
      });
    case 'controls':
      return exclusive(() => applyControls(started(message.type), message.controls));
    case 'load-checkpoint':
      return exclusive(() => loadCheckpoint(started(message.type), message.name, message.bytes));
    case 'save-checkpoint':
      return exclusive(() => saveCheckpoint(started(message.type)));
    case 'class-features':
      return exclusive(() => classFeatures(started(message.type), message.requestId, message.count, message.which));
  }
}

self.onmessage = (event: MessageEvent<PageMessage>) => {
  handle(event.data).catch(problem);
};
