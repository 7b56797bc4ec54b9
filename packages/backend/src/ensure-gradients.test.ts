import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const coreDist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')), 'dist');

/** The kernel names of every gradient that tfjs-core's own register_all_gradients.js registers. */
function kernelsWithGradientsInTfjsCore(): string[] {
  const registry = readFileSync(join(coreDist, 'register_all_gradients.js'), 'utf8');
  const files = [...registry.matchAll(/from '\.\/(gradients\/\w+)'/g)].map((match) => match[1]!);
  const kernels = files.map((file) => {
    const constant = /kernelName: (\w+)/.exec(readFileSync(join(coreDist, `${file}.js`), 'utf8'))?.[1];
    const name = (tf as unknown as Record<string, unknown>)[constant ?? ''];
    if (typeof name !== 'string') throw new Error(`${file}.js: no kernel name found (constant ${constant})`);
    return name;
  });
  return [...new Set(kernels)];
}

/** Runs ensureGradients in a new Node process that has loaded only tfjs-core and its cpu backend. */
function ensureGradientsInFreshProcess(kernels: readonly string[]): {
  registeredBefore: number;
  missingAfter: string[];
  gatherGradient: number[];
  umbrellaLoaded: boolean;
} {
  const script = `
    import { createRequire } from 'node:module';
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import { ensureGradients } from './src/ensure-gradients.ts';
    const kernels = JSON.parse(process.env.KERNELS);
    const registeredBefore = kernels.filter((k) => tf.getGradient(k) !== undefined).length;
    await ensureGradients();
    await tf.setBackend('cpu');
    const missingAfter = kernels.filter((k) => tf.getGradient(k) === undefined);
    // gather with batchDims 1: its gradient splits x with the chained method x.split(...)
    const weights = tf.tensor2d([[1, 2], [3, 4]]);
    const indices = tf.tensor2d([[0, 2], [1, 1]], [2, 2], 'int32');
    const dx = tf.grad((x) => tf.sum(tf.mul(tf.gather(x, indices, 1, 1), weights)))(tf.zeros([2, 3]));
    const umbrellaLoaded = Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('/@tensorflow/tfjs/'));
    console.log(JSON.stringify({ registeredBefore, missingAfter, gatherGradient: Array.from(await dx.data()), umbrellaLoaded }));
  `;
  const output = execFileSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: packageRoot,
    env: { ...process.env, KERNELS: JSON.stringify(kernels) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // the cpu backend's first-use banner goes to stderr
  });
  return JSON.parse(output.trim().split('\n').at(-1)!) as ReturnType<typeof ensureGradientsInFreshProcess>;
}

describe('ensureGradients', () => {
  it('registers, in a process with only tfjs-core, every gradient tfjs-core defines, and the chained methods they call', () => {
    const kernels = kernelsWithGradientsInTfjsCore();
    expect(kernels.length).toBeGreaterThan(50); // tfjs-core 4.22.0 defines 101
    const result = ensureGradientsInFreshProcess(kernels);
    expect(result.registeredBefore).toBe(0);
    expect(result.missingAfter).toEqual([]);
    // x = zeros [2, 3], item 0 picks columns 0 and 2 (weights 1, 2), item 1 picks column 1 twice (3 + 4)
    expect(result.gatherGradient).toEqual([1, 0, 2, 0, 7, 0]);
    expect(result.umbrellaLoaded).toBe(false);
  });

  it('does not make @selfsup/backend depend on the @tensorflow/tfjs umbrella (layers, converter, webgl: ~240 MB)', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(Object.keys(manifest[field] ?? {}), field).not.toContain('@tensorflow/tfjs');
    }
    expect(manifest.files).toContain('vendor');
  });
});
