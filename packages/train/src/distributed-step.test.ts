import { afterAll, describe, expect, it } from 'vitest';
import { createLocalCommunicator, type Communicator } from '@selfsup/distributed';
import { train } from './train.js';
import { reduceGradients } from './distributed-step.js';
import { createMaskedPixelRecipe, createTestOptimizer, pixelBatches } from './testing/masked-pixel-recipe.js';
import { removeTempDirs, snapshotModules } from './testing/helpers.js';

afterAll(removeTempDirs);

/** The single-process communicator, counting the collectives it is asked for (each still runs). */
function countingCommunicator(): { communicator: Communicator; calls: string[] } {
  const local = createLocalCommunicator();
  const calls: string[] = [];
  const communicator: Communicator = {
    rank: local.rank,
    worldSize: local.worldSize,
    kind: local.kind,
    allReduce: (buffer, op) => (calls.push('allReduce'), local.allReduce(buffer, op)),
    broadcast: (buffer, root) => (calls.push('broadcast'), local.broadcast(buffer, root)),
    allGather: (buffer) => (calls.push('allGather'), local.allGather(buffer)),
    barrier: () => (calls.push('barrier'), local.barrier()),
    dispose: () => local.dispose(),
  };
  return { communicator, calls };
}

/** 1 epoch of the masked-pixel run; its final weights. */
async function weightsAfterOneEpoch(communicator?: Communicator) {
  const data = pixelBatches({ seed: 8 });
  const recipe = createMaskedPixelRecipe({ seed: 41 });
  const optimizer = createTestOptimizer(recipe, 1, data.batchesPerEpoch);
  await train({
    recipe,
    optimizer,
    batches: data.batches,
    epochs: 1,
    iterationsPerEpoch: data.batchesPerEpoch,
    seed: 13,
    progress: 'none',
    ...(communicator ? { communicator } : {}),
  });
  const weights = await snapshotModules(recipe);
  optimizer.dispose();
  recipe.dispose();
  return weights;
}

describe('the single-process path pays nothing for data parallelism', () => {
  it('has no gradient reduction on one rank (trainStep then neither copies nor all-reduces)', () => {
    expect(reduceGradients(createLocalCommunicator())).toBeUndefined();
  });

  it('train() on a world of one calls no collective and gives the weights of a run without a communicator', async () => {
    const { communicator, calls } = countingCommunicator();
    const withCommunicator = await weightsAfterOneEpoch(communicator);
    expect(calls).toEqual([]);
    expect(withCommunicator).toEqual(await weightsAfterOneEpoch());
  });
});
