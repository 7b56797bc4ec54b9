import { SslError } from '@selfsup/core';
import type { Communicator } from './communicator.js';
import { checkBuffer, checkReduceOp, checkRoot } from './check-collective.js';
import { loadMpiAddon, type MpiAddon } from './mpi-addon.js';

let active: Communicator | undefined;

/**
 * The Open MPI communicator of this process: its rank and world size are mpirun's
 * (`mpirun -np 2 node train.js`; run without mpirun it is a world of 1). MPI is initialised on the
 * first call; later calls return the same communicator, also after it is disposed (MPI allows one
 * initialisation per process; a disposed communicator's collectives reject with `DISPOSED`).
 *
 * Collectives run on libuv's thread pool (Node-API async work), one at a time in call order, so
 * the event loop stays free while a rank waits for the others. A failing collective (a peer that
 * died, a network error) rejects with `SslError('COMMUNICATION_FAILED')` naming this rank; mpirun
 * itself ends every rank when one dies and names it ("mpirun noticed that process rank 1 ...").
 *
 * @throws SslError `BACKEND_UNAVAILABLE` when the addon was not built (Open MPI missing at
 * install: `apt-get install libopenmpi-dev openmpi-bin`, then `npm rebuild @selfsup/distributed`).
 * @example
 * ```ts
 * const communicator = createMpiCommunicator();
 * const values = new Float32Array([communicator.rank]);
 * await communicator.allReduce(values, 'sum'); // 0 + 1 + ... + (worldSize - 1) on every rank
 * await communicator.dispose();
 * ```
 */
export function createMpiCommunicator(): Communicator {
  if (active) return active;
  const addon = loadMpiAddon();
  let info: { rank: number; size: number };
  try {
    info = addon.init();
  } catch (error) {
    throw new SslError('BACKEND_UNAVAILABLE', `createMpiCommunicator: MPI did not initialise (${(error as Error).message}).`, { cause: error });
  }
  const communicator = mpiCommunicator(addon, info.rank, info.size);
  active = communicator;
  return communicator;
}

function mpiCommunicator(addon: MpiAddon, rank: number, worldSize: number): Communicator {
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;

  /** Runs `start` after every collective called before it settled (MPI_THREAD_SERIALIZED). */
  function serialized<T>(where: string, start: () => Promise<T>): Promise<T> {
    if (disposed) {
      return Promise.reject(new SslError('DISPOSED', `communicator.${where}: this communicator was disposed; MPI cannot be used again in this process.`));
    }
    const run = queue.then(start).catch((error: unknown) => {
      if (error instanceof SslError) throw error;
      throw new SslError(
        'COMMUNICATION_FAILED',
        `communicator.${where} on rank ${rank} of ${worldSize}: ${(error as Error).message}. Another rank probably stopped; ` +
          'mpirun names it. Resume the run from its last checkpoint.',
        { cause: error, details: { rank, worldSize } },
      );
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    rank,
    worldSize,
    kind: 'mpi',
    allReduce(buffer, op) {
      checkBuffer('communicator.allReduce(buffer)', buffer, true);
      checkReduceOp(op);
      return serialized('allReduce', () => addon.allReduce(buffer, op === 'mean'));
    },
    broadcast(buffer, root = 0) {
      checkBuffer('communicator.broadcast(buffer)', buffer, false);
      checkRoot(root, worldSize);
      return serialized('broadcast', () => addon.broadcast(buffer, root));
    },
    allGather(buffer) {
      checkBuffer('communicator.allGather(buffer)', buffer, true);
      const receive = new Float32Array(buffer.length * worldSize);
      return serialized('allGather', async () => {
        await addon.allGather(buffer, receive);
        return receive;
      });
    },
    barrier() {
      return serialized('barrier', () => addon.barrier());
    },
    async dispose() {
      if (disposed) return;
      await queue;
      disposed = true;
      addon.finalize();
    },
  };
}
