// The fault test's ranks (src/mpi-communicator.test.ts): both all-reduce in a loop; rank 1 kills
// itself with SIGKILL after a few rounds, as `kill -9` or the OOM killer would.
import { createMpiCommunicator } from '../src/index.js';

const communicator = createMpiCommunicator();
console.log(`rank ${communicator.rank} started`);
for (let round = 0; ; round++) {
  if (communicator.rank === 1 && round === 20) process.kill(process.pid, 'SIGKILL');
  await communicator.allReduce(new Float32Array(1024), 'sum');
  await new Promise((resolve) => setTimeout(resolve, 10));
}
