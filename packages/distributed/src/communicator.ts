/** How {@link Communicator.allReduce} combines the ranks' buffers. */
export type ReduceOp = 'sum' | 'mean';

/**
 * The processes of a data-parallel job and their collectives, as MPI and `torch.distributed` have
 * them. Every rank must call the same collectives in the same order with buffers of the same
 * length; each returns a promise that settles once this rank's part is done, and the collective
 * itself runs off the JavaScript thread (the event loop stays free). Buffers are reduced and
 * received in place: do not touch one until its promise settles.
 *
 * `createLocalCommunicator()` is the single-process one (world size 1) and the default of
 * `train`; `createMpiCommunicator()` runs on Open MPI (`mpirun -np N node ...`).
 */
export interface Communicator {
  /** This process's index, from 0 to `worldSize - 1`. Rank 0 writes checkpoints and metrics. */
  readonly rank: number;
  /** How many processes take part. */
  readonly worldSize: number;
  /** What the communicator runs on: `local` or `mpi`. */
  readonly kind: 'local' | 'mpi';
  /**
   * Combines `buffer` across ranks, in place: every rank ends with the element-wise sum, or the
   * sum divided by `worldSize` (`mean`).
   */
  allReduce(buffer: Float32Array, op: ReduceOp): Promise<void>;
  /** Copies rank `root`'s `buffer` into every other rank's `buffer`, in place. @defaultValue root 0 */
  broadcast(buffer: Float32Array | Int32Array | Uint8Array, root?: number): Promise<void>;
  /**
   * Every rank's `buffer`, concatenated in rank order (`worldSize * buffer.length` values); the
   * caller owns the result.
   */
  allGather(buffer: Float32Array): Promise<Float32Array>;
  /** Settles once every rank has called it. */
  barrier(): Promise<void>;
  /** Ends this process's part (MPI_Finalize); no collective may follow. Idempotent. */
  dispose(): Promise<void>;
}
