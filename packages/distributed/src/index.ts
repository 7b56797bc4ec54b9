export type { Communicator, ReduceOp } from './communicator.js';
export { createLocalCommunicator } from './local-communicator.js';
export { createMpiCommunicator } from './mpi-communicator.js';
export { MPI_INSTALL_HINT } from './mpi-addon.js';
export { allReduceTensors, type AllReduceTensorsOptions } from './all-reduce-tensors.js';
export { synchronizeVariables } from './synchronize-variables.js';
export { DEFAULT_BUCKET_BYTES, planBuckets } from './tensor-buckets.js';
