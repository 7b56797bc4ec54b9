import { describe, expect, it } from 'vitest';
import { createLocalCommunicator } from './local-communicator.js';

describe('createLocalCommunicator', () => {
  it('is rank 0 of 1, and every collective is the identity', async () => {
    const communicator = createLocalCommunicator();
    expect([communicator.rank, communicator.worldSize, communicator.kind]).toEqual([0, 1, 'local']);
    const buffer = new Float32Array([1, 2, 3]);
    await communicator.allReduce(buffer, 'sum');
    await communicator.allReduce(buffer, 'mean');
    await communicator.broadcast(buffer, 0);
    expect(Array.from(buffer)).toEqual([1, 2, 3]);
    const gathered = await communicator.allGather(buffer);
    expect(Array.from(gathered)).toEqual([1, 2, 3]);
    expect(gathered).not.toBe(buffer);
    await communicator.barrier();
  });

  it('refuses what MPI would refuse: a non-float32 reduction, an unknown op, a root outside the world, use after dispose', async () => {
    const communicator = createLocalCommunicator();
    await expect(communicator.allReduce([1, 2] as unknown as Float32Array, 'sum')).rejects.toThrow(/allReduce\(buffer\): expected a Float32Array/);
    await expect(communicator.allReduce(new Float32Array(1), 'max' as 'sum')).rejects.toThrow(/expected "sum" or "mean", got "max"/);
    await expect(communicator.broadcast(new Float32Array(1), 1)).rejects.toThrow(/broadcast\(root\): expected a rank from 0 to 0, got 1/);
    await communicator.dispose();
    await expect(communicator.barrier()).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
