import { SslError } from '@selfsup/core';
import type { Communicator } from './communicator.js';
import { checkBuffer, checkRoot, checkReduceOp } from './check-collective.js';

/**
 * The single-process communicator: rank 0 of a world of 1. Every collective is the identity
 * (`allReduce` leaves the buffer as it is, `allGather` returns a copy), so training with it is
 * exactly single-process training. The default communicator of `train`.
 *
 * @example
 * ```ts
 * const communicator = createLocalCommunicator();
 * const gradients = new Float32Array([1, 2, 3]);
 * await communicator.allReduce(gradients, 'mean'); // unchanged: one rank
 * ```
 */
export function createLocalCommunicator(): Communicator {
  let disposed = false;
  const check = (where: string): void => {
    if (disposed) throw new SslError('DISPOSED', `communicator.${where}: this communicator was disposed; create a new one.`);
  };
  return {
    rank: 0,
    worldSize: 1,
    kind: 'local',
    async allReduce(buffer, op) {
      check('allReduce');
      checkBuffer('communicator.allReduce(buffer)', buffer, true);
      checkReduceOp(op);
    },
    async broadcast(buffer, root = 0) {
      check('broadcast');
      checkBuffer('communicator.broadcast(buffer)', buffer, false);
      checkRoot(root, 1);
    },
    async allGather(buffer) {
      check('allGather');
      checkBuffer('communicator.allGather(buffer)', buffer, true);
      return Float32Array.from(buffer);
    },
    async barrier() {
      check('barrier');
    },
    async dispose() {
      disposed = true;
    },
  };
}
