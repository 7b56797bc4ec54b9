#!/usr/bin/env bash
# CI: the distributed tests on 2 ranks of Open MPI on this machine. Installs Debian's Open MPI when
# missing (as root), rebuilds @selfsup/distributed's addon against it (the workspace install ran
# before MPI was there, so the addon was skipped with its one-line reason), and runs:
#   - packages/distributed: collectives on 2 ranks (sum, mean, broadcast, allGather, barrier with a
#     free event loop, bucketed gradients), a rank killed with SIGKILL ending the job;
#   - packages/train/src/train-on-ranks.test.ts: train() on 2 ranks: each rank draws its own masks
#     (stepRng(seed, iteration, rank)), rank 0 logs the mean of the ranks' losses, a resume on 2
#     ranks draws and computes the same, bit for bit;
#   - packages/ibot/src/distributed-equivalence.test.ts: 2 ranks with batch B each give the weights,
#     teacher, centres and logged losses of 1 rank with batch 2B after several iBOT steps on cpu
#     (batches from createDataLoader's DistributedSampler-like shard);
#   - packages/eval/src/knn-on-ranks.test.ts: the k-NN evaluation with features extracted by block
#     on 2 ranks and gathered gives the features and accuracy of 1 rank;
#   - packages/cli/src/pretrain-distributed.test.ts: `mpirun -np 2 selfsup pretrain --distributed
#     mpi` (rank 0 alone prints and writes), --resume-from bit-identical on 2 ranks, on 1 rank too.
# Without root and without Open MPI it says so and exits 0 (the tests would skip).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "mpi-tests: SKIPPED: Open MPI is not installed and this is not root (apt-get install libopenmpi-dev openmpi-bin)"
    exit 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq libopenmpi-dev openmpi-bin >/dev/null
fi
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_btl_vader_single_copy_mechanism=none

npm rebuild @selfsup/distributed
SELFSUP_REQUIRE_MPI=1 npx vitest run packages/distributed/ packages/train/src/train-on-ranks.test.ts packages/ibot/src/distributed-equivalence.test.ts packages/eval/src/knn-on-ranks.test.ts packages/cli/src/pretrain-distributed.test.ts
