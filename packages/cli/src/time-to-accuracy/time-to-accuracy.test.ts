import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRunMetrics } from '../run-metrics.js';
import { trainSecondsAt } from '../train-seconds.js';
import { run, temporaryFolder, tinyConfig, writeConfig } from '../testing/cli-harness.js';
import { readRunCurves } from './read-run-curves.js';
import { accuracyAt, timeToAccuracyTable } from './time-to-accuracy-table.js';
import { writeTimeToAccuracy } from './write-time-to-accuracy.js';
import { writeRunRecord } from './write-run-record.js';
import { pixelFeatures, pixelKnnBaseline } from './pixel-knn-baseline.js';
import { loadBundledFashionMnist } from '@selfsup/data/node';

// Real tiny runs on the bundled subset: iBOT choosing on the last 200 training images (with an
// interruption: its last checkpoint deleted and the run resumed, so two steps run twice), and MAE.
const folder = temporaryFolder('time-to-accuracy');
const ibotDir = join(folder, 'ibot-tiny');
const maeDir = join(folder, 'mae-tiny');
const heldOut = { from: 'train', last: 200 };

function ibotConfig(): Record<string, unknown> {
  const tiny = tinyConfig(ibotDir);
  return {
    ...tiny,
    epochs: 2,
    data: { dataset: 'fashion-mnist-subset', heldOut },
    run: { ...(tiny.run as object), plot: false, maxStepsPerEpoch: 2, checkpointEverySteps: 2, knnBeforeTraining: true, linearEveryEpochs: 0, linearEpochs: 3 },
  };
}

const maeConfig = {
  method: 'mae',
  seed: 0,
  epochs: 2,
  batchSize: 8,
  backbone: { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, headCount: 2 },
  decoder: { embedDim: 16, depth: 1, headCount: 2 },
  data: { dataset: 'fashion-mnist-subset', heldOut },
  run: { outDir: maeDir, backend: 'cpu', plot: false, progress: 'none', maxStepsPerEpoch: 2, knnBeforeTraining: false, knnOf: ['student'] },
};

beforeAll(async () => {
  const ibotPath = writeConfig(folder, 'ibot.yaml', ibotConfig());
  const first = await run(['pretrain', '--config', ibotPath], folder);
  expect(first.code, first.err).toBe(0);
  // an interruption after step 2: the step-4 checkpoint is lost, so steps 3 and 4 run again
  rmSync(join(ibotDir, 'checkpoints', 'step-4.safetensors'));
  const resumed = await run(['pretrain', '--resume', '--out', ibotDir], folder);
  expect(resumed.code, resumed.err).toBe(0);
  expect(resumed.out).toMatch(/resumed from .*step-2\.safetensors/);
  expect(resumed.out).toMatch(/k-NN \(k=20, T=0\.07\) on fashion-mnist-subset train-last-200, after epoch 2: teacher top-1/);
  expect(resumed.out).toMatch(/linear probe \(3 epochs, .*\) on fashion-mnist-subset train-last-200, after epoch 2: teacher top-1 \d+\.\d%/);
  const mae = await run(['pretrain', '--config', writeConfig(folder, 'mae.yaml', maeConfig)], folder);
  expect(mae.code, mae.err).toBe(0);
}, 600_000);

describe('a run choosing its recipe on images held out of the training set', () => {
  it('trains and fits k-NN on the first 800 training images and scores the last 200', () => {
    const { knn, linear } = readRunMetrics(join(ibotDir, 'metrics.jsonl'));
    expect(knn.map((line) => line.epoch)).toEqual([-1, 0, 1]);
    for (const line of [...knn, ...linear]) expect(line).toMatchObject({ trainImages: 800, testImages: 200, heldOut: 'train-last-200' });
    expect(linear).toHaveLength(1); // linearEveryEpochs 0: after the last epoch only
    expect(linear[0]).toMatchObject({ type: 'linear', epoch: 1, step: 4, which: 'teacher', probeEpochs: 3 });
    expect(linear[0]!.top1).toBeGreaterThan(10); // better than chance on 10 classes
  });

  it('puts on every evaluation the training seconds so far: the steps only, each counted once across the resume', () => {
    const { steps, knn, linear } = readRunMetrics(join(ibotDir, 'metrics.jsonl'));
    expect(steps.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
    expect(knn[0]!.trainSeconds).toBe(0);
    for (const line of [...knn, ...linear]) {
      expect(line.trainSeconds).toBeGreaterThan(line.epoch < 0 ? -1 : 0);
      // the clock of the resumed process started at the steps before its checkpoint, read from the file
      expect(line.trainSeconds!).toBeCloseTo(trainSecondsAt(steps, line.iteration), 9);
    }
  });

  it('evaluates a checkpoint on the held-out images by default and on the test split with --split test', async () => {
    const checkpoint = join(ibotDir, 'checkpoints', 'step-4.safetensors');
    const { knn, steps } = readRunMetrics(join(ibotDir, 'metrics.jsonl'));
    const heldOutRun = await run(['eval', 'knn', '--checkpoint', checkpoint, '--backend', 'cpu', '--json'], folder);
    expect(heldOutRun.code, heldOutRun.err).toBe(0);
    const onHeldOut = JSON.parse(heldOutRun.out) as Record<string, number | string>;
    expect(onHeldOut).toMatchObject({ heldOut: 'train-last-200', trainImages: 800, testImages: 200 });
    expect(onHeldOut.top1).toBeCloseTo(knn[2]!.top1, 6); // the run's last evaluation, repeated
    expect(onHeldOut.trainSeconds).toBeCloseTo(trainSecondsAt(steps, 3), 9);

    const testRun = await run(['eval', 'knn', '--checkpoint', checkpoint, '--backend', 'cpu', '--split', 'test', '--json'], folder);
    expect(JSON.parse(testRun.out)).toMatchObject({ heldOut: 'test', trainImages: 1000, testImages: 500 });
    const sentence = await run(['eval', 'knn', '--checkpoint', checkpoint, '--backend', 'cpu', '--split', 'test'], folder);
    expect(sentence.out).toMatch(/\(1000 memory, 500 images of the test split\): top-1 \d+\.\d\d%/);

    const linear = await run(['eval', 'linear', '--checkpoint', checkpoint, '--backend', 'cpu', '--split', 'test', '--epochs', '2', '--learning-rates', '0.1,1', '--json'], folder);
    expect(linear.code, linear.err).toBe(0);
    const probe = JSON.parse(linear.out) as { heldOut: string; trainImages: number; testImages: number; entries: unknown[]; seconds: number; top1: number };
    expect(probe).toMatchObject({ heldOut: 'test', trainImages: 1000, testImages: 500 });
    expect(probe.entries).toHaveLength(2);
    expect(probe.seconds).toBeGreaterThan(0);

    const refused = await run(['eval', 'knn', '--checkpoint', checkpoint, '--split', 'val'], folder);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--split/);
  }, 300_000);
});

describe('npm run time-to-accuracy', () => {
  it('reads each run as curves of top-1 against hours, one per backbone, with its method and held-out images', () => {
    const [ibot] = readRunCurves(ibotDir);
    const [mae] = readRunCurves(maeDir, 'MAE-style');
    expect(ibot).toMatchObject({ run: 'ibot-tiny', label: 'ibot-tiny teacher', method: 'ibot', seed: 0, which: 'teacher', heldOut: 'train-last-200' });
    expect(mae).toMatchObject({ run: 'MAE-style', label: 'MAE-style student', method: 'mae', which: 'student' });
    const { knn } = readRunMetrics(join(ibotDir, 'metrics.jsonl'));
    expect(ibot!.knn).toHaveLength(knn.length);
    ibot!.knn.forEach((point, i) => expect(point.hours * 3600).toBeCloseTo(knn[i]!.trainSeconds!, 9));
    expect(ibot!.knn.map((p) => p.top1)).toEqual(knn.map((line) => line.top1));
    expect(ibot!.linear).toHaveLength(1);
    expect(ibot!.trainHours * 3600).toBeCloseTo(knn[2]!.trainSeconds!, 9);
    expect(ibot!.imagesPerSecond).toBeGreaterThan(0);
  });

  it('writes a PNG and an SVG with a line per run and the table for docs/results.md', async () => {
    const out = join(folder, 'time-to-accuracy.png');
    const result = await writeTimeToAccuracy({
      runs: [{ folder: ibotDir }, { folder: maeDir, label: 'MAE-style' }],
      out,
      baseline: 40,
      baselineLabel: 'raw pixels',
      budgets: [1],
    });
    expect(result.files).toEqual([join(folder, 'time-to-accuracy.svg'), out]);
    const svg = readFileSync(join(folder, 'time-to-accuracy.svg'), 'utf8');
    expect(svg).toContain('ibot-tiny teacher');
    expect(svg).toContain('MAE-style student');
    expect(svg).toContain('raw pixels');
    expect(PNG.sync.read(readFileSync(out)).width).toBeGreaterThan(600);
    const lines = result.table.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      '| run | method | backbone | held out | k-NN top-1 at 1.00 h | best k-NN top-1 (at) | last k-NN top-1 (at) | linear probe top-1 (at) | training | images/s (median) |',
    );
    // a few seconds of training never reach the 1-hour budget (seconds, or minutes on a loaded machine)
    const duration = String.raw`\d+\.\d (?:s|min)`;
    const atDuration = String.raw`\d+\.\d% \(${duration}\)`;
    expect(lines[2]).toMatch(
      new RegExp(String.raw`^\| ibot-tiny \| ibot \| teacher \| train-last-200 \| — \| ${atDuration} \| ${atDuration} \| ${atDuration} \| ${duration} \| \d+\.\d \|$`),
    );
    expect(lines[3]).toMatch(/^\| MAE-style \| mae \| student \| train-last-200 \| — \| .* \| — \| /);
    // curves read beforehand (as the script does, once) give the same table
    const again = await writeTimeToAccuracy({
      runs: [...readRunCurves(ibotDir), ...readRunCurves(maeDir, 'MAE-style')],
      out: join(folder, 'again.svg'),
      budgets: [1],
    });
    expect(again.table).toBe(result.table);
    const svgOnly = await writeTimeToAccuracy({ runs: [{ folder: maeDir }], out: join(folder, 'only.svg'), which: 'student' });
    expect(svgOnly.files).toEqual([join(folder, 'only.svg')]);
    expect(existsSync(join(folder, 'only.png'))).toBe(false);
    // a folder of --out that does not exist yet is made
    const nested = join(folder, 'not', 'yet', 'plot.svg');
    expect((await writeTimeToAccuracy({ runs: [{ folder: maeDir }], out: nested })).files).toEqual([nested]);
    expect(existsSync(nested)).toBe(true);
  }, 120_000);

  it('takes the last evaluation within a budget, and none when the run trained less', () => {
    const curve = { ...readRunCurves(ibotDir)[0]!, trainHours: 3 };
    const points = [
      { hours: 0, top1: 40, epoch: -1, step: 0 },
      { hours: 0.9, top1: 50, epoch: 0, step: 10 },
      { hours: 2.5, top1: 60, epoch: 1, step: 20 },
    ];
    const shaped = { ...curve, knn: points };
    expect(accuracyAt(shaped, 1)?.top1).toBe(50);
    expect(accuracyAt(shaped, 3)?.top1).toBe(60);
    expect(accuracyAt({ ...shaped, trainHours: 2.6 }, 3)).toBeUndefined();
    expect(timeToAccuracyTable([shaped], { budgets: [1, 3] })).toMatch(/\| 50\.0% \| 60\.0% \| 60\.0% \(2\.50 h\) \| 60\.0% \(2\.50 h\) \|/);
  });

  it('computes the raw-pixel k-NN on the run\'s own training and held-out images (checked against a brute-force vote)', async () => {
    const baseline = await pixelKnnBaseline(ibotDir);
    expect(baseline).toMatchObject({ heldOut: 'train-last-200', k: 20, temperature: 0.07, trainImages: 800, testImages: 200 });
    const all = await loadBundledFashionMnist('train');
    const features = pixelFeatures(all, { mean: [0.286], std: [0.353] }); // the tiny config's normalisation (the defaults)
    const dim = 28 * 28;
    const row = (i: number) => features.data.subarray(i * dim, (i + 1) * dim);
    const standardised = Array.from(all.images.subarray(0, dim), (v) => (v / 255 - 0.286) / 0.353);
    const norm = Math.hypot(...standardised);
    standardised.forEach((v, i) => expect(row(0)[i]).toBeCloseTo(v / norm, 6));
    let correct = 0;
    for (let query = 800; query < 1000; query++) {
      const similarities = Array.from({ length: 800 }, (_, i) => ({ i, s: row(query).reduce((sum, v, j) => sum + v * row(i)[j]!, 0) }));
      const votes = new Float64Array(10);
      for (const { i, s } of similarities.sort((a, b) => b.s - a.s).slice(0, 20)) votes[all.labels[i]!]! += Math.exp(s / 0.07);
      if (votes.indexOf(Math.max(...votes)) === all.labels[query]) correct++;
    }
    expect(baseline.top1).toBeCloseTo(correct / 2, 6);
  });

  it('reads a run record (npm run run-record) as it reads the run: the same curves, training hours and speed', () => {
    const recordDir = join(folder, 'records', 'ibot-tiny');
    const record = writeRunRecord(ibotDir, recordDir);
    expect(record.files).toEqual([join(recordDir, 'metrics.jsonl'), join(recordDir, 'config.yaml')]);
    const { steps, knn, linear } = readRunMetrics(join(ibotDir, 'metrics.jsonl'));
    expect(record.evaluations).toBe(knn.length + linear.length);
    const recorded = readRunMetrics(join(recordDir, 'metrics.jsonl'));
    expect(recorded.steps).toHaveLength(0);
    expect(recorded.stepsSummary).toMatchObject({ type: 'steps', steps: steps.length });
    expect(recorded.evaluationLines).toEqual(readRunMetrics(join(ibotDir, 'metrics.jsonl')).evaluationLines);
    const [fromRun] = readRunCurves(ibotDir);
    const [fromRecord] = readRunCurves(recordDir, 'ibot-tiny');
    expect(fromRecord).toEqual({ ...fromRun, folder: recordDir });
    expect(timeToAccuracyTable([fromRecord!])).toBe(timeToAccuracyTable([fromRun!]));
  });

  it('reads evaluation lines alone: the training time is the last evaluation\'s, the speed unknown', () => {
    const bare = join(folder, 'records', 'evaluations-only');
    writeRunRecord(ibotDir, bare);
    const lines = readFileSync(join(bare, 'metrics.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(bare, 'metrics.jsonl'), lines.slice(1).join('\n') + '\n'); // without the summary
    const [curve] = readRunCurves(bare);
    const { linear } = readRunMetrics(join(ibotDir, 'metrics.jsonl'));
    expect(curve!.trainHours * 3600).toBeCloseTo(linear.at(-1)!.trainSeconds, 9); // the run ended with the probe
    expect(curve!.imagesPerSecond).toBeUndefined();
    expect(timeToAccuracyTable([curve!])).toMatch(/ \| — \|\n$/);
  });

  it('refuses to write a record over its own run folder, or of a folder that is not a run', () => {
    expect(() => writeRunRecord(ibotDir, ibotDir)).toThrow(/would overwrite the run's own metrics\.jsonl/);
    expect(readRunMetrics(join(ibotDir, 'metrics.jsonl')).steps.length).toBeGreaterThan(0);
    expect(() => writeRunRecord(folder, join(folder, 'records', 'none'))).toThrow(/expected a run folder of selfsup pretrain with a metrics\.jsonl/);
  });

  it('refuses a folder that is not a run, naming it', () => {
    expect(() => readRunCurves(folder)).toThrow(/time-to-accuracy-[^:]*: expected a run folder of selfsup pretrain with a metrics\.jsonl, found none/);
  });
});
