import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { writeIdx } from '@selfsup/data/node';
import { run, temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';
import { defaultOutOf } from './visualize-command.js';

/** Decodes a PNG file: its size and how many distinct colours it has. */
function readPng(path: string): { width: number; height: number; colours: number } {
  const png = PNG.sync.read(readFileSync(path));
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) colours.add(png.data.readUInt32BE(i));
  return { width: png.width, height: png.height, colours: colours.size };
}

/** Side of a grid of `cells` cells of `side` pixels with 2-pixel gaps. */
const gridSide = (cells: number, side: number) => 2 + cells * (side + 2);

describe('selfsup visualize', () => {
  const folder = temporaryFolder('visualize');
  const vitRun = join(folder, 'vit');
  const swinRun = join(folder, 'swin');
  const maeRun = join(folder, 'mae');

  beforeAll(async () => {
    const tiny = tinyConfig(vitRun);
    const plain = { ...(tiny.run as object), plot: false };
    const vit = writeConfig(folder, 'vit.yaml', { ...tiny, run: { ...plain, outDir: vitRun } });
    const swin = writeConfig(folder, 'swin.yaml', {
      ...tiny,
      backbone: { arch: 'swin', imageSize: 28, patchSize: 2, embedDim: 16, depths: [1, 1], headCounts: [2, 4], windowSize: 7 },
      augmentation: { globalSize: 28, localCrops: 2, localSize: 12 },
      data: { dataset: 'fashion-mnist-subset', heldOut: 'none' },
      run: { ...plain, outDir: swinRun },
    });
    const mae = writeConfig(folder, 'mae.yaml', {
      method: 'mae',
      seed: 0,
      epochs: 1,
      batchSize: 8,
      backbone: { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, headCount: 2 },
      decoder: { embedDim: 16, depth: 1, headCount: 2 },
      augmentation: { size: 28 },
      data: { dataset: 'fashion-mnist-subset', heldOut: 'none' },
      run: { ...plain, outDir: maeRun },
    });
    for (const config of [vit, swin, mae]) {
      const result = await run(['pretrain', '--config', config, '--steps', '2'], folder);
      expect(result.code, result.err).toBe(0);
    }
  }, 240_000);

  it('writes attention.png (a row per image: the image and a map per head) and pca.png from a run folder, one line per file', async () => {
    const out = join(folder, 'pictures-vit');
    const result = await run(['visualize', '--checkpoint', vitRun, '--count', '3', '--out', out], folder);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^wrote .*attention\.png \(\d+x\d+\)\nwrote .*pca\.png \(\d+x\d+\)\n$/);
    expect(existsSync(join(out, 'reconstructions.png'))).toBe(false);
    // 28-pixel images drawn at 4x: 112-pixel cells; 2 heads
    const attention = readPng(join(out, 'attention.png'));
    expect([attention.width, attention.height]).toEqual([gridSide(3, 112), gridSide(3, 112)]);
    expect(attention.colours).toBeGreaterThan(10);
    const pca = readPng(join(out, 'pca.png'));
    expect([pca.width, pca.height]).toEqual([gridSide(3, 112), gridSide(2, 112)]);
    expect(pca.colours).toBeGreaterThan(10);
  });

  it('reads images from fashion-mnist, an IDX file and a folder of PNG files, and defaults --out to visualize/ in the run folder', async () => {
    const fromBundled = await run(['visualize', '--checkpoint', join(vitRun, 'checkpoints'), '--images', 'fashion-mnist', '--count', '2'], folder);
    expect(fromBundled.code, fromBundled.err).toBe(0);
    expect(readPng(join(vitRun, 'visualize', 'pca.png')).width).toBe(gridSide(2, 112));
    // an IDX file of 3 images of 14x14 (resized to the run's 28) and a folder with one 20x20 RGB PNG
    const pixels = Uint8Array.from({ length: 3 * 14 * 14 }, (_, i) => (i * 37) % 256);
    writeFileSync(join(folder, 'images-idx3-ubyte'), writeIdx({ dtype: 'uint8', shape: [3, 14, 14], data: pixels }));
    const idx = await run(['visualize', '--checkpoint', vitRun, '--images', 'images-idx3-ubyte', '--out', 'from-idx'], folder);
    expect(idx.code, idx.err).toBe(0);
    expect(readPng(join(folder, 'from-idx', 'attention.png')).height).toBe(gridSide(3, 112));
    mkdirSync(join(folder, 'pngs'), { recursive: true });
    const png = new PNG({ width: 20, height: 20 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 7) % 256;
    writeFileSync(join(folder, 'pngs', 'a.png'), PNG.sync.write(png));
    const fromPngs = await run(['visualize', '--checkpoint', vitRun, '--images', 'pngs', '--out', 'from-pngs'], folder);
    expect(fromPngs.code, fromPngs.err).toBe(0);
    expect(readPng(join(folder, 'from-pngs', 'pca.png')).width).toBe(gridSide(1, 112));
    const onePng = await run(['visualize', '--checkpoint', vitRun, '--images', join('pngs', 'a.png'), '--out', 'from-one-png'], folder);
    expect(onePng.code, onePng.err).toBe(0);
    expect(readPng(join(folder, 'from-one-png', 'pca.png')).width).toBe(gridSide(1, 112));
  });

  it('writes reconstructions.png for an MAE checkpoint: per image the image, the visible patches, the reconstruction, the pasted result', async () => {
    const out = join(folder, 'pictures-mae');
    const result = await run(['visualize', '--checkpoint', maeRun, '--count', '2', '--out', out], folder);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/reconstructions\.png \(\d+x\d+\)/);
    const picture = readPng(join(out, 'reconstructions.png'));
    expect([picture.width, picture.height]).toEqual([gridSide(4, 112), gridSide(2, 112)]);
    expect(picture.colours).toBeGreaterThan(10);
  });

  it('leaves attention.png out for a Swin Transformer with the reason, and still writes pca.png', async () => {
    const out = join(folder, 'pictures-swin');
    const result = await run(['visualize', '--checkpoint', swinRun, '--count', '2', '--out', out], folder);
    expect(result.code, result.err).toBe(0);
    expect(result.err).toMatch(/attention\.png not written: .*no \[CLS\] token.*patchFeaturePca/);
    expect(existsSync(join(out, 'attention.png'))).toBe(false);
    // Swin's patch tokens leave at its last stage's 7x7 grid
    expect(readPng(join(out, 'pca.png')).colours).toBeGreaterThan(5);
  });

  it('refuses a missing checkpoint, a folder without checkpoints and a missing image source (exit 2, one line)', async () => {
    const missing = await run(['visualize', '--checkpoint', 'nowhere.safetensors'], folder);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error \(INVALID_ARGUMENT\): --checkpoint: nowhere\.safetensors does not exist/);
    mkdirSync(join(folder, 'empty'), { recursive: true });
    const empty = await run(['visualize', '--checkpoint', 'empty'], folder);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/--checkpoint: empty holds no checkpoint/);
    const noImages = await run(['visualize', '--checkpoint', vitRun, '--images', 'no-such-folder'], folder);
    expect(noImages.code).toBe(2);
    expect(noImages.err).toMatch(/--images: no-such-folder does not exist/);
    // checked before the checkpoint is opened
    const both = await run(['visualize', '--checkpoint', 'empty', '--images', 'no-such-folder'], folder);
    expect(both.err).toMatch(/--images: no-such-folder does not exist/);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
  });

  it('prints its help with every flag', async () => {
    const help = await run(['visualize', '--help'], folder);
    expect(help.code).toBe(0);
    for (const flag of ['--checkpoint', '--images', '--count', '--out', '--which', '--seed', '--backend']) expect(help.out).toContain(flag);
  });
});

describe('defaultOutOf', () => {
  it("puts the pictures in the run folder for a run's checkpoint, else beside the checkpoint", () => {
    expect(defaultOutOf(join('/r', 'run', 'checkpoints', 'step-5.safetensors'))).toBe(join('/r', 'run', 'visualize'));
    expect(defaultOutOf(join('/home', 'me', 'step-5.safetensors'))).toBe(join('/home', 'me', 'visualize'));
  });
});
