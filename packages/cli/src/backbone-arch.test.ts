import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { decodeCheckpoint, encodeCheckpoint } from '@selfsup/train/node';
import { loadConfigFile } from './load-config-file.js';
import { readRunMetrics } from './run-metrics.js';
import { run, temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';

const swinSmoke = fileURLToPath(new URL('../../../examples/configs/ibot-swin-smoke.yaml', import.meta.url));

/** Rewrites a checkpoint's stored configuration (the tensors and their checksum stay as they are). */
function rewriteStoredConfig(path: string, edit: (config: Record<string, unknown>) => void): void {
  const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync(path)), path);
  const { checksum: _checksum, ...metadata } = checkpoint.metadata;
  const config = structuredClone(metadata.config) as Record<string, unknown>;
  edit(config);
  writeFileSync(path, encodeCheckpoint({ ...metadata, config }, checkpoint.tensors));
}

function dropArch(config: Record<string, unknown>): void {
  delete (config.backbone as Record<string, unknown>).arch;
}

describe('selfsup pretrain with backbone.arch', () => {
  const folder = temporaryFolder('arch');

  it('resumes a checkpoint whose stored configuration has no backbone.arch (the last release): it is a ViT', async () => {
    const outDir = join(folder, 'old');
    const tiny = tinyConfig(outDir);
    const backbone = { ...(tiny.backbone as object) };
    const path = writeConfig(folder, 'old.yaml', { ...tiny, epochs: 2, data: { heldOut: 'none' }, run: { ...(tiny.run as object), plot: false, checkpointEverySteps: 2 }, backbone });
    const first = await run(['pretrain', '--config', path, '--steps', '2'], folder);
    expect(first.code, first.err).toBe(0);
    const checkpoint = join(outDir, 'checkpoints', 'step-2.safetensors');
    rewriteStoredConfig(checkpoint, dropArch);
    const stored = decodeCheckpoint(new Uint8Array(readFileSync(checkpoint))).metadata.config as { backbone: Record<string, unknown> };
    expect(stored.backbone).not.toHaveProperty('arch');
    const runConfig = join(outDir, 'config.yaml');
    const written = parseYaml(readFileSync(runConfig, 'utf8')) as Record<string, unknown>;
    dropArch(written);
    writeFileSync(runConfig, stringify(written));

    const resumed = await run(['pretrain', '--resume', '--out', outDir, '--steps', '2'], folder);
    expect(resumed.code, resumed.err).toBe(0);
    expect(readRunMetrics(join(outDir, 'metrics.jsonl')).steps.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
    // and with the config file that has no arch either
    const again = await run(['pretrain', '--config', path, '--resume-from', checkpoint, '--out', join(folder, 'fork'), '--steps', '2'], folder);
    expect(again.code, again.err).toBe(0);
  });

  it('trains iBOT with a Swin Transformer from examples/configs/ibot-swin-smoke.yaml (2 steps) and exports it', async () => {
    const outDir = join(folder, 'swin');
    const config = loadConfigFile(swinSmoke) as Record<string, unknown>;
    const path = writeConfig(folder, 'swin.yaml', { ...config, data: { ...(config.data as object), heldOut: 'none' }, run: { ...(config.run as object), outDir, plot: false } });
    const result = await run(['pretrain', '--config', path], folder);
    expect(result.code, result.err).toBe(0);
    expect(result.err + result.out).toContain('Swin dim 16, depths [1, 1], heads [2, 4], window 7, patch 2, 28x28x1');
    const steps = readRunMetrics(join(outDir, 'metrics.jsonl')).steps;
    expect(steps.map((s) => s.iteration)).toEqual([0, 1]);
    expect(steps.every((s) => Number.isFinite(s.loss))).toBe(true);
    const exported = await run(['export', '--checkpoint', join(outDir, 'checkpoints', 'step-2.safetensors'), '--out', join(folder, 'swin.safetensors')], folder);
    expect(exported.code, exported.err).toBe(0);
  });
});
