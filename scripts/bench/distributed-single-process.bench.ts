// `npm run bench distributed-single-process` (also part of `npm run bench distributed`): the
// single-process path must not get slower for data parallelism. The same short `selfsup pretrain`
// (the iBOT model of examples/configs/ibot-fashion-mnist-subset.yaml on the bundled subset, one
// process, the default communicator, a fixed number of steps, no k-NN, no plot) runs in the
// version before @selfsup/distributed landed and in this checkout, alternating (ABBA) in one run,
// with the same backend and threads. Each round runs each side twice, with only the warm-up steps
// and with 12 more, and measures:
//   - CPU seconds per iteration: (CPU time of the long run - of the short run) / 12, the process's
//     user + system time (bash's `times`), so that start-up cancels and other processes on a shared
//     machine change it far less than they change wall time;
//   - the CPU seconds of the whole long run (start-up, imports and data included);
//   - wall milliseconds per iteration (stepMs + dataMs of metrics.jsonl after the warm-up, median).
// Per side, the median over rounds; and the median of the paired ratios after/before.
//
//   SELFSUP_BENCH_BEFORE   the commit to compare with (default: the parent of the first commit
//                          that touched packages/distributed)
//   SELFSUP_BENCH_AFTER    a commit instead of this checkout's working tree (default: the checkout)
//   SELFSUP_THREADS        threads of each run (default 1), SELFSUP_BENCH_BACKEND (default native)
//   SELFSUP_BENCH_ROUNDS   rounds (default 6)
// Quick mode (SELFSUP_BENCH_QUICK=1 or CI): 1 round, 2 measured steps.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchContext } from './lib/bench-context.js';
import { median } from './lib/median.js';
import { runChild } from './lib/child-process.js';
import { createBenchWorktree, resolveCommit, type BenchWorktree } from './lib/bench-worktree.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** Iterations left out of each run's median (the first steps compile kernels and fill caches). */
const WARMUP_STEPS = 2;

/** One side of the comparison: a folder to run from and what it holds. */
interface Side {
  readonly label: string;
  readonly root: string;
  readonly commit: string;
}

/** One run's numbers. */
interface RunFigures {
  /** Median ms per iteration (step + waiting for data) after the warm-up; NaN without measured steps. */
  readonly msPerIteration: number;
  /** User + system CPU seconds of the process. */
  readonly cpuSeconds: number;
  /** Seconds of the whole process (start-up, data, steps, checkpoint). */
  readonly wallSeconds: number;
}

/** One round's figures of one side: the long run, and its CPU seconds per measured iteration. */
interface RoundFigures {
  readonly long: RunFigures;
  readonly cpuSecondsPerIteration: number;
}

/** The parent of the first commit that touched packages/distributed. */
function commitBeforeDistributed(): string {
  const commits = execFileSync('git', ['-C', REPO_ROOT, 'log', '--format=%H', '--', 'packages/distributed'], { encoding: 'utf8' }).trim().split('\n');
  return resolveCommit(REPO_ROOT, `${commits[commits.length - 1]}^`);
}

/** The iBOT subset model, one epoch of `steps` steps, nothing but training (accepted by both versions). */
function benchConfig(outDir: string, steps: number, threads: number, backend: string): Record<string, unknown> {
  return {
    method: 'ibot',
    seed: 0,
    epochs: 1,
    batchSize: 64,
    backbone: { imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 64, depth: 4, headCount: 4 },
    head: { outDim: 1024, hiddenDim: 256, bottleneckDim: 64 },
    augmentation: { globalCrops: 2, globalSize: 28, globalScale: [0.25, 1], localCrops: 4, localSize: 16, localScale: [0.05, 0.25] },
    masking: { shape: 'block', ratio: [0, 0.3], variance: [0, 0.2] },
    optimizer: { learningRate: 0.001, warmupEpochs: 0, weightDecay: 0.04, weightDecayEnd: 0.4, clipGradient: 3 },
    data: { dataset: 'fashion-mnist-subset', heldOut: 'none' },
    run: { outDir, maxStepsPerEpoch: steps, knnBeforeTraining: false, plot: false, progress: 'none', threads, backend },
  };
}

/** User + system seconds of the children of bash, from the last line `times` printed (`0m1.5s 0m0.2s`). */
function childCpuSeconds(stderr: string): number {
  const lines = stderr.trim().split('\n');
  const match = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1]!.trim());
  if (!match) throw new Error(`no CPU times from bash's times in:\n${stderr.slice(-500)}`);
  const [, userMinutes, userSeconds, systemMinutes, systemSeconds] = match.map(Number) as number[];
  return userMinutes! * 60 + userSeconds! + systemMinutes! * 60 + systemSeconds!;
}

/** The median wall ms per iteration after the warm-up, from a run's metrics.jsonl (NaN when it has none). */
function msPerIteration(metricsPath: string): number {
  const steps = readFileSync(metricsPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type?: string; iteration?: number; stepMs: number; dataMs: number })
    .filter((line) => line.type === undefined && typeof line.iteration === 'number' && line.iteration >= WARMUP_STEPS);
  return steps.length === 0 ? Number.NaN : median(steps.map((line) => line.stepMs + line.dataMs));
}

/** One `selfsup pretrain` from `side`'s sources, under bash to read its CPU time. */
async function runPretrain(side: Side, configPath: string, outDir: string): Promise<RunFigures> {
  rmSync(outDir, { recursive: true, force: true });
  const start = performance.now();
  const node = [process.execPath, '--conditions=@selfsup/source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'pretrain', '--config', configPath];
  const result = await runChild('bash', ['-c', '"$@"; status=$?; times >&2; exit $status', 'bench', ...node], {
    cwd: side.root,
    timeoutSeconds: 1800,
    env: { ...process.env, CI: 'true' },
  });
  const wallSeconds = (performance.now() - start) / 1000;
  if (result.code !== 0) throw new Error(`${side.label}: selfsup pretrain failed (${result.timedOut ? 'timed out' : `exit ${result.code}`}):\n${result.stderr.slice(-2000)}`);
  return { msPerIteration: msPerIteration(join(outDir, 'metrics.jsonl')), cpuSeconds: childCpuSeconds(result.stderr), wallSeconds };
}

/** The two sides: the version before @selfsup/distributed, and this checkout (or SELFSUP_BENCH_AFTER). */
function prepareSides(context: BenchContext): { sides: [Side, Side]; worktrees: BenchWorktree[] } {
  const worktrees: BenchWorktree[] = [];
  try {
    const before = createBenchWorktree(REPO_ROOT, process.env.SELFSUP_BENCH_BEFORE ?? commitBeforeDistributed(), context.log);
    worktrees.push(before);
    const afterCommit = process.env.SELFSUP_BENCH_AFTER;
    const after = afterCommit ? createBenchWorktree(REPO_ROOT, afterCommit, context.log) : undefined;
    if (after) worktrees.push(after);
    const head = resolveCommit(REPO_ROOT, 'HEAD');
    return {
      sides: [
        { label: 'before', root: before.root, commit: before.commit },
        after ? { label: 'after', root: after.root, commit: after.commit } : { label: 'after', root: REPO_ROOT, commit: `${head} (working tree)` },
      ],
      worktrees,
    };
  } catch (error) {
    for (const worktree of worktrees) worktree.remove();
    throw error;
  }
}

/** The two configurations: the warm-up steps alone, and `measured` more. */
interface BenchConfigs {
  readonly short: string;
  readonly long: string;
  readonly measured: number;
}

/** One round of one side: the short run, then the long one. */
async function runRound(side: Side, configs: BenchConfigs, outDir: string): Promise<RoundFigures> {
  const short = await runPretrain(side, configs.short, outDir);
  const long = await runPretrain(side, configs.long, outDir);
  return { long, cpuSecondsPerIteration: (long.cpuSeconds - short.cpuSeconds) / configs.measured };
}

/** `rounds` ABBA rounds of both sides; each side's figures by round. */
async function alternate(context: BenchContext, sides: [Side, Side], rounds: number, configs: BenchConfigs, outDir: string): Promise<[RoundFigures[], RoundFigures[]]> {
  const figures: [RoundFigures[], RoundFigures[]] = [[], []];
  // untimed: the first run of a tree compiles its TypeScript (tsx's cache) and loads the data set
  for (const side of sides) await runPretrain(side, configs.short, outDir);
  for (let round = 0; round < rounds; round++) {
    for (const index of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const figure = await runRound(sides[index]!, configs, outDir);
      figures[index]!.push(figure);
      context.log(
        `  round ${round + 1}/${rounds} ${sides[index]!.label}: ${(figure.cpuSecondsPerIteration * 1000).toFixed(0)} CPU ms/iteration, ` +
          `${figure.long.cpuSeconds.toFixed(2)} CPU s in all, ${figure.long.msPerIteration.toFixed(0)} wall ms/iteration`,
      );
    }
  }
  return figures;
}

/** `median (paired ratios)` of one figure, after/before. */
function pairedRatio(figures: [RoundFigures[], RoundFigures[]], figure: (round: RoundFigures) => number): string {
  const ratios = figures[1].map((round, i) => figure(round) / figure(figures[0][i]!));
  return `${median(ratios).toFixed(3)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`;
}

function report(context: BenchContext, sides: [Side, Side], figures: [RoundFigures[], RoundFigures[]], setup: string): void {
  const cpuPerIteration = (round: RoundFigures): number => round.cpuSecondsPerIteration * 1000;
  const cpuInAll = (round: RoundFigures): number => round.long.cpuSeconds;
  const wallPerIteration = (round: RoundFigures): number => round.long.msPerIteration;
  context.log(setup);
  context.log('| version | commit | CPU ms/iteration | CPU s of the run | wall ms/iteration |');
  context.log('|---|---|---|---|---|');
  sides.forEach((side, index) => {
    const rounds = figures[index]!;
    const medianOf = (figure: (round: RoundFigures) => number, digits: number): string => median(rounds.map(figure)).toFixed(digits);
    context.log(`| ${side.label} | ${side.commit.slice(0, 12)} | ${medianOf(cpuPerIteration, 0)} | ${medianOf(cpuInAll, 2)} | ${medianOf(wallPerIteration, 0)} |`);
  });
  context.log(`| after/before, median of paired rounds | | ${pairedRatio(figures, cpuPerIteration)} | ${pairedRatio(figures, cpuInAll)} | ${pairedRatio(figures, wallPerIteration)} |`);
  context.log('(medians over rounds; < 1 is faster. CPU time is the steadier figure on a shared machine: wall time counts the waits for other processes)');
}

export default async function distributedSingleProcessBench(context: BenchContext): Promise<void> {
  const threads = Number(process.env.SELFSUP_THREADS ?? 1);
  const backend = process.env.SELFSUP_BENCH_BACKEND ?? 'native';
  const measured = context.quick ? 2 : 12;
  const rounds = context.quick ? 1 : Number(process.env.SELFSUP_BENCH_ROUNDS ?? 6);
  const scratch = mkdtempSync(join(tmpdir(), 'selfsup-bench-single-'));
  const outDir = join(scratch, 'run');
  const configs: BenchConfigs = { short: join(scratch, 'short.json'), long: join(scratch, 'long.json'), measured };
  writeFileSync(configs.short, JSON.stringify(benchConfig(outDir, WARMUP_STEPS, threads, backend)));
  writeFileSync(configs.long, JSON.stringify(benchConfig(outDir, WARMUP_STEPS + measured, threads, backend)));
  const { sides, worktrees } = prepareSides(context);
  try {
    const figures = await alternate(context, sides, rounds, configs, outDir);
    const setup =
      `selfsup pretrain, one process: iBOT ViT dim 64 depth 4 on the Fashion-MNIST subset, batch 64 (2 global + 4 local crops), ` +
      `${measured} measured steps after ${WARMUP_STEPS} of warm-up, ${rounds} ABBA rounds, ${backend} backend, ${threads} thread(s)`;
    report(context, sides, figures, setup);
  } finally {
    for (const worktree of worktrees) worktree.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
}
