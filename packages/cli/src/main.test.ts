import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readSafetensors, loadStateDict, stateDictFromSafetensors } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { readRunMetrics } from './run-metrics.js';
import { run, temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';

describe('main', () => {
  const folder = temporaryFolder('main');

  it('prints the usage, and `pretrain --help` lists every key with its default', async () => {
    const general = await run(['--help'], folder);
    expect(general.code).toBe(0);
    expect(general.out).toMatch(/selfsup pretrain --config <file>/);
    expect(general.out).toMatch(/Methods: ibot \(iBOT\)/);
    expect(general.out).toMatch(/Exit codes:\n {2}0 +done\n {2}1 +the run failed while working[^]*\n {2}2 +bad input[^]*\n {2}130 +interrupted by Ctrl-C/);
    const help = await run(['pretrain', '--help'], folder);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/\n {2}batchSize +128 +integer > 0/);
    expect(help.out).toMatch(/\n {2}optimizer\.learningRate +0\.0005 +number > 0\. Base learning rate/);
    expect(help.out).toMatch(/\n {2}run\.knnK +20 /);
    expect(help.out).toMatch(/\n {2}data\.dataset +fashion-mnist-subset /);
    expect(help.out).toMatch(/\n {2}--resume-from <file> +continue the run from this checkpoint/);
    expect(help.out).toMatch(/refused, with the keys that differ[^]*\n {2}epochs, run\.outDir, run\.checkpointEverySteps,/);
    expect(help.out).toMatch(/\n {2}130 +interrupted by Ctrl-C/);
    const exportHelp = await run(['export', '--help'], folder);
    expect(exportHelp.out).toMatch(/\n {2}--force +replace --out when it exists/);
  });

  it('refuses a config with a typo, a wrong type and an impossible value before any work, naming key, expected and actual', async () => {
    const outDir = join(folder, 'refused');
    const config = tinyConfig(outDir);
    const path = writeConfig(folder, 'bad.yaml', {
      ...config,
      batchSize: 'eight',
      optimizer: { warmupEpoch: 0 },
      masking: { ratio: 2 },
    });
    const result = await run(['pretrain', '--config', path], folder);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^error \(INVALID_CONFIG\): .*bad\.yaml is invalid:/);
    expect(result.err).toMatch(/batchSize: expected number, got "eight"/);
    expect(result.err).toMatch(/optimizer\.warmupEpoch: unknown key \(did you mean "warmupEpochs"\?\)/);
    expect(result.err).toMatch(/masking\.ratio: expected a number <= 1, got 2/);
    expect(result.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(outDir)).toBe(false);
  });

  it('refuses bad flags and values given on the command line the same way', async () => {
    const path = writeConfig(folder, 'flags.yaml', tinyConfig(join(folder, 'flags')));
    const unknown = await run(['pretrain', '--config', path, '--epoch', '2'], folder);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown option '--epoch'/);
    const epochs = await run(['pretrain', '--config', path, '--epochs', '0'], folder);
    expect(epochs.err).toMatch(/epochs: expected a number > 0, got 0/);
    const set = await run(['pretrain', '--config', path, '--set', 'head.outdim=8'], folder);
    expect(set.err).toMatch(/head\.outdim: unknown key \(did you mean "outDim"\?\)/);
    expect(existsSync(join(folder, 'flags'))).toBe(false);
  });

  it(
    'pretrains 2 steps (YAML), resumes 2 more (JSON), evaluates k-NN and exports a backbone that loads strictly into a ViT',
    async () => {
      const outDir = join(folder, 'run');
      const yamlPath = writeConfig(folder, 'tiny.yaml', tinyConfig(outDir));
      const first = await run(['pretrain', '--config', yamlPath, '--steps', '2'], folder);
      expect(first.code, first.err).toBe(0);
      expect(first.out).toMatch(/^done: step 2\/2 \(epoch 1\/1\)/);
      expect(first.out).toMatch(/k-NN \(k=20, T=0\.07\) on fashion-mnist-subset test, after epoch 1: teacher top-1 \d+\.\d%/);
      expect(first.out).toContain(`checkpoint: ${join('run', 'checkpoints', 'step-2.safetensors')}`);
      expect(first.out).toContain(`metrics:    ${join('run', 'metrics.jsonl')}`);
      expect(first.out).toContain(`plot:       ${join('run', 'plot.png')} (and ${join('run', 'plot.svg')})`);
      expect(first.err).toMatch(/step 2\/2 \(100%\)/); // plain progress lines with ETA
      expect(first.err).toMatch(/eta 0:00/);

      let metrics = readRunMetrics(join(outDir, 'metrics.jsonl'));
      expect(metrics.steps.map((s) => s.iteration)).toEqual([0, 1]);
      expect(metrics.knn).toHaveLength(1);
      expect(metrics.knn[0]).toMatchObject({ type: 'knn', epoch: 0, step: 2, which: 'teacher', k: 20, temperature: 0.07, trainImages: 1000, testImages: 500 });
      expect(metrics.knn[0]!.top1).toBeGreaterThan(10); // better than chance on 10 classes

      // plot.svg with the run's loss and k-NN lines, and plot.png drawn from it at twice its size
      const svg = readFileSync(join(outDir, 'plot.svg'), 'utf8');
      expect(svg).toMatch(/aria-label="[^"]*series: total" [^>]*aria-roledescription="line mark"/);
      expect(svg).toMatch(/>teacher top-1<\/text>/);
      const [, svgWidth, svgHeight] = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!;
      const png = PNG.sync.read(readFileSync(join(outDir, 'plot.png')));
      expect([png.width, png.height]).toEqual([2 * Number(svgWidth), 2 * Number(svgHeight)]);
      expect(readFileSync(join(outDir, 'config.yaml'), 'utf8')).toMatch(/knnTemperature: 0.07/);

      // a new run into the same folder is refused; --resume continues it
      const again = await run(['pretrain', '--config', yamlPath, '--steps', '2'], folder);
      expect(again.code).toBe(2);
      expect(again.err).toMatch(/already holds a run .*Pass --resume/);

      const jsonPath = writeConfig(folder, 'tiny.json', { ...tinyConfig(outDir), epochs: 2 });
      const resumed = await run(['pretrain', '--config', jsonPath, '--steps', '2', '--resume'], folder);
      expect(resumed.code, resumed.err).toBe(0);
      expect(resumed.err).toMatch(/resumed from .*step-2\.safetensors at step 2/);
      expect(resumed.out).toMatch(/^done: step 4\/4 \(epoch 2\/2\)/);
      metrics = readRunMetrics(join(outDir, 'metrics.jsonl'));
      expect(metrics.steps.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
      expect(metrics.knn.map((r) => r.epoch)).toEqual([0, 1]);
      expect(readdirSync(join(outDir, 'checkpoints'))).toContain('step-4.safetensors');
      const checkpoint = join(outDir, 'checkpoints', 'step-4.safetensors');
      // fewer epochs than the checkpoint reached: refused as bad input, nothing trained
      const shorter = await run(['pretrain', '--config', jsonPath, '--steps', '2', '--resume', '--epochs', '1'], folder);
      expect(shorter.code).toBe(2);
      expect(shorter.err).toMatch(/step-4\.safetensors is at step 4 \(2 steps an epoch\), past the end of 1 epoch\(s\)\. Resume with --epochs 2 or more/);
      expect(readRunMetrics(join(outDir, 'metrics.jsonl')).steps).toHaveLength(4);

      const knn = await run(['eval', 'knn', '--checkpoint', checkpoint, '--backend', 'cpu', '--json'], folder);
      expect(knn.code, knn.err).toBe(0);
      const report = JSON.parse(knn.out) as { top1: number; top5: number; which: string; step: number; k: number };
      expect(report).toMatchObject({ which: 'teacher', step: 4, k: 20 });
      // the same teacher and data as the run's last evaluation: the same accuracy
      expect(report.top1).toBeCloseTo(metrics.knn[1]!.top1, 6);
      const sentence = await run(['eval', 'knn', '--checkpoint', checkpoint, '--backend', 'cpu', '--which', 'student', '--k', '5'], folder);
      expect(sentence.out).toMatch(/^k-NN \(k=5, T=0\.07\) of the student of .*\(step 4\) on fashion-mnist-subset .*: top-1 \d+\.\d\d%, top-5 \d+\.\d\d%\n$/);
      // k above the 1,000 training images: every one of them votes, and the report says so
      const everyImage = await run(['eval', 'knn', '--checkpoint', checkpoint, '--backend', 'cpu', '--k', '5000', '--json'], folder);
      expect(everyImage.code, everyImage.err).toBe(0);
      expect(JSON.parse(everyImage.out)).toMatchObject({ k: 1000, trainImages: 1000 });

      // a run folder stands for its latest checkpoint; a typo in --which is refused by the flag
      const fromFolder = await run(['eval', 'knn', '--checkpoint', outDir, '--backend', 'cpu', '--json'], folder);
      expect(fromFolder.code, fromFolder.err).toBe(0);
      expect(JSON.parse(fromFolder.out)).toMatchObject({ step: 4, top1: report.top1 });
      const typo = await run(['eval', 'knn', '--checkpoint', outDir, '--which', 'teacehr'], folder);
      expect(typo.code).toBe(2);
      expect(typo.err).toMatch(/--which.*teacher.*student/);

      const exported = join(folder, 'backbone.safetensors');
      const exportRun = await run(['export', '--checkpoint', outDir, '--out', exported], folder);
      expect(exportRun.code, exportRun.err).toBe(0);
      expect(exportRun.out).toMatch(/exported the teacher backbone .* 18 tensors/);
      const file = readSafetensors(new Uint8Array(readFileSync(exported)));
      expect(file.metadata).toMatchObject({ format: 'pt', selfsup_method: 'ibot', selfsup_backbone: 'teacher', selfsup_step: '4', embed_dim: '16', depth: '1' });
      expect([...file.tensors.keys()].some((k) => k.startsWith('backbone.') || k === 'masked_embed')).toBe(false);
      const vit = createVit({ imageSize: 28, patchSize: 7, inChannels: 1, embedDim: 16, depth: 1, headCount: 2, maskToken: false });
      loadStateDict(vit, stateDictFromSafetensors(new Uint8Array(readFileSync(exported)))); // strict
      vit.dispose();
      // the exported backbone is no checkpoint: said so, naming the flag (exit 2)
      const notCheckpoint = await run(['eval', 'knn', '--checkpoint', exported, '--backend', 'cpu'], folder);
      expect(notCheckpoint.code).toBe(2);
      expect(notCheckpoint.err).toMatch(/^error \(INVALID_ARGUMENT\): --checkpoint: .*backbone\.safetensors is a safetensors file without selfsup's training metadata, such as a backbone written by selfsup export/);
    },
    300_000,
  );

  it('refuses a --checkpoint that does not exist (exit 2, naming the flag) in one line, without a stack trace', async () => {
    const result = await run(['eval', 'knn', '--checkpoint', join(folder, 'missing.safetensors'), '--backend', 'cpu'], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error \(INVALID_ARGUMENT\): --checkpoint: .*missing\.safetensors does not exist\. Pass a checkpoint written by selfsup pretrain .* or its run folder\./);
    expect(result.err.trim().split('\n')).toHaveLength(1);
  });

  it('writes the JSON Schema', async () => {
    const result = await run(['schema', '--method', 'ibot', '--out', 'schema.json'], folder);
    expect(result.code).toBe(0);
    const schema = JSON.parse(readFileSync(join(folder, 'schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['method', 'data', 'run', 'backbone', 'optimizer']));
  });
});
