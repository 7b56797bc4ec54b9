// selfsup's side of official-speed-ab.ts: `selfsup pretrain` on the reference configuration
// (examples/configs/ibot-fashion-mnist.yaml), or on another config, for warm-up + timed steps, timed
// per step in wall and process CPU seconds:
//
//   node --conditions=@selfsup/source --import tsx scripts/bench/selfsup-pretrain-steps.ts \
//     [--threads 1] [--warmup 2] [--steps 20] [--backend native] [--config <file>]
//
// With --config it sizes a run for a time budget on this machine: `epochs = seconds x images/s /
// training images` (docs/results.md, time to accuracy). The batch is the config's batchSize.
//
// It runs the command line itself, `main()` of @selfsup/cli with the arguments of
//
//   selfsup pretrain --config <config> --out <temporary folder> \
//     --backend native --threads N --epochs 1 --steps <warm-up + steps> --set data.heldOut=none \
//     --set run.knnBeforeTraining=false --set run.plot=false --set run.progress=bar \
//     --set run.checkpointEverySteps=<warm-up + steps>
//
// so the data loading (the 60,000 training images), augmentation, masks, step and EMA teacher are
// the CLI's, its metrics.jsonl included. What is changed is only what the timed window must not
// hold: no k-NN (no held-out images), no plot, one checkpoint after the last step (the reference
// run writes one every 100 steps), and one epoch cut to warm-up + steps (its schedules are those of
// this short run: other learning rates, the same work per step; the last layer stays frozen, as in
// epoch 1 of the reference run).
//
// The step boundaries come from the progress bar, which `train()` redraws right after each step
// (after its metrics line is written): the command line's io is a terminal-like stream here that
// notes performance.now() and process.cpuUsage() (all threads) at the first redraw of each step.
// So a step is one loop iteration from the end of the previous one: waiting for the batch, the
// step, the metrics line. The first --warmup steps are left out. Prints one JSON line on stdout:
// images per second over the timed steps, median step seconds, CPU seconds per step, every step's
// losses from metrics.jsonl, the backend line of the run's header.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { main, type CliIo } from '@selfsup/cli';
import { loadConfigFile } from '../../packages/cli/src/load-config-file.js';
import { median } from './lib/median.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The reference configuration, as issue 18 names it. */
const REFERENCE_CONFIG = 'examples/configs/ibot-fashion-mnist.yaml';
/** The batch of the reference configuration, and of a config without batchSize (the CLI's default). */
const DEFAULT_BATCH = 128;

/** The wall clock (ms) and process CPU time (µs, user + system) when a step's bar was first drawn. */
interface StepMark {
  readonly wallMs: number;
  readonly cpuMicros: number;
}

/** A terminal-like stderr for the command line: notes each step's end from its bar, passes messages on. */
function markingStderr(marks: Map<number, StepMark>, messages: string[]): CliIo['stderr'] {
  return {
    isTTY: true,
    columns: 200,
    write(text: string): boolean {
      const bar = /^\r\[[#.]*\] (\d+)\/(\d+) /.exec(text);
      if (!bar) {
        const message = text.replace(/\r\u001b\[K/g, '');
        if (message.trim() !== '') {
          messages.push(message.trimEnd());
          process.stderr.write(message);
        }
        return true;
      }
      const done = Number(bar[1]);
      if (!marks.has(done)) {
        const cpu = process.cpuUsage();
        marks.set(done, { wallMs: performance.now(), cpuMicros: cpu.user + cpu.system });
        const previous = marks.get(done - 1);
        const seconds = previous ? ` ${((marks.get(done)!.wallMs - previous.wallMs) / 1000).toFixed(3)} s` : '';
        process.stderr.write(`step ${done}/${bar[2]}${seconds}\n`);
      }
      return true;
    },
  };
}

/** A step line of metrics.jsonl: its losses (the [CLS] and patch terms are iBOT's metrics) and its own stepMs + dataMs. */
interface StepLine {
  readonly iteration: number;
  readonly loss: number;
  readonly cls?: number;
  readonly patch?: number;
  readonly stepMs: number;
  readonly dataMs: number;
}

/** Every step line of the run's metrics.jsonl (k-NN and probe lines have a `type`). */
function readStepLines(metricsPath: string): StepLine[] {
  type Line = { type?: string; iteration: number; loss: number; metrics?: Record<string, number>; stepMs?: number; dataMs?: number };
  return readFileSync(metricsPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line)
    .filter((l) => l.type === undefined && typeof l.stepMs === 'number')
    .map((l) => ({ iteration: l.iteration, loss: l.loss, cls: l.metrics?.cls, patch: l.metrics?.patch, stepMs: l.stepMs!, dataMs: l.dataMs ?? 0 }));
}

/** The `selfsup pretrain` arguments of the measurement (see the header). */
function pretrainArguments(config: string, outDir: string, threads: number, totalSteps: number, backend: string): string[] {
  const sets = ['data.heldOut=none', 'run.knnBeforeTraining=false', 'run.plot=false', 'run.progress=bar', `run.checkpointEverySteps=${totalSteps}`];
  return [
    'pretrain',
    '--config',
    config,
    '--out',
    outDir,
    '--backend',
    backend,
    '--threads',
    String(threads),
    '--epochs',
    '1',
    '--steps',
    String(totalSteps),
    ...sets.flatMap((s) => ['--set', s]),
  ];
}

/** The per-step figures of the timed window: steps warmup+1 .. warmup+steps. */
function timedFigures(marks: ReadonlyMap<number, StepMark>, warmup: number, steps: number, batch: number) {
  const at = (done: number) => {
    const mark = marks.get(done);
    if (!mark) throw new Error(`no progress bar was drawn for step ${done}: cannot time it (marks for ${[...marks.keys()].join(', ') || 'no step'})`);
    return mark;
  };
  const stepSeconds: number[] = [];
  const stepCpuSeconds: number[] = [];
  for (let done = warmup + 1; done <= warmup + steps; done++) {
    stepSeconds.push((at(done).wallMs - at(done - 1).wallMs) / 1000);
    stepCpuSeconds.push((at(done).cpuMicros - at(done - 1).cpuMicros) / 1e6);
  }
  const seconds = (at(warmup + steps).wallMs - at(warmup).wallMs) / 1000;
  const cpuSeconds = (at(warmup + steps).cpuMicros - at(warmup).cpuMicros) / 1e6;
  return {
    imagesPerSecond: (batch * steps) / seconds,
    medianStepSeconds: median(stepSeconds),
    cpuSecondsPerStep: cpuSeconds / steps,
    medianCpuSecondsPerStep: median(stepCpuSeconds),
    cpuSeconds,
    stepSeconds,
    stepCpuSeconds,
  };
}

/** The config's batchSize (the CLI's default when it has none). */
function batchOf(config: string): number {
  const batch = (loadConfigFile(resolve(REPO_ROOT, config)) as { batchSize?: unknown } | null)?.batchSize;
  return typeof batch === 'number' ? batch : DEFAULT_BATCH;
}

async function measure(config: string, threads: number, warmup: number, steps: number, backend: string): Promise<Record<string, unknown>> {
  const batch = batchOf(config);
  const folder = mkdtempSync(join(tmpdir(), 'selfsup-official-ab-'));
  const marks = new Map<number, StepMark>();
  const messages: string[] = [];
  try {
    const outDir = join(folder, 'run');
    const io: CliIo = { stdout: { write: () => true }, stderr: markingStderr(marks, messages), cwd: REPO_ROOT, env: process.env };
    const code = await main(pretrainArguments(config, outDir, threads, warmup + steps, backend), io);
    if (code !== 0) throw new Error(`selfsup pretrain exited with ${code}: ${messages.slice(-3).join(' | ')}`);
    const lines = readStepLines(join(outDir, 'metrics.jsonl'));
    const timed = lines.filter((l) => l.iteration >= warmup);
    return {
      side: 'selfsup',
      ...timedFigures(marks, warmup, steps, batch),
      metricsMedianStepSeconds: median(timed.map((l) => (l.stepMs + l.dataMs) / 1000)),
      batch,
      warmup,
      steps,
      threads,
      backend: messages.find((m) => m.trim().startsWith('backend '))?.trim() ?? null,
      config,
      losses: lines.map(({ iteration, loss, cls, patch }) => ({ iteration, loss, cls, patch })),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function stepsMain(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      threads: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '20' },
      backend: { type: 'string', default: 'native' },
      config: { type: 'string', default: REFERENCE_CONFIG },
    },
  });
  const [threads, warmup, steps] = [Number(values.threads), Number(values.warmup), Number(values.steps)];
  // the first mark is the end of step 1: the timed window starts after at least one step
  if (!Number.isInteger(warmup) || warmup < 1) throw new Error(`--warmup must be an integer >= 1 (the window starts at the end of a step); got ${values.warmup}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be an integer >= 1; got ${values.steps}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be an integer >= 1; got ${values.threads}`);
  const result = await measure(values.config!, threads, warmup, steps, values.backend!);
  // the backend's worker threads could keep the process alive: leave once the line is out
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

await stepsMain();
