// The webgpu benchmark's rows, side by side in one run: for each workload (the ViT training step,
// the iBOT iteration), tfjs on webgpu in a child process of its own (webgpu-cli.ts `worker`), then
// the same workload in PyTorch (torch-webgpu-reference.py: CUDA when torch sees a GPU, else the
// CPU), and the ratios of the two: time per step, GFLOP/s (training-flops.ts's analytic count over
// the median step time) and peak memory.
//
// Used by `npm run bench webgpu` (webgpu.bench.ts) and by the GPU bundle's check
// (webgpu-cli.ts `gpu-check`, run by scripts/gpu-check.sh), which differ only in how a worker
// process and Python are started (a {@link Launcher}); both start them through lib/child-process.ts.
import { parseArgs } from 'node:util';
import { VIT_PRESETS, type VitPresetName } from '@selfsup/backbones';
import { runJsonChild } from './lib/child-process.js';
import { ibotIterationFlops, vitTrainingStepFlops, type VitFlopShape } from './training-flops.js';
import type { GpuMemory, IbotWorkload, StepPlan, VitWorkload, WorkloadTiming } from './webgpu-workloads.js';

/** How to start the processes of the benchmark. */
export interface Launcher {
  /** The command and leading arguments that run webgpu-cli.ts (its subcommand follows). */
  readonly cli: readonly [string, ...string[]];
  /** The Python with PyTorch, or undefined to leave the PyTorch rows out. */
  readonly python: string | undefined;
  /** torch-webgpu-reference.py. */
  readonly pythonScript: string;
  /** Working directory of the children. */
  readonly cwd: string;
}

/** Everything the benchmark's size flags set. */
export interface BenchSizes {
  readonly vit: VitWorkload;
  readonly ibot: IbotWorkload;
  readonly plan: StepPlan;
  /** Which workloads run. */
  readonly workloads: readonly ('vit' | 'ibot')[];
  /** Passed to torch-webgpu-reference.py. */
  readonly torchDevice: 'auto' | 'cuda' | 'cpu';
  /** Seconds before a worker (tfjs or PyTorch) is killed. */
  readonly timeoutSeconds: number;
  /** Seconds the whole benchmark may take: a worker gets at most what is left; none starts with under 10 s left. */
  readonly deadlineSeconds: number;
}

/** The benchmark's sizes: ViT-S/16 at 224x224, batch 64, and native.bench.ts's iBOT iteration (ViT-Tiny, 32x32, patch 4, batch 32). */
export const FULL_SIZES: BenchSizes = {
  vit: { kind: 'vit', preset: 'small', image: 224, patch: 16, batch: 64 },
  ibot: {
    kind: 'ibot',
    preset: 'tiny',
    image: 32,
    patch: 4,
    batch: 32,
    globalCrops: 2,
    globalSize: 32,
    localCrops: 4,
    localSize: 16,
    outDim: 2048,
    hiddenDim: 1024,
    bottleneckDim: 256,
  },
  plan: { warmup: 1, steps: 5, maxSeconds: 30, compareComposite: true },
  workloads: ['vit', 'ibot'],
  torchDevice: 'auto',
  timeoutSeconds: 240,
  deadlineSeconds: Number.POSITIVE_INFINITY,
};

/**
 * Sizes for the software adapter (Mesa llvmpipe computes on the CPU): ViT-Tiny on 28x28 images,
 * patch 4, batch 8; an iBOT iteration of ViT-Tiny on 16x16 images (2 global crops of 16, 2 local
 * of 8), batch 2, head 256/256/64. Seconds per step there; says nothing about GPU speed.
 */
export const SMALL_SIZES: BenchSizes = {
  ...FULL_SIZES,
  vit: { kind: 'vit', preset: 'tiny', image: 28, patch: 4, batch: 8 },
  ibot: { ...FULL_SIZES.ibot, image: 16, patch: 4, batch: 2, globalSize: 16, localCrops: 2, localSize: 8, outDim: 256, hiddenDim: 256, bottleneckDim: 64 },
  plan: { warmup: 1, steps: 1, maxSeconds: 10, compareComposite: true },
};

/** The usage of the size flags, for --help and errors. */
export const SIZE_FLAGS_USAGE = [
  '  --small                  the software adapter sizes (ViT-Tiny 28x28 batch 8; a small iBOT iteration)',
  '  --preset NAME            ViT step: tiny | small | base | large (default small)',
  '  --image N                ViT step: image side (default 224)',
  '  --patch N                ViT step: patch side (default 16, or 4 where 16 does not divide the image)',
  '  --batch N                ViT step: images per batch (default 64)',
  '  --ibot-preset NAME       iBOT: ViT preset (default tiny)',
  '  --ibot-image N           iBOT: source image and global crop side (default 32); local crops are half',
  '  --ibot-patch N           iBOT: patch side (default 4)',
  '  --ibot-batch N           iBOT: images per batch (default 32)',
  '  --warmup N               untimed steps first (default 1)',
  '  --steps N                timed steps, at most (default 5)',
  '  --max-seconds S          stop timing a workload after S seconds of timed steps (default 30)',
  '  --no-composite           time only the default path: no A/B steps with the fused LayerNorm/GELU kernels off',
  '  --workloads LIST         vit,ibot (default both)',
  '  --torch-device D         auto | cuda | cpu for PyTorch (default auto: cuda when available)',
  '  --timeout-seconds S      kill a worker after S seconds (default 240)',
  '  --deadline-seconds S     the whole benchmark within S seconds: later workers get what is left (default none)',
].join('\n');

const PRESETS = Object.keys(VIT_PRESETS) as VitPresetName[];


function positiveInteger(flag: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

function preset(flag: string, raw: string | undefined, fallback: VitPresetName): VitPresetName {
  if (raw === undefined) return fallback;
  if (!(PRESETS as string[]).includes(raw)) throw new Error(`--${flag} must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as VitPresetName;
}

/** 16 where it divides the image (ViT-S/16), else 4 (the small-image benchmarks' patch). */
function defaultPatch(image: number): number {
  if (image % 16 === 0) return 16;
  if (image % 4 === 0) return 4;
  throw new Error(`--image ${image}: give --patch too (a patch side that divides the image)`);
}

function checkDivides(flag: string, image: number, patch: number): void {
  if (image % patch !== 0) throw new Error(`--${flag} ${patch} does not divide the image side ${image}: choose a patch side that does`);
}

/** The flags a caller of {@link parseSizeFlags} reads itself, with their types. */
export type OtherFlags = Readonly<Record<string, { type: 'string' | 'boolean' }>>;

/** `args` parsed strictly: the size flags and `otherFlags`; anything else throws with the usage. */
function parseFlags(args: readonly string[], otherFlags: OtherFlags) {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        ...otherFlags,
        small: { type: 'boolean' },
        preset: { type: 'string' },
        image: { type: 'string' },
        patch: { type: 'string' },
        batch: { type: 'string' },
        'ibot-preset': { type: 'string' },
        'ibot-image': { type: 'string' },
        'ibot-patch': { type: 'string' },
        'ibot-batch': { type: 'string' },
        warmup: { type: 'string' },
        steps: { type: 'string' },
        'max-seconds': { type: 'string' },
        'no-composite': { type: 'boolean' },
        workloads: { type: 'string' },
        'torch-device': { type: 'string' },
        'timeout-seconds': { type: 'string' },
        'deadline-seconds': { type: 'string' },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nthe size flags are:\n${SIZE_FLAGS_USAGE}`);
  }
}

/**
 * The size flags in `args`, over FULL_SIZES or, with --small, SMALL_SIZES. `otherFlags` are the
 * flags the caller reads itself; any other flag or argument is an error (a mistyped size would
 * otherwise go unnoticed).
 */
export function parseSizeFlags(args: readonly string[], otherFlags: OtherFlags = {}): BenchSizes {
  const values: Record<string, string | boolean | undefined> = parseFlags(args, otherFlags).values;
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  const base = values.small === true ? SMALL_SIZES : FULL_SIZES;
  const image = positiveInteger('image', text('image'), base.vit.image);
  const patch = positiveInteger('patch', text('patch'), text('image') === undefined ? base.vit.patch : defaultPatch(image));
  checkDivides('patch', image, patch);
  const ibotImage = positiveInteger('ibot-image', text('ibot-image'), base.ibot.image);
  const ibotPatch = positiveInteger('ibot-patch', text('ibot-patch'), base.ibot.patch);
  const localSize = text('ibot-image') === undefined ? base.ibot.localSize : Math.max(ibotPatch, Math.floor(ibotImage / 2 / ibotPatch) * ibotPatch);
  checkDivides('ibot-patch', ibotImage, ibotPatch);
  const workloads = (text('workloads') ?? base.workloads.join(','))
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  for (const w of workloads) if (w !== 'vit' && w !== 'ibot') throw new Error(`--workloads: unknown workload ${JSON.stringify(w)} (vit, ibot)`);
  const torchDevice = text('torch-device') ?? base.torchDevice;
  if (torchDevice !== 'auto' && torchDevice !== 'cuda' && torchDevice !== 'cpu') throw new Error(`--torch-device must be auto, cuda or cpu, got ${JSON.stringify(torchDevice)}`);
  const maxSeconds = Number(text('max-seconds') ?? base.plan.maxSeconds);
  if (!(maxSeconds > 0)) throw new Error(`--max-seconds must be a positive number, got ${JSON.stringify(text('max-seconds'))}`);
  const timeoutSeconds = Number(text('timeout-seconds') ?? base.timeoutSeconds);
  if (!(timeoutSeconds > 0)) throw new Error(`--timeout-seconds must be a positive number, got ${JSON.stringify(text('timeout-seconds'))}`);
  const deadlineSeconds = Number(text('deadline-seconds') ?? base.deadlineSeconds);
  if (!(deadlineSeconds > 0)) throw new Error(`--deadline-seconds must be a positive number, got ${JSON.stringify(text('deadline-seconds'))}`);
  return {
    vit: {
      kind: 'vit',
      preset: preset('preset', text('preset'), base.vit.preset),
      image,
      patch,
      batch: positiveInteger('batch', text('batch'), base.vit.batch),
    },
    ibot: {
      ...base.ibot,
      preset: preset('ibot-preset', text('ibot-preset'), base.ibot.preset),
      image: ibotImage,
      globalSize: ibotImage,
      localSize,
      patch: ibotPatch,
      batch: positiveInteger('ibot-batch', text('ibot-batch'), base.ibot.batch),
    },
    plan: {
      warmup: positiveInteger('warmup', text('warmup'), base.plan.warmup, 0),
      steps: positiveInteger('steps', text('steps'), base.plan.steps),
      maxSeconds,
      compareComposite: values['no-composite'] === true ? false : base.plan.compareComposite === true,
    },
    workloads: workloads as ('vit' | 'ibot')[],
    torchDevice,
    timeoutSeconds,
    deadlineSeconds,
  };
}

/** The flags that hand `sizes` to a worker (webgpu-cli.ts `worker`). */
export function sizeFlags(sizes: BenchSizes): string[] {
  return [
    ...['--preset', sizes.vit.preset, '--image', String(sizes.vit.image), '--patch', String(sizes.vit.patch), '--batch', String(sizes.vit.batch)],
    ...['--ibot-preset', sizes.ibot.preset, '--ibot-image', String(sizes.ibot.image), '--ibot-patch', String(sizes.ibot.patch), '--ibot-batch', String(sizes.ibot.batch)],
    ...['--warmup', String(sizes.plan.warmup), '--steps', String(sizes.plan.steps), '--max-seconds', String(sizes.plan.maxSeconds)],
    ...(sizes.plan.compareComposite === true ? [] : ['--no-composite']),
  ];
}

/** The ViT shape of a preset, for the FLOP count. */
function vitShape(name: VitPresetName, patch: number): VitFlopShape {
  const p = VIT_PRESETS[name];
  return { dim: p.embedDim, depth: p.depth, mlpRatio: 4, patch, channels: 3 };
}

/** FLOPs of one step of `workload` (training-flops.ts). */
export function workloadFlops(workload: VitWorkload | IbotWorkload): number {
  if (workload.kind === 'vit') return vitTrainingStepFlops(vitShape(workload.preset, workload.patch), workload.image, workload.batch);
  return ibotIterationFlops({
    vit: vitShape(workload.preset, workload.patch),
    head: { hiddenDim: workload.hiddenDim, bottleneckDim: workload.bottleneckDim, outDim: workload.outDim, layerCount: 3 },
    batch: workload.batch,
    globalCrops: workload.globalCrops,
    globalSize: workload.globalSize,
    localCrops: workload.localCrops,
    localSize: workload.localSize,
  }).total;
}

/** A one-line name of a workload. */
export function describeWorkload(workload: VitWorkload | IbotWorkload): string {
  if (workload.kind === 'vit') return `ViT-${workload.preset}/${workload.patch} training step, ${workload.image}x${workload.image}, batch ${workload.batch}`;
  return (
    `iBOT iteration, ViT-${workload.preset}/${workload.patch}, batch ${workload.batch} of ${workload.image}x${workload.image}: ` +
    `${workload.globalCrops} global crops of ${workload.globalSize}, ${workload.localCrops} local of ${workload.localSize}, ` +
    `head ${workload.hiddenDim}/${workload.bottleneckDim}/${workload.outDim}`
  );
}

/** What the tfjs worker prints. */
export interface WorkerOutput {
  readonly backend: string;
  readonly adapter: string;
  readonly timing: WorkloadTiming;
}

/** What torch-webgpu-reference.py prints. */
interface TorchOutput {
  environment: Record<string, unknown> & { device: string; torch: string; deviceName?: string };
  result: {
    warmupSeconds: number[];
    stepSeconds: number[];
    secondsPerStep: number;
    loss: number;
    memory: { kind: 'cuda'; peakBytesAllocated: number; peakBytesReserved: number } | { kind: 'rss'; peakRssBytes: number };
    countedFlops: number | null;
  };
}

/** One engine's row. */
export interface EngineRow {
  readonly engine: string;
  readonly secondsPerStep?: number;
  readonly gflops?: number;
  /** Peak bytes: webgpu's buffers in use; torch's max_memory_allocated (CUDA) or peak RSS (CPU). */
  readonly peakBytes?: number;
  /** What `peakBytes` measures. */
  readonly memoryBasis?: string;
  /** A second memory figure: the webgpu buffer pool, or torch's max_memory_reserved. */
  readonly poolBytes?: number;
  readonly firstStepSeconds?: number;
  readonly loss?: number;
  readonly note?: string;
  readonly raw?: unknown;
}

/** One workload's rows and ratios. */
export interface WorkloadReport {
  readonly workload: string;
  readonly description: string;
  readonly flopsPerStep: number;
  /** torch's FlopCounterMode count of the same step (torch >= 2.1), as a cross-check of flopsPerStep. */
  readonly torchCountedFlops: number | null;
  readonly webgpu: EngineRow;
  /** The same webgpu steps with selfsup's fused LayerNorm/GELU kernels off, A/B alternating with `webgpu`. */
  readonly webgpuComposite?: EngineRow;
  readonly torch: EngineRow | undefined;
  /**
   * webgpu over PyTorch: time per step, GFLOP/s and peak memory (undefined where a side failed);
   * `fusedTime`: webgpu with the fused kernels over webgpu without them.
   */
  readonly ratios: { time?: number; gflops?: number; memory?: number; fusedTime?: number };
}

/** A failed child's note; one killed for its time names the flags that set that time. */
function failureNote(outcome: { readonly note: string; readonly result?: { readonly timedOut: boolean } }, seconds: number): string {
  return outcome.result?.timedOut ? `failed (killed after ${seconds} s: --timeout-seconds or --deadline-seconds)` : outcome.note;
}

function gpuMemoryBytes(memory: GpuMemory | undefined): { peakBytes?: number; poolBytes?: number } {
  return memory === undefined ? {} : { peakBytes: memory.peakBytesInUse, poolBytes: memory.bytesAllocated };
}

/** The seconds a worker may run: the per-worker timeout, or what is left before the deadline. */
function workerSeconds(sizes: BenchSizes, started: number): number {
  const left = sizes.deadlineSeconds - (performance.now() - started) / 1000;
  return Math.min(sizes.timeoutSeconds, Math.floor(left));
}

const MIN_WORKER_SECONDS = 10;

/** The webgpu row of an A/B run's composite steps (fused kernels off). */
function compositeRow(timing: WorkloadTiming, flops: number): EngineRow | undefined {
  const composite = timing.composite;
  if (composite === undefined) return undefined;
  return {
    engine: 'tfjs webgpu, composite',
    secondsPerStep: composite.secondsPerStep,
    gflops: flops / composite.secondsPerStep / 1e9,
    peakBytes: composite.peakBytesInUse,
    memoryBasis: 'GPU buffers in use (tfjs-backend-webgpu buffer manager)',
    note: `LayerNorm and GELU as composite formulas (${timing.fusedKernels.join(', ')} off), A/B alternating with the row above; ${composite.dispatchesPerStep ?? '?'} dispatches/step`,
  };
}

async function webgpuRows(launcher: Launcher, sizes: BenchSizes, kind: 'vit' | 'ibot', flops: number, log: (line: string) => void, started: number): Promise<{ row: EngineRow; composite?: EngineRow }> {
  const seconds = workerSeconds(sizes, started);
  if (seconds < MIN_WORKER_SECONDS) return { row: { engine: 'tfjs webgpu', note: `skipped: --deadline-seconds ${sizes.deadlineSeconds} reached` } };
  const [command, ...lead] = launcher.cli;
  const args = [...lead, 'worker', '--workload', kind, ...sizeFlags(sizes)];
  const outcome = await runJsonChild<WorkerOutput>(command, args, { cwd: launcher.cwd, timeoutSeconds: seconds, onLine: (line) => log(`  [webgpu ${kind}] ${line}`) });
  if (!outcome.ok) return { row: { engine: 'tfjs webgpu', note: failureNote(outcome, seconds) } };
  const json = outcome.json;
  const timing = json.timing;
  const notes = [json.adapter];
  if (timing.dispatchesPerStep !== undefined) notes.push(`${timing.dispatchesPerStep} dispatches/step`);
  if (timing.fusedKernels.length > 0) notes.push(`fused kernels: ${timing.fusedKernels.join(', ')}`);
  if (timing.numTensorsGrowth !== 0) notes.push(`tensor count grew by ${timing.numTensorsGrowth} after the first step`);
  const row: EngineRow = {
    engine: 'tfjs webgpu',
    secondsPerStep: timing.secondsPerStep,
    gflops: flops / timing.secondsPerStep / 1e9,
    ...gpuMemoryBytes(timing.gpuMemory),
    memoryBasis: 'GPU buffers in use (tfjs-backend-webgpu buffer manager)',
    firstStepSeconds: timing.warmupSeconds[0],
    loss: timing.loss,
    note: notes.join('; '),
    raw: json,
  };
  return { row, composite: compositeRow(timing, flops) };
}

function torchArgs(sizes: BenchSizes, kind: 'vit' | 'ibot'): string[] {
  const common = ['--warmup', String(sizes.plan.warmup), '--steps', String(sizes.plan.steps), '--max-seconds', String(sizes.plan.maxSeconds), '--device', sizes.torchDevice];
  if (kind === 'vit') {
    const p = VIT_PRESETS[sizes.vit.preset];
    return ['vit-step', '--dim', String(p.embedDim), '--depth', String(p.depth), '--heads', String(p.headCount), '--image', String(sizes.vit.image), '--patch', String(sizes.vit.patch), '--batch', String(sizes.vit.batch), ...common];
  }
  const w = sizes.ibot;
  const p = VIT_PRESETS[w.preset];
  return [
    'ibot',
    ...['--dim', String(p.embedDim), '--depth', String(p.depth), '--heads', String(p.headCount), '--image', String(w.image), '--patch', String(w.patch), '--batch', String(w.batch)],
    ...['--global-crops', String(w.globalCrops), '--global-size', String(w.globalSize), '--local-crops', String(w.localCrops), '--local-size', String(w.localSize)],
    ...['--out-dim', String(w.outDim), '--hidden-dim', String(w.hiddenDim), '--bottleneck-dim', String(w.bottleneckDim)],
    ...common,
  ];
}

async function torchRow(launcher: Launcher, sizes: BenchSizes, kind: 'vit' | 'ibot', flops: number, log: (line: string) => void, started: number): Promise<{ row: EngineRow; counted: number | null }> {
  const seconds = workerSeconds(sizes, started);
  if (seconds < MIN_WORKER_SECONDS) return { row: { engine: 'PyTorch', note: `skipped: --deadline-seconds ${sizes.deadlineSeconds} reached` }, counted: null };
  const python = launcher.python!;
  const outcome = await runJsonChild<TorchOutput>(python, [launcher.pythonScript, ...torchArgs(sizes, kind)], { cwd: launcher.cwd, timeoutSeconds: seconds, onLine: (line) => log(`  [torch ${kind}] ${line}`) });
  if (!outcome.ok) return { row: { engine: 'PyTorch', note: failureNote(outcome, seconds) }, counted: null };
  const { environment: env, result: r } = outcome.json;
  const memory =
    r.memory.kind === 'cuda'
      ? { peakBytes: r.memory.peakBytesAllocated, poolBytes: r.memory.peakBytesReserved, memoryBasis: 'torch.cuda.max_memory_allocated (pool: max_memory_reserved)' }
      : { peakBytes: r.memory.peakRssBytes, memoryBasis: 'peak RSS of the process' };
  return {
    row: {
      engine: `PyTorch ${env.device}`,
      secondsPerStep: r.secondsPerStep,
      gflops: flops / r.secondsPerStep / 1e9,
      ...memory,
      firstStepSeconds: r.warmupSeconds[0],
      loss: r.loss,
      note: `torch ${env.torch}${env.deviceName ? ` on ${env.deviceName}` : ''}${env.device === 'cuda' ? `, TF32 ${env.tf32 ? 'on' : 'off'}` : `, ${String(env.threads)} threads`}`,
      raw: outcome.json,
    },
    counted: r.countedFlops,
  };
}

/** Runs every workload of `sizes` on webgpu and in PyTorch; logs progress and returns the reports. */
export async function runWebgpuBench(launcher: Launcher, sizes: BenchSizes, log: (line: string) => void): Promise<WorkloadReport[]> {
  const reports: WorkloadReport[] = [];
  const started = performance.now();
  for (const kind of sizes.workloads) {
    const workload = kind === 'vit' ? sizes.vit : sizes.ibot;
    const flops = workloadFlops(workload);
    log(`${describeWorkload(workload)}: ${(flops / 1e9).toFixed(1)} GFLOP per step (training-flops.ts)`);
    const { row: webgpu, composite } = await webgpuRows(launcher, sizes, kind, flops, log, started);
    const torch = launcher.python === undefined ? undefined : await torchRow(launcher, sizes, kind, flops, log, started);
    const t = torch?.row;
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
    reports.push({
      workload: kind,
      description: describeWorkload(workload),
      flopsPerStep: flops,
      torchCountedFlops: torch?.counted ?? null,
      webgpu,
      webgpuComposite: composite,
      torch: t,
      ratios: {
        time: ratio(webgpu.secondsPerStep, t?.secondsPerStep),
        gflops: ratio(webgpu.gflops, t?.gflops),
        memory: ratio(webgpu.peakBytes, t?.peakBytes),
        fusedTime: ratio(webgpu.secondsPerStep, composite?.secondsPerStep),
      },
    });
  }
  return reports;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function bytes(value: number | undefined): string {
  if (value === undefined) return '-';
  return value >= 2 ** 30 ? `${(value / 2 ** 30).toFixed(2)} GiB` : `${(value / 2 ** 20).toFixed(0)} MiB`;
}

/** The table of `reports`, one line per engine, then what the columns mean. */
export function formatReports(reports: readonly WorkloadReport[]): string[] {
  const lines: string[] = [];
  const widths = [24, 10, 10, 12, 12, 11, 11, 0];
  const header = ['engine', 's/step', 'GFLOP/s', 'peak memory', 'pool', 'time ratio', 'mem ratio', '  notes'];
  for (const report of reports) {
    lines.push('', `${report.description}: ${(report.flopsPerStep / 1e9).toFixed(1)} GFLOP per step` + (report.torchCountedFlops ? ` (torch's FlopCounterMode: ${(report.torchCountedFlops / 1e9).toFixed(1)})` : ''));
    lines.push(header.map((h, i) => pad(h, widths[i]!, i > 0 && i < 7)).join(''));
    for (const row of [report.webgpu, report.webgpuComposite, report.torch]) {
      if (row === undefined) continue;
      const isWebgpu = row === report.webgpu;
      const isComposite = row === report.webgpuComposite;
      const fusedNote = isComposite ? `; fused / composite time ${report.ratios.fusedTime === undefined ? '-' : `${report.ratios.fusedTime.toFixed(2)}x`}` : '';
      lines.push(
        [
          pad(row.engine, widths[0]!),
          pad(row.secondsPerStep === undefined ? '-' : row.secondsPerStep.toFixed(3), widths[1]!, true),
          pad(row.gflops === undefined ? '-' : row.gflops.toFixed(1), widths[2]!, true),
          pad(bytes(row.peakBytes), widths[3]!, true),
          pad(bytes(row.poolBytes), widths[4]!, true),
          pad(isWebgpu && report.ratios.time !== undefined ? `${report.ratios.time.toFixed(2)}x` : isWebgpu || isComposite ? '-' : '1.00x', widths[5]!, true),
          pad(isWebgpu && report.ratios.memory !== undefined ? `${report.ratios.memory.toFixed(2)}x` : isWebgpu || isComposite ? '-' : '1.00x', widths[6]!, true),
          `  ${row.note ?? ''}${fusedNote}`,
        ].join(''),
      );
    }
  }
  lines.push(
    '',
    "s/step: median wall time of the timed steps, until the device is idle. GFLOP/s: the step's analytic FLOPs (matrix products and " +
      'convolutions, scripts/bench/training-flops.ts) over s/step. peak memory: tfjs webgpu, the most bytes of GPU buffers in use at once ' +
      "(tfjs-backend-webgpu's buffer manager), pool = the buffers it holds; PyTorch on CUDA, torch.cuda.max_memory_allocated, pool = " +
      'max_memory_reserved; PyTorch on the CPU, the peak RSS of the process (not comparable with GPU buffers). time ratio: webgpu over ' +
      'PyTorch (>1x: slower than PyTorch); mem ratio: the same for peak memory. tfjs webgpu, composite: the same steps with selfsup\'s ' +
      'fused LayerNorm/GELU WGSL kernels switched off, alternating step by step with the fused ones in the same worker (--no-composite ' +
      'skips them); dispatches/step: GPU programs a step runs (countWebgpuDispatches).',
  );
  return lines;
}
