// The webgpu benchmark and GPU check as one command-line program: run from source with
//   node --conditions=@selfsup/source --import tsx scripts/bench/webgpu-cli.ts <command> [flags]
// and, bundled by scripts/gpu-bundle/build.ts, as `node run.mjs <command>` inside the GPU bundle
// (scripts/gpu-check.sh). Commands:
//
//   adapter                 the WebGPU adapter useBackend('webgpu') finds (SELFSUP_WEBGPU_BACKEND applies)
//   check [--software]      training steps on webgpu against cpu (webgpu-step-check.ts); exit 1 on a mismatch
//   worker --workload vit|ibot [size flags]
//                           one workload timed on webgpu; one JSON line (webgpu-workloads.ts)
//   bench [size flags]      every workload on webgpu and in PyTorch, with ratios (webgpu-bench-run.ts)
//   gpu-check [--software] [--out FILE] [--budget-seconds S] [size flags]
//                           adapter, check and bench; prints one JSON line with everything (and
//                           writes it to FILE). --software: the software adapter's sizes. On a GPU
//                           the benchmark gets what the check leaves of 420 s (--budget-seconds),
//                           each worker at most 150 s (--timeout-seconds).
//
// Human-readable lines go to stderr, the JSON line to stdout. PyTorch runs with SELFSUP_PYTHON
// (default: python3 on the PATH); SELFSUP_NO_TORCH=1 leaves its rows out.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendInfo } from '@selfsup/backend';
import { FULL_SIZES, SIZE_FLAGS_USAGE, SMALL_SIZES, formatReports, parseSizeFlags, runWebgpuBench, type BenchSizes, type Launcher, type WorkloadReport } from './webgpu-bench-run.js';
import { GPU_VIT_CHECK, SOFTWARE_VIT_CHECK, checkStepsAgainstCpu, type StepCheck } from './webgpu-step-check.js';
import { timeWorkload } from './webgpu-workloads.js';

const USAGE = `usage: webgpu-cli <adapter | check [--software] | worker --workload vit|ibot | bench | gpu-check [--software] [--out FILE]> [size flags]
size flags:
${SIZE_FLAGS_USAGE}`;

/** What the adapter command reports. */
interface AdapterReport {
  readonly summary: string;
  readonly adapter: BackendInfo['adapter'];
  readonly reason: string;
  /** The device limits that bound tfjs-backend-webgpu's buffers and shaders. */
  readonly limits: Record<string, number>;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One line naming the adapter: vendor, device, driver, feature level, software or hardware. */
function summarize(info: BackendInfo): string {
  const a = info.adapter;
  if (a === undefined) return info.name;
  const name = [a.vendor, a.device || a.architecture].filter((p) => p !== '').join(' ') || 'unnamed adapter';
  const notes = [a.description, a.dawnBackend, a.featureLevel, a.software ? 'software' : 'hardware'].filter((p) => p !== undefined && p !== '' && p !== name);
  return `${name} (${notes.join('; ')})`;
}

const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'];

async function adapter(): Promise<AdapterReport> {
  const info = await useBackend('webgpu');
  const deviceLimits = (tf.backend() as unknown as { device?: { limits?: Record<string, number> } }).device?.limits ?? {};
  const limits: Record<string, number> = {};
  for (const name of LIMITS) if (typeof deviceLimits[name] === 'number') limits[name] = deviceLimits[name];
  return { summary: summarize(info), adapter: info.adapter, reason: info.reason, limits };
}

/** Starts this same program again: the node binary, its flags (tsx's loader from source) and the script. */
function selfLauncher(): Launcher {
  const script = process.argv[1];
  if (script === undefined) throw new Error('webgpu-cli: cannot tell which script runs (process.argv[1] is unset)');
  return {
    cli: [process.execPath, ...process.execArgv, script],
    python: process.env.SELFSUP_NO_TORCH === '1' ? undefined : (process.env.SELFSUP_PYTHON ?? 'python3'),
    pythonScript: fileURLToPath(new URL('./torch-webgpu-reference.py', import.meta.url)),
    cwd: process.cwd(),
  };
}

async function worker(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: false, options: { workload: { type: 'string' } } });
  const sizes = parseSizeFlags(args, { workload: { type: 'string' } });
  const kind = values.workload;
  if (kind !== 'vit' && kind !== 'ibot') throw new Error(`worker: --workload must be vit or ibot, got ${JSON.stringify(kind)}`);
  const info = await useBackend('webgpu');
  const summary = summarize(info);
  log(`worker: ${kind} on ${summary}`);
  const timing = await timeWorkload(kind === 'vit' ? sizes.vit : sizes.ibot, sizes.plan, log);
  process.stdout.write(`${JSON.stringify({ backend: info.name, adapter: summary, timing })}\n`);
}

async function check(software: boolean): Promise<StepCheck[]> {
  log(`check: training steps on webgpu against cpu (${software ? 'software-adapter sizes' : 'GPU sizes'})`);
  return checkStepsAgainstCpu(software ? SOFTWARE_VIT_CHECK : GPU_VIT_CHECK, log);
}

async function bench(sizes: BenchSizes): Promise<WorkloadReport[]> {
  const launcher = selfLauncher();
  if (launcher.python === undefined) log('bench: PyTorch rows left out (SELFSUP_NO_TORCH=1)');
  const reports = await runWebgpuBench(launcher, sizes, log);
  for (const line of formatReports(reports)) log(line);
  return reports;
}

/** The figures of a report that a reader compares, without the workers' raw output. */
function compact(report: WorkloadReport): Record<string, unknown> {
  const row = (r: WorkloadReport['webgpu'] | undefined) => (r === undefined ? undefined : { ...r, raw: undefined });
  return { ...report, webgpu: row(report.webgpu), webgpuComposite: row(report.webgpuComposite), torch: row(report.torch) };
}

/** gpu-check's time budget on a GPU (scripts/gpu-check.sh must end within 8 minutes, unpacking included). */
const GPU_CHECK_BUDGET_SECONDS = 420;

/** gpu-check's per-worker timeout on a GPU, unless --timeout-seconds says otherwise. */
const GPU_CHECK_WORKER_SECONDS = 150;

/** gpu-check's own flags (the size flags follow them). */
const GPU_CHECK_FLAGS = { software: { type: 'boolean' }, out: { type: 'string' }, 'budget-seconds': { type: 'string' } } as const;

async function gpuCheck(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, strict: false, options: GPU_CHECK_FLAGS });
  const software = values.software === true;
  const started = performance.now();
  const budget = typeof values['budget-seconds'] === 'string' ? Number(values['budget-seconds']) : software ? Number.POSITIVE_INFINITY : GPU_CHECK_BUDGET_SECONDS;
  if (!(budget > 0)) throw new Error(`gpu-check: --budget-seconds must be a positive number, got ${JSON.stringify(values['budget-seconds'])}`);
  const timeout = args.includes('--timeout-seconds') || software ? [] : ['--timeout-seconds', String(GPU_CHECK_WORKER_SECONDS)];
  const parsed = parseSizeFlags([...(software ? ['--small'] : []), ...timeout, ...args], GPU_CHECK_FLAGS);
  const result: Record<string, unknown> = {
    kind: 'selfsup-gpu-check',
    mode: software ? 'software' : 'gpu',
    node: process.version,
    environment: {
      SELFSUP_WEBGPU_BACKEND: process.env.SELFSUP_WEBGPU_BACKEND ?? null,
      VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? null,
      EGL_PLATFORM: process.env.EGL_PLATFORM ?? null,
    },
  };
  const finish = (ok: boolean): number => {
    result.ok = ok;
    result.seconds = Math.round((performance.now() - started) / 100) / 10;
    const line = JSON.stringify(result);
    if (typeof values.out === 'string') writeFileSync(values.out, `${line}\n`);
    process.stdout.write(`${line}\n`);
    return ok ? 0 : 1;
  };
  try {
    const found = await adapter();
    result.adapter = found;
    log(`adapter: ${found.summary}`);
    log(`limits: ${JSON.stringify(found.limits)}`);
    if (!software && found.adapter?.software === true) {
      // The GPU sizes would take hours on a CPU rasteriser, and say nothing about a GPU.
      result.adapterError = `only a software adapter (${found.summary}): no GPU driver was found; run with --software to check the bundle on the CPU`;
      log(`gpu-check: ${String(result.adapterError)}`);
      return finish(false);
    }
  } catch (error) {
    result.adapterError = (error as Error)?.message ?? String(error);
    log(`adapter: none: ${String(result.adapterError)}`);
    return finish(false);
  }
  const checks = await check(software);
  result.check = { passed: checks.every((c) => c.passed), steps: checks };
  // The benchmark gets what is left of the budget.
  const left = Math.floor(budget - (performance.now() - started) / 1000);
  const sizes: BenchSizes = { ...parsed, deadlineSeconds: Math.min(parsed.deadlineSeconds, left) };
  const reports = await bench(sizes);
  result.sizes = { vit: sizes.vit, ibot: sizes.ibot, plan: sizes.plan, timeoutSeconds: sizes.timeoutSeconds, deadlineSeconds: sizes.deadlineSeconds };
  result.bench = reports.map(compact);
  const benchRan = reports.every((r) => r.webgpu.secondsPerStep !== undefined);
  return finish(checks.every((c) => c.passed) && benchRan);
}

/** Runs one command; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'adapter': {
      const found = await adapter();
      log(`webgpu adapter: ${found.summary}`);
      process.stdout.write(`${JSON.stringify(found)}\n`);
      return 0;
    }
    case 'check': {
      const unknown = args.filter((a) => a !== '--software');
      if (unknown.length > 0) throw new Error(`check: unknown arguments ${unknown.join(' ')} (only --software)`);
      const software = args.includes('--software');
      const checks = await check(software);
      process.stdout.write(`${JSON.stringify({ passed: checks.every((c) => c.passed), steps: checks })}\n`);
      return checks.every((c) => c.passed) ? 0 : 1;
    }
    case 'worker':
      await worker(args);
      return 0;
    case 'bench': {
      const reports = await bench(parseSizeFlags(args));
      process.stdout.write(`${JSON.stringify(reports.map(compact))}\n`);
      return 0;
    }
    case 'gpu-check':
      return gpuCheck(args);
    default:
      log(USAGE);
      log(`(defaults: ViT-${FULL_SIZES.vit.preset}/${FULL_SIZES.vit.patch} at ${FULL_SIZES.vit.image}, batch ${FULL_SIZES.vit.batch}; --small: ViT-${SMALL_SIZES.vit.preset} at ${SMALL_SIZES.vit.image}, batch ${SMALL_SIZES.vit.batch})`);
      return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
}

/** Runs {@link main} and exits (Dawn's device and tfjs's timers would keep the process alive). */
export async function runAndExit(argv: readonly string[]): Promise<never> {
  let code: number;
  try {
    code = await main(argv);
  } catch (error) {
    log(`webgpu-cli: ${(error as Error)?.stack ?? String(error)}`);
    code = 1;
  }
  process.exit(code);
}

// Run from source (not when bundled, where run.mjs calls runAndExit).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runAndExit(process.argv.slice(2));
