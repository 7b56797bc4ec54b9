// `npm run bench distributed.bench` (`npm run bench distributed` also runs distributed-single-process):
// data-parallel training on this machine. The same small iBOT step on
// a global batch, as 1 process with 2 threads (no MPI) and as 2 MPI ranks with 1 thread each
// (`mpirun -np 2`, each rank half the batch): images per second, and the milliseconds per step
// spent in all-reduce (gradients and centres; this includes waiting for the slower rank) and in the
// allGather of the logged scalars (loss, terms and metrics averaged over the ranks). Needs
// Open MPI (apt-get install libopenmpi-dev openmpi-bin; npm rebuild @selfsup/distributed).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { mpirunEnvironment } from '../../packages/distributed/test/mpirun.js';

interface RankResult {
  readonly worldSize: number;
  readonly threads: number;
  readonly backend: string;
  readonly imagesPerSecond: number;
  readonly allReduceMsPerStep: number;
  /** The allGather of the logged scalars (loss, terms, metrics averaged over the ranks). */
  readonly allGatherMsPerStep: number;
  readonly stepMs: number;
}

const root = resolve(import.meta.dirname, '..', '..');
const script = join(import.meta.dirname, 'distributed-rank.ts');
const node = [process.execPath, '--conditions=@selfsup/source', '--import', 'tsx', script];
const mpiEnvironment = mpirunEnvironment();

/** Runs `command`, returns rank 0's RESULT line; throws with the output when there is none. */
function runRanks(command: string, args: readonly string[]): RankResult {
  const run = spawnSync(command, args, { cwd: root, env: mpiEnvironment, encoding: 'utf8', timeout: 600_000 });
  const line = `${run.stdout}`.split('\n').find((text) => text.startsWith('RESULT '));
  if (run.error || run.status !== 0 || !line) throw new Error(`${command} ${args.join(' ')} failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stdout}${run.stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as RankResult;
}

export default async function distributedBench(context: { quick: boolean; log: (line: string) => void }): Promise<void> {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    context.log('skipped: mpirun is not installed (apt-get install libopenmpi-dev openmpi-bin; npm rebuild @selfsup/distributed)');
    return;
  }
  const backend = process.env.SELFSUP_BENCH_BACKEND ?? 'native';
  const globalBatch = 16;
  const steps = context.quick ? 5 : 12; // the first 2 are warm-up
  const settings = (mode: string, threads: number) => [mode, String(threads), String(globalBatch), String(steps), backend];
  const one = runRanks(node[0]!, [...node.slice(1), ...settings('local', 2)]);
  const two = runRanks('mpirun', ['-np', '2', '--oversubscribe', ...node, ...settings('mpi', 1)]);
  context.log(`iBOT ViT dim 96 depth 3 on 32x32x3, global batch ${globalBatch}, ${steps - 2} measured steps, ${one.backend} backend`);
  context.log('| setup | images/s | ms/step | all-reduce ms/step | logged-scalars gather ms/step |');
  context.log('|---|---|---|---|---|');
  for (const [name, result] of [
    [`1 rank x ${one.threads} threads`, one],
    [`${two.worldSize} ranks x ${two.threads} thread`, two],
  ] as const) {
    context.log(`| ${name} | ${result.imagesPerSecond.toFixed(1)} | ${result.stepMs.toFixed(0)} | ${result.allReduceMsPerStep.toFixed(1)} | ${result.allGatherMsPerStep.toFixed(2)} |`);
  }
  context.log(`2 ranks / 1 rank: ${(two.imagesPerSecond / one.imagesPerSecond).toFixed(2)}x images/s (the machine is shared: other processes take cores too)`);
}
