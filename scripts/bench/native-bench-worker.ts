// One measurement of `npm run bench native` (native.bench.ts), in a process of its own so that its
// peak RSS is its own and a failing backend cannot stop the bench:
//
//   node --conditions=@selfsup/source --import tsx scripts/bench/native-bench-worker.ts \
//     --mode vit|swin|ibot|gemm|soak|reference --backend native|wasm|cpu [--threads 1] [--gemm openblas|builtin] \
//     [--batch 64] [--warmup 1] [--steps 3] [--shapes JSON] [--min-seconds 0.5] [--max-repeats 10] \
//     [--backbone '{"arch":"swin",...}']
//
//   vit   one ViT-Tiny training step (createVit, the mean square of every output token, AdamW);
//   swin  the same step of the Swin Transformer --backbone configures (createBackbone);
//   ibot  one iBOT iteration (createIbotPretraining through @selfsup/train's trainStep);
//   gemm  GFLOP/s of tf.matMul on the given shapes (backend.bench.ts's GemmShape list);
//   soak  many ViT-Tiny steps, sampling the tensor count and RSS;
//   reference  the training step of the reference configuration (examples/configs/ibot-fashion-mnist.yaml,
//         batch 128) on Fashion-MNIST batches, as `selfsup pretrain` runs it (the CLI's own config
//         parsing, data and method; no checkpoints, metrics files or k-NN).
//
// Prints one JSON line on stdout ({ backend, ...the mode's figures }), progress on stderr.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { median } from './lib/median.js';

/** ViT-Tiny on 32x32 RGB images with 4x4 patches (65 tokens). */
export const VIT = { dim: 192, depth: 12, heads: 3, image: 32, patch: 4, channels: 3 } as const;

/**
 * The iBOT iteration: ViT-Tiny student and teacher; a shared head (hidden 1024, bottleneck 256,
 * 2048 prototypes); 2 global crops at 32 and 4 local crops at 16 (patch 4); block masks on the
 * global crops with ratio 0.3 +- 0.2.
 */
export const IBOT = { outDim: 2048, hiddenDim: 1024, bottleneckDim: 256, globalCrops: 2, localCrops: 4, globalSize: 32, localSize: 16 } as const;

async function selectBackend(name: string, threads: number, gemm: string | undefined): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  const { ensureGradients, useBackend } = await import('@selfsup/backend');
  if (name === 'native') {
    const native = await import('@selfsup/backend-native');
    await ensureGradients();
    const ok = await native.registerNativeBackend({ threads, ...(gemm ? { gemm: gemm as 'builtin' } : {}) });
    if (!ok) throw new Error(`native backend unavailable: ${native.nativeBuildInfo().reason}`);
    await tf.setBackend(native.NATIVE_BACKEND_NAME);
    const info = native.nativeBuildInfo().addon!;
    return `native ${info.isa}, ${info.gemm} GEMM, ${info.threads} thread(s)`;
  }
  const info = await useBackend(name as 'wasm', { threads });
  return `${info.name}, ${info.threads} thread(s)`;
}

/** Times `step` (synchronous kernels; `step` reads its loss back): wall and process CPU per step. */
async function timeSteps(step: () => Promise<void> | void, warmup: number, steps: number): Promise<{ wall: number[]; cpu: number[]; tensorsAfterWarmup: number }> {
  const tf = await import('@tensorflow/tfjs-core');
  for (let i = 0; i < warmup; i++) await step();
  const tensorsAfterWarmup = tf.memory().numTensors;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    process.stderr.write(`  step ${i + 1}/${steps}: ${wall[i]!.toFixed(2)} s\n`);
  }
  return { wall, cpu, tensorsAfterWarmup };
}

/**
 * Times training steps of `backbone` on random images: the mean square of every output token
 * (pooled/[CLS] and patch tokens), backward, AdamW (lr 1e-4, weight decay 0.05), as the PyTorch
 * references' vit-step and swin-step. Disposes the backbone.
 */
async function backboneStepWorker(
  backbone: import('@selfsup/core').Backbone,
  imageShape: readonly [number, number, number],
  batch: number,
  warmup: number,
  steps: number,
): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { createAdamW } = await import('@selfsup/optim');
  const parameters = backbone.parameters().filter((p) => p.trainable);
  const optimizer = createAdamW({ parameters, learningRate: 1e-4, weightDecay: 0.05 });
  const images = tf.randomUniform([batch, ...imageShape], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D;
  let iteration = 0;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      const { classToken, patchTokens } = backbone.encode(images, { training: true });
      // mean(tokens ** 2) over every output token, as torch-reference.py's vit-step
      return tf.div(tf.add(tf.sum(tf.square(classToken)), tf.sum(tf.square(patchTokens))), classToken.size + patchTokens.size) as import('@tensorflow/tfjs-core').Scalar;
    }, parameters.map((p) => p.variable));
    optimizer.step(grads, iteration++);
    value.dataSync();
    tf.dispose([value, grads]);
  };
  const timing = await timeSteps(step, warmup, steps);
  const result = { ...summarize(timing), numTensorsGrowth: warmup > 0 ? tf.memory().numTensors - timing.tensorsAfterWarmup : null };
  tf.dispose(images);
  optimizer.dispose();
  backbone.dispose();
  return result;
}

async function vitWorker(batch: number, warmup: number, steps: number): Promise<Record<string, unknown>> {
  const { createVit } = await import('@selfsup/backbones');
  const vit = createVit({ preset: 'tiny', imageSize: VIT.image, patchSize: VIT.patch, inChannels: VIT.channels, seed: 0 });
  return backboneStepWorker(vit, [VIT.image, VIT.image, VIT.channels], batch, warmup, steps);
}

/** The Swin step: `backboneJson` is a `{ arch: 'swin', ... }` backbone config (the example config's section). */
async function swinWorker(backboneJson: string, batch: number, warmup: number, steps: number): Promise<Record<string, unknown>> {
  const { createBackbone } = await import('@selfsup/backbones/config');
  const config = JSON.parse(backboneJson) as Extract<import('@selfsup/backbones').BackboneConfigInput, { arch: 'swin' }>;
  const swin = createBackbone({ ...config, seed: 0 });
  const [height, width] = swin.config.imageSize;
  return { ...(await backboneStepWorker(swin, [height, width, swin.inChannels], batch, warmup, steps)), parameters: swin.parameters().filter((p) => p.trainable).reduce((n, p) => n + p.variable.size, 0) };
}

function summarize(timing: { wall: number[]; cpu: number[] }): Record<string, unknown> {
  return {
    secondsPerStep: median(timing.wall),
    secondsPerStepMin: Math.min(...timing.wall),
    cpuSecondsPerStep: median(timing.cpu),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function ibotWorker(batch: number, warmup: number, steps: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { createRng } = await import('@selfsup/core');
  const { createIbotPretraining } = await import('@selfsup/ibot');
  const { stepRng, trainStep } = await import('@selfsup/train');
  const iterationsPerEpoch = 1000;
  const run = createIbotPretraining(
    {
      seed: 0,
      epochs: 10,
      batchSize: batch,
      backbone: { preset: 'tiny', imageSize: VIT.image, patchSize: VIT.patch, inChannels: VIT.channels, dropPathRate: 0 },
      head: { outDim: IBOT.outDim, hiddenDim: IBOT.hiddenDim, bottleneckDim: IBOT.bottleneckDim, sharedHead: true, normalizeLastLayer: true },
      augmentation: {
        globalCrops: IBOT.globalCrops,
        globalSize: IBOT.globalSize,
        localCrops: IBOT.localCrops,
        localSize: IBOT.localSize,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
      masking: { shape: 'block', ratio: 0.3, variance: 0.2 },
      optimizer: { warmupEpochs: 1 },
    } as never,
    iterationsPerEpoch,
  );
  const rng = createRng(7);
  const images = Uint8Array.from({ length: batch * VIT.image * VIT.image * VIT.channels }, () => rng.integer(0, 256));
  const data = { images, size: batch, height: VIT.image, width: VIT.image, channels: VIT.channels };
  let iteration = 0;
  let lastLoss = Number.NaN;
  const step = async () => {
    const result = await trainStep(run.recipe, data, {
      optimizer: run.optimizer,
      gradients: run.gradients,
      context: { iteration, epoch: Math.floor(iteration / iterationsPerEpoch), iterationsPerEpoch, rng: stepRng(0, iteration) },
    });
    iteration++;
    lastLoss = result.loss;
  };
  const timing = await timeSteps(step, warmup, steps);
  const result = { ...summarize(timing), loss: lastLoss, numTensorsGrowth: warmup > 0 ? tf.memory().numTensors - timing.tensorsAfterWarmup : null };
  run.dispose();
  return result;
}

async function referenceWorker(warmup: number, steps: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { loadConfigFile, loadDatasets, parseCliConfig } = await import('@selfsup/cli');
  const { inputOf } = await import('@selfsup/ibot');
  const { createDataLoader } = await import('@selfsup/data');
  const { stepRng, trainStep } = await import('@selfsup/train');
  const file = 'examples/configs/ibot-fashion-mnist.yaml';
  const raw = loadConfigFile(file) as { data: Record<string, unknown> };
  raw.data.heldOut = 'none';
  const { method, config } = parseCliConfig(raw, file);
  const { method: _method, data: dataConfig, run: _run, ...methodConfig } = config;
  const data = await loadDatasets(dataConfig, inputOf(method, config).channels);
  const batchSize = (methodConfig as { batchSize: number }).batchSize;
  const iterationsPerEpoch = Math.floor(data.train.count / batchSize);
  const pretraining = await method.create(methodConfig as never, {
    iterationsPerEpoch,
    trainImages: async () => data.train,
    readFile: () => {
      throw new Error('the reference configuration reads no files');
    },
  });
  const loader = createDataLoader({ dataset: data.train, batchSize, seed: 0, prefetch: 0 });
  let iteration = 0;
  const step = async () => {
    const batch = loader.batch(0, iteration);
    await trainStep(pretraining.recipe, batch, {
      optimizer: pretraining.optimizer,
      gradients: pretraining.gradients,
      context: { iteration, epoch: 0, iterationsPerEpoch, rng: stepRng(0, iteration) },
    });
    iteration++;
  };
  const timing = await timeSteps(step, warmup, steps);
  const result = { ...summarize(timing), batch: batchSize, numTensorsGrowth: warmup > 0 ? tf.memory().numTensors - timing.tensorsAfterWarmup : null };
  pretraining.dispose();
  return result;
}

async function gemmWorker(shapesJson: string, minSeconds: number, maxRepeats: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { gemmFlop, timeBest } = await import('./backend.bench.js');
  const shapes = JSON.parse(shapesJson) as import('./backend.bench.js').GemmShape[];
  const gflops: number[] = [];
  for (const shape of shapes) {
    const lead = shape.batch > 1 ? [shape.batch] : [];
    const a = tf.randomUniform([...lead, ...(shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k])], -1, 1, 'float32', 1);
    const b = tf.randomUniform([...lead, ...(shape.transposeB ? [shape.n, shape.k] : [shape.k, shape.n])], -1, 1, 'float32', 2);
    const timing = timeBest(() => tf.matMul(a, b, shape.transposeA, shape.transposeB).dispose(), minSeconds, maxRepeats);
    gflops.push(gemmFlop(shape) / timing.seconds / 1e9);
    tf.dispose([a, b]);
  }
  return { gflops };
}

async function soakWorker(batch: number, steps: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { createVit } = await import('@selfsup/backbones');
  const { createAdamW } = await import('@selfsup/optim');
  const vit = createVit({ preset: 'tiny', imageSize: VIT.image, patchSize: VIT.patch, inChannels: VIT.channels, seed: 0 });
  const parameters = vit.parameters().filter((p) => p.trainable);
  const optimizer = createAdamW({ parameters, learningRate: 1e-4, weightDecay: 0.05 });
  const images = tf.randomUniform([batch, VIT.image, VIT.image, VIT.channels], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D;
  const samples: { step: number; rssMb: number; tensors: number }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(() => {
      const { classToken, patchTokens } = vit.encode(images, { training: true });
      return tf.add(tf.mean(tf.square(classToken)), tf.mean(tf.square(patchTokens))) as import('@tensorflow/tfjs-core').Scalar;
    }, parameters.map((p) => p.variable));
    optimizer.step(grads, i);
    value.dataSync();
    tf.dispose([value, grads]);
    if (i === 0 || (i + 1) % Math.max(1, Math.floor(steps / 10)) === 0) {
      samples.push({ step: i + 1, rssMb: process.memoryUsage().rss / 2 ** 20, tensors: tf.memory().numTensors });
      process.stderr.write(`  step ${i + 1}/${steps}: rss ${samples.at(-1)!.rssMb.toFixed(0)} MB, ${samples.at(-1)!.tensors} tensors\n`);
    }
  }
  return { samples, secondsPerStep: (performance.now() - t0) / 1000 / steps };
}

async function workerMain(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      mode: { type: 'string' },
      backend: { type: 'string', default: 'native' },
      threads: { type: 'string', default: '1' },
      gemm: { type: 'string' },
      batch: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '1' },
      steps: { type: 'string', default: '3' },
      shapes: { type: 'string', default: '[]' },
      'min-seconds': { type: 'string', default: '0.5' },
      'max-repeats': { type: 'string', default: '10' },
      backbone: { type: 'string', default: '{}' },
    },
  });
  const described = await selectBackend(values.backend!, Number(values.threads), values.gemm);
  process.stderr.write(`worker: ${values.mode} on ${described}\n`);
  let result: Record<string, unknown>;
  if (values.mode === 'vit') result = await vitWorker(Number(values.batch), Number(values.warmup), Number(values.steps));
  else if (values.mode === 'ibot') result = await ibotWorker(Number(values.batch), Number(values.warmup), Number(values.steps));
  else if (values.mode === 'swin') result = await swinWorker(values.backbone!, Number(values.batch), Number(values.warmup), Number(values.steps));
  else if (values.mode === 'gemm') result = await gemmWorker(values.shapes!, Number(values['min-seconds']), Number(values['max-repeats']));
  else if (values.mode === 'soak') result = await soakWorker(Number(values.batch), Number(values.steps));
  else if (values.mode === 'reference') result = await referenceWorker(Number(values.warmup), Number(values.steps));
  else throw new Error(`unknown mode ${values.mode}`);
  process.stdout.write(`${JSON.stringify({ backend: described, ...result })}\n`);
  process.exit(0); // wasm's thread workers would keep the process alive
}

// Run as a program (not when native.bench.ts imports the sizes above).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await workerMain();
