import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { VIRIDIS } from './viridis.js';
import { heatmapImage } from './heatmap-image.js';
import { pixelImage } from './pixel-image.js';
import { resizeImage } from './resize-image.js';
import { imageGrid } from './image-grid.js';
import { createRasterImage, type RasterImage } from './raster-image.js';
import { heatmapsFromTensor, imagesFromTensor } from './tensor-images.js';

const pixel = (image: RasterImage, x: number, y: number) => Array.from(image.data.subarray(4 * (y * image.width + x), 4 * (y * image.width + x) + 4));

describe('VIRIDIS', () => {
  it("is matplotlib's table: 256 colours from #440154 to #fde725 through #21918c", () => {
    expect(VIRIDIS.length).toBe(768);
    expect(Array.from(VIRIDIS.subarray(0, 3))).toEqual([0x44, 0x01, 0x54]);
    expect(Array.from(VIRIDIS.subarray(765))).toEqual([0xfd, 0xe7, 0x25]);
    expect(Array.from(VIRIDIS.subarray(3 * 128, 3 * 128 + 3))).toEqual([0x21, 0x91, 0x8c]);
  });
});

describe('heatmapImage', () => {
  it('scales to [min, max] and paints the ends of the viridis table', () => {
    const image = heatmapImage([2, 4, 6, 8], 2, 2);
    expect([image.width, image.height]).toEqual([2, 2]);
    expect(pixel(image, 0, 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(pixel(image, 1, 1)).toEqual([0xfd, 0xe7, 0x25, 255]);
    // 4 is a third of the way: entry floor(256/3) = 85
    expect(pixel(image, 1, 0)).toEqual([...VIRIDIS.subarray(3 * 85, 3 * 85 + 3), 255]);
  });

  it('draws a constant map at the bottom and honours explicit bounds', () => {
    expect(pixel(heatmapImage([3, 3], 2, 1), 1, 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(pixel(heatmapImage([0.5], 1, 1, { min: 0, max: 1 }), 0, 0)).toEqual([...VIRIDIS.subarray(3 * 128, 3 * 128 + 3), 255]);
  });

  it('refuses values that do not fill the map', () => {
    expect(() => heatmapImage([1, 2, 3], 2, 2)).toThrowError(/2x2 map needs 4 values, got 3/);
  });
});

describe('pixelImage', () => {
  it('maps grey and RGB in [0, 1] to bytes, clipping', () => {
    expect(pixel(pixelImage([0, 0.5, 1, 2], 2, 2, 1), 1, 0)).toEqual([128, 128, 128, 255]);
    expect(pixel(pixelImage([1, 0, 0.2, -1, 0.4, 1], 2, 1, 3), 1, 0)).toEqual([0, 102, 255, 255]);
    expect(() => pixelImage([1, 2], 1, 1, 3)).toThrowError(/needs 3 values/);
  });
});

describe('resizeImage', () => {
  const checker = pixelImage([0, 1, 1, 0], 2, 2, 1);

  it('nearest turns each pixel into a square', () => {
    const big = resizeImage(checker, 4, 4, 'nearest');
    expect(pixel(big, 0, 0)[0]).toBe(0);
    expect(pixel(big, 1, 1)[0]).toBe(0);
    expect(pixel(big, 2, 0)[0]).toBe(255);
    expect(pixel(big, 3, 3)[0]).toBe(0);
  });

  it('bilinear blends at pixel centres (align_corners=False), edges clamped', () => {
    // 2 -> 4: output x = 1 samples source 0.25: 0.75 * p0 + 0.25 * p1
    const row = pixelImage([0, 1], 2, 1, 1);
    const big = resizeImage(row, 4, 1, 'bilinear');
    expect([0, 1, 2, 3].map((x) => pixel(big, x, 0)[0])).toEqual([0, 64, 191, 255]);
  });

  it('refuses an unknown method', () => {
    expect(() => resizeImage(checker, 4, 4, 'cubic' as 'nearest')).toThrowError(/'nearest' or 'bilinear'/);
  });
});

describe('imageGrid', () => {
  it('places every picture, resized to the cell, between gaps of the background colour', () => {
    const red = createRasterImage(2, 2, [255, 0, 0, 255]);
    const blue = createRasterImage(1, 1, [0, 0, 255, 255]);
    const grid = imageGrid([[red, blue], [null, red]], { gap: 1 });
    // cells 2x2: width 1 + 2 * (2 + 1) = 7
    expect([grid.width, grid.height]).toEqual([7, 7]);
    expect(pixel(grid, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(grid, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(pixel(grid, 5, 2)).toEqual([0, 0, 255, 255]); // the 1x1 blue upscaled to the 2x2 cell
    expect(pixel(grid, 1, 4)).toEqual([255, 255, 255, 255]); // empty cell
    expect(pixel(grid, 4, 5)).toEqual([255, 0, 0, 255]);
  });

  it('refuses no rows and a malformed picture', () => {
    expect(() => imageGrid([])).toThrowError(/non-empty array of rows/);
    expect(() => imageGrid([[{ width: 2, height: 2, data: new Uint8ClampedArray(3) }]])).toThrowError(/needs 16 bytes/);
  });
});

describe('imagesFromTensor / heatmapsFromTensor', () => {
  it('reads NHWC images, undoing a normalisation', async () => {
    const images = tf.tensor4d([-1, 1], [2, 1, 1, 1]); // normalised with mean 0.5, std 0.5
    const [a, b] = await imagesFromTensor(images, { normalization: { mean: [0.5], std: [0.5] } });
    expect(pixel(a!, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(b!, 0, 0)).toEqual([255, 255, 255, 255]);
    images.dispose();
  });

  it('reads [batch, maps, h, w] into one heatmap per image and map', async () => {
    const maps = tf.tensor4d([0, 1, 1, 0, 5, 5, 5, 6], [1, 2, 2, 2]);
    const pictures = await heatmapsFromTensor(maps);
    expect(pictures.length).toBe(1);
    expect(pictures[0]!.length).toBe(2);
    expect(pixel(pictures[0]![1]!, 1, 1)).toEqual([0xfd, 0xe7, 0x25, 255]);
    maps.dispose();
  });
});
