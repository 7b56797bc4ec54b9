// Host-side mask sampling speed: milliseconds per image for a batch of 256 on a 14x14 grid
// (ViT-B/16 at 224 px), for every strategy, measured side by side in one run.
import { createRng } from '@selfsup/core';
import {
  createBatchMasking,
  createBeitBlockMasking,
  createBlockMasking,
  createRandomMasking,
  createRandPatchMasking,
  createSimMimMasking,
  tokenMaskToIndices,
  type MaskingStrategy,
} from '@selfsup/masking';

interface BenchContext {
  readonly quick: boolean;
  log(line: string): void;
}

export default async function bench(context: BenchContext): Promise<void> {
  const batchSize = 256;
  const grid = { height: 14, width: 14 };
  const repeats = context.quick ? 5 : 40;
  const mae = createRandomMasking({ maskRatio: 0.75 });
  const cases: [string, (seed: number) => unknown][] = [];
  const add = (label: string, strategy: MaskingStrategy) =>
    cases.push([label, (seed) => strategy.sample(batchSize, grid, createRng(seed))]);
  add('iBOT block, ratios [0, 0.3] ± [0, 0.2] (ViT default)', createBlockMasking());
  add('iBOT block, ratio 0.3 ± 0.2', createBlockMasking({ maskRatio: 0.3, maskRatioVariance: 0.2 }));
  add('iBOT block, ratio 0.5', createBlockMasking({ maskRatio: 0.5, maskRatioVariance: 0 }));
  add('BEiT block, 75 patches', createBeitBlockMasking());
  add('iBOT rand, ratios [0, 0.3] ± [0, 0.2]', createRandPatchMasking());
  add('MAE random 0.75: sample', mae);
  cases.push(['MAE random 0.75: sampleWithIndices', (seed) => mae.sampleWithIndices(batchSize, grid, createRng(seed))]);
  add('SimMIM 0.6, mask patch 32 / patch 16', createSimMimMasking());
  add('DINOv2 batch, p 0.5, ratios 0.1-0.5', createBatchMasking());
  const simmim = createSimMimMasking();
  cases.push(['SimMIM + tokenMaskToIndices', (seed) => tokenMaskToIndices(simmim.sample(batchSize, grid, createRng(seed)))]);

  for (const [, run] of cases) for (let i = 0; i < 3; i++) run(i); // warm-up (JIT)

  context.log(`batch ${batchSize}, grid ${grid.height}x${grid.width}, ${repeats} batches each (median)`);
  context.log('| strategy | ms / batch | ms / image | images / s |');
  context.log('|---|---:|---:|---:|');
  for (const [label, run] of cases) {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      run(1000 + r);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const perImage = median / batchSize;
    context.log(`| ${label} | ${median.toFixed(3)} | ${perImage.toFixed(4)} | ${Math.round(1000 / perImage).toLocaleString('en-US')} |`);
  }
}
