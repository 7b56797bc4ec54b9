// Test helpers of @selfsup/cli (not exported): an in-memory io, a temporary folder, a tiny config.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../main.js';
import type { CliIo } from '../cli-io.js';

/** An io collecting what a command writes. */
export function memoryIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: false },
    cwd,
    env: { CI: 'true' },
    out: () => out,
    err: () => err,
  };
}

/** Runs `selfsup <argv>` in-process. */
export async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** A fresh temporary folder. */
export function temporaryFolder(label: string): string {
  return mkdtempSync(join(tmpdir(), `selfsup-cli-${label}-`));
}

/**
 * The tiny iBOT configuration of the tests: ViT dim 16, depth 1, 2 heads, patch 7 on 28 x 28
 * images; head outDim 32; 2 local crops of 14; batch 8; k-NN of the teacher only.
 */
export function tinyConfig(outDir: string): Record<string, unknown> {
  return {
    method: 'ibot',
    seed: 0,
    epochs: 1,
    batchSize: 8,
    backbone: { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, headCount: 2 },
    head: { outDim: 32, hiddenDim: 32, bottleneckDim: 16 },
    augmentation: { globalSize: 28, localCrops: 2, localSize: 14 },
    optimizer: { warmupEpochs: 0 },
    data: { dataset: 'fashion-mnist-subset' },
    run: { outDir, backend: 'cpu', knnOf: ['teacher'], knnBeforeTraining: false, progress: 'lines' },
  };
}

/** Writes a config as YAML (or JSON for a `.json` name) into `folder`; returns its path. */
export function writeConfig(folder: string, name: string, config: unknown): string {
  const path = join(folder, name);
  writeFileSync(path, name.endsWith('.json') ? JSON.stringify(config, null, 2) : stringify(config));
  return path;
}
