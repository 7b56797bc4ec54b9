import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { applyColorJitter, colorJitter, sampleColorJitter, type ColorJitterParams } from './color-jitter.js';

/** Parameters that change nothing, for `batch` images, with the order 0, 1, 2, 3. */
function identity(batch: number): ColorJitterParams {
  return {
    order: Int32Array.from({ length: batch * 4 }, (_, k) => k % 4),
    brightness: new Float32Array(batch).fill(1),
    contrast: new Float32Array(batch).fill(1),
    saturation: new Float32Array(batch).fill(1),
    hue: new Float32Array(batch),
  };
}

/** torchvision's `_rgb2hsv`, hue shift and `_hsv2rgb` on one pixel, written out literally. */
function torchvisionHue(r: number, g: number, b: number, shift: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  const eqc = maxc === minc;
  const cr = maxc - minc;
  const s = cr / (eqc ? 1 : maxc);
  const divisor = eqc ? 1 : cr;
  const [rc, gc, bc] = [(maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor];
  const hr = maxc === r ? bc - gc : 0;
  const hg = maxc === g && maxc !== r ? 2 + rc - bc : 0;
  const hb = maxc !== g && maxc !== r ? 4 + gc - rc : 0;
  let h = ((hr + hg + hb) / 6 + 1) % 1;
  h = (((h + shift) % 1) + 1) % 1;
  const v = maxc;
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const clamp = (x: number): number => Math.min(1, Math.max(0, x));
  const p = clamp(v * (1 - s));
  const q = clamp(v * (1 - s * f));
  const t = clamp(v * (1 - s * (1 - f)));
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[i % 6]! as [number, number, number];
}

describe('applyColorJitter', () => {
  it('brightness multiplies and clamps to [0, 1]', () => {
    // factor 1.5: 0.2 -> 0.3, 0.8 -> 1.2 clamped to 1
    const images = tf.tensor4d([0.2, 0.8], [1, 1, 2, 1]);
    const params = identity(1);
    params.brightness[0] = 1.5;
    const out = applyColorJitter(images, params);
    expectClose(out, { shape: [1, 1, 2, 1], data: [0.3, 1] });
    tf.dispose([images, out]);
  });

  it('contrast blends with the mean luma of each image', () => {
    // 1 channel: [0.2, 0.6] has mean 0.4; f = 0.5: 0.5 x + 0.5 * 0.4 = [0.3, 0.5].
    // RGB: pixels (1, 0, 0) and (0, 0, 1) have lumas 0.299 and 0.114, mean 0.2065; f = 0: every value 0.2065.
    const gray = tf.tensor4d([0.2, 0.6], [1, 1, 2, 1]);
    const rgb = tf.tensor4d([1, 0, 0, 0, 0, 1], [1, 1, 2, 3]);
    const p1 = identity(1);
    p1.contrast[0] = 0.5;
    const p2 = identity(1);
    p2.contrast[0] = 0;
    const out1 = applyColorJitter(gray, p1);
    const out2 = applyColorJitter(rgb, p2);
    expectClose(out1, { shape: [1, 1, 2, 1], data: [0.3, 0.5] });
    expectClose(out2, { shape: [1, 1, 2, 3], data: Array(6).fill(0.2065) });
    tf.dispose([gray, rgb, out1, out2]);
  });

  it('saturation blends with the pixel luma, and is a no-op on one channel', async () => {
    // (0.2, 0.4, 0.6) has luma 0.363: f = 0 gives (0.363, 0.363, 0.363); f = 2 gives 2x - 0.363 =
    // (0.037, 0.437, 0.837)
    const rgb = tf.tensor4d([0.2, 0.4, 0.6, 0.2, 0.4, 0.6], [2, 1, 1, 3]);
    const params = identity(2);
    params.saturation.set([0, 2]);
    const out = applyColorJitter(rgb, params);
    expectClose(out, { shape: [2, 1, 1, 3], data: [0.363, 0.363, 0.363, 0.037, 0.437, 0.837] });
    const gray = tf.tensor4d([0.3, 0.9], [1, 1, 2, 1]);
    const p1 = identity(1);
    p1.saturation[0] = 0;
    p1.hue[0] = 0.3;
    const same = applyColorJitter(gray, p1);
    expect(Array.from(await same.data())).toEqual(Array.from(await gray.data()));
    tf.dispose([rgb, out, gray, same]);
  });

  it('rotates the hue: red + 1/3 turn is green, orange + 1/2 is azure, gray stays gray', () => {
    // orange (1, 0.5, 0) has hue 1/12; + 1/2 = 7/12 is (0, 0.5, 1) with the same value and saturation
    const images = tf.tensor4d([1, 0, 0, 1, 0.5, 0, 0.4, 0.4, 0.4], [3, 1, 1, 3]);
    const params = identity(3);
    params.hue.set([1 / 3, 0.5, 0.25]);
    const out = applyColorJitter(images, params);
    expectClose(out, { shape: [3, 1, 1, 3], data: [0, 1, 0, 0, 0.5, 1, 0.4, 0.4, 0.4] }, { atol: 1e-6 });
    tf.dispose([images, out]);
  });

  it('matches torchvision adjust_hue (rgb2hsv, shift, hsv2rgb) on random pixels', () => {
    const count = 200;
    const rng = createRng(4);
    const pixels = rng.fillUniform(new Float32Array(count * 3));
    // a few exact ties between channels, the delicate branches of the hue formula
    pixels.set([0.5, 0.5, 0.2, 0.3, 0.7, 0.7, 0.6, 0.1, 0.6, 0, 0, 0, 1, 1, 1], 0);
    const shifts = Float32Array.from({ length: count }, () => rng.uniform(-0.5, 0.5));
    const params = identity(count);
    params.hue.set(shifts);
    const images = tf.tensor4d(pixels, [count, 1, 1, 3]);
    const out = applyColorJitter(images, params);
    const expected: number[] = [];
    for (let k = 0; k < count; k++) expected.push(...torchvisionHue(pixels[3 * k]!, pixels[3 * k + 1]!, pixels[3 * k + 2]!, shifts[k]!));
    expectClose(out, { shape: [count, 1, 1, 3], data: expected }, { atol: 2e-6 });
    tf.dispose([images, out]);
  });

  it('applies the adjustments in the order of each image', () => {
    // x = [0.2, 0.6], brightness 2 and contrast 0.5.
    // brightness first: [0.4, 1.2 -> 1], mean 0.7, contrast: 0.5 x + 0.35 = [0.55, 0.85].
    // contrast first: mean 0.4, [0.3, 0.5], brightness: [0.6, 1.0].
    const images = tf.tensor4d([0.2, 0.6, 0.2, 0.6], [2, 1, 2, 1]);
    const params = identity(2);
    params.order.set([0, 1, 2, 3, 1, 0, 2, 3]);
    params.brightness.fill(2);
    params.contrast.fill(0.5);
    const out = applyColorJitter(images, params);
    expectClose(out, { shape: [2, 1, 2, 1], data: [0.55, 0.85, 0.6, 1] });
    tf.dispose([images, out]);
  });

  it('gives each image of a batch the result it gets alone (hue steps regrouped and restored)', () => {
    const batch = 6;
    const images = tf.randomUniform([batch, 3, 2, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const params = sampleColorJitter(batch, createRng(12), { p: 1 });
    // hue at a different step for several images, one image without hue
    params.order.set([3, 0, 1, 2, 0, 3, 1, 2, 0, 1, 2, 3, 1, 2, 3, 0, 2, 3, 0, 1, 3, 2, 1, 0]);
    params.hue[4] = 0;
    const together = applyColorJitter(images, params);
    for (let b = 0; b < batch; b++) {
      const one: ColorJitterParams = {
        order: params.order.slice(b * 4, b * 4 + 4),
        brightness: params.brightness.slice(b, b + 1),
        contrast: params.contrast.slice(b, b + 1),
        saturation: params.saturation.slice(b, b + 1),
        hue: params.hue.slice(b, b + 1),
      };
      const image = tf.slice(images, [b, 0, 0, 0], [1, 3, 2, 3]);
      const alone = applyColorJitter(image, one);
      const part = tf.slice(together, [b, 0, 0, 0], [1, 3, 2, 3]);
      expectClose(part, alone, { atol: 1e-6 }, `image ${b}`);
      tf.dispose([image, alone, part]);
    }
    tf.dispose([images, together]);
  });

  it('leaves images bit-identical with identity parameters and leaks nothing', async () => {
    const images = tf.randomUniform([3, 2, 2, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = applyColorJitter(images, identity(3));
    expect(Array.from(await out.data())).toEqual(Array.from(await images.data()));
    const params = sampleColorJitter(3, createRng(1), { p: 1 });
    await expectNoLeaks(() => applyColorJitter(images, params), 'applyColorJitter');
    await expectNoLeaks(() => applyColorJitter(images, identity(3)), 'applyColorJitter (identity)');
    tf.dispose([images, out]);
  });

  it('rejects malformed parameters', () => {
    const images = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    const bad = identity(1);
    bad.order.set([0, 0, 1, 2]);
    expect(() => applyColorJitter(images, bad)).toThrow(/order\[0\.\.3\]: expected a permutation of 0, 1, 2, 3, got \[0, 0, 1, 2\]/);
    const shift = identity(1);
    shift.hue[0] = 0.7;
    expect(() => applyColorJitter(images, shift)).toThrow(/hue\[0\]: expected a shift in \[-0\.5, 0\.5\]/);
    expect(() => applyColorJitter(images, identity(2))).toThrow(/order: expected one value per image \(4\)/);
    images.dispose();
  });
});

describe('sampleColorJitter', () => {
  it('draws factors in their ranges, permutations as orders, identity when not applied', () => {
    const params = sampleColorJitter(500, createRng(2), { brightness: 0.4, contrast: 0.3, saturation: 0.2, hue: 0.1, p: 0.8 });
    let applied = 0;
    for (let b = 0; b < 500; b++) {
      expect(Array.from(params.order.slice(b * 4, b * 4 + 4)).sort()).toEqual([0, 1, 2, 3]);
      const [br, co, sa, hu] = [params.brightness[b]!, params.contrast[b]!, params.saturation[b]!, params.hue[b]!];
      expect(br >= 0.6 - 1e-6 && br <= 1.4 + 1e-6).toBe(true);
      expect(co >= 0.7 - 1e-6 && co <= 1.3 + 1e-6).toBe(true);
      expect(sa >= 0.8 - 1e-6 && sa <= 1.2 + 1e-6).toBe(true);
      expect(Math.abs(hu)).toBeLessThanOrEqual(0.1 + 1e-6);
      if (hu !== 0) applied++;
      else expect([br, co, sa]).toEqual([1, 1, 1]);
    }
    expect(applied).toBeGreaterThan(360);
    expect(applied).toBeLessThan(440);
  });

  it('is deterministic, clamps the brightness range at 0, and skips draws of disabled adjustments', () => {
    expect(sampleColorJitter(8, createRng(5))).toEqual(sampleColorJitter(8, createRng(5)));
    const strong = sampleColorJitter(200, createRng(6), { brightness: 2, p: 1 });
    expect(strong.brightness.every((v) => v >= 0 && v <= 3)).toBe(true);
    const off = sampleColorJitter(4, createRng(6), { brightness: 0, contrast: 0, saturation: 0, hue: 0, p: 1 });
    expect(Array.from(off.brightness)).toEqual([1, 1, 1, 1]);
    expect(Array.from(off.hue)).toEqual([0, 0, 0, 0]);
  });

  it('rejects out-of-range options', () => {
    expect(() => sampleColorJitter(1, createRng(0), { hue: 0.6 })).toThrow(/options\)\.hue: expected a number in \[0, 0\.5\]/);
    expect(() => sampleColorJitter(1, createRng(0), { brightness: -1 })).toThrow(/brightness: expected a finite number >= 0/);
    expect(() => sampleColorJitter(1, createRng(0), { p: 2 })).toThrow(/options\)\.p: expected a probability/);
  });
});

describe('colorJitter', () => {
  it('is deterministic for a seed and leaks nothing', async () => {
    const images = tf.randomUniform([4, 3, 3, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const a = colorJitter(images, createRng(1));
    const b = colorJitter(images, createRng(1));
    const c = colorJitter(images, createRng(2));
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data())).not.toEqual(Array.from(await c.data()));
    expect((await a.data()).every((v) => v >= 0 && v <= 1)).toBe(true);
    await expectNoLeaks(() => colorJitter(images, createRng(3)), 'colorJitter');
    tf.dispose([images, a, b, c]);
  });
});
