// Where a training step's time goes on the native backend: every kernel call of a few real
// training steps of a config (default: the reference configuration), timed one by one.
//
//   node --conditions=@selfsup/source --import tsx scripts/profile-step.ts \
//     [--config examples/configs/ibot-fashion-mnist.yaml] [--threads 1] [--warmup 2] [--steps 5] \
//     [--set key.path=value ...] [--top 30] [--json profile.json]
//
// It builds the config's method on the config's data (the CLI's own parsing and loading), selects
// the native backend, wraps every kernel registered for it in a timer, and runs `--warmup` steps
// and then `--steps` timed steps of @selfsup/train's trainStep. Per step it reports:
//
//   - each kernel: calls, milliseconds, share of the step; native (C++) or tfjs-backend-cpu (JS);
//   - the step split into GEMM (BatchMatMul, _FusedMatMul, SelfsupLinearGrad), other native kernels (element-wise,
//     reductions, copies), tfjs-backend-cpu kernels, garbage collection, and everything else: the
//     engine's bookkeeping per call (tidy scopes, tensor and data-id records, the gradient tape),
//     the model's JavaScript, host work (masks, crops) and reading the loss;
//   - the engine's cost of one kernel call, measured on a one-element Add, times the calls.
//
// 'new' counts the output buffers per step the pool had to make afresh (none of that length was free).
// Kernel times include the kernel's JavaScript (looking up its inputs, taking an output buffer from
// the pool) besides the native call. SELFSUP_NATIVE_FUSED=0 profiles the step without the fused
// kernels. Timing every call adds about a microsecond per call (two clock reads), so the step is a
// little slower than unprofiled; `secondsPerStepUnprofiled` (the same steps, not wrapped) says how much.
import { PerformanceObserver } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon } from '../packages/backend-native/src/addon.js';
import { median } from './bench/lib/median.js';

interface KernelStats {
  calls: number;
  /** Output buffers the pool made afresh (it had none of that length free). */
  newBuffers: number;
  /** Wall time. */
  ms: number;
  /** Process CPU time (user + system), robust to other processes on the machine. */
  cpuMs: number;
}

interface StepProfile {
  ms: number;
  cpuMs: number;
  sysMs: number;
  gcMs: number;
  /** Wall time inside the addon's functions (the native code alone), by function. */
  addonMs: number;
  kernels: Map<string, KernelStats>;
}

const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// SelfsupLinearGrad is two matrix products and a column sum
const GEMM_KERNELS = new Set(['BatchMatMul', '_FusedMatMul', 'SelfsupLinearGrad']);

/** Replaces every kernel of `backendName` by a timed copy; `record(name, ms, cpuMs)` gets each call. */
function instrumentKernels(backendName: string, record: (name: string, ms: number, cpuMs: number, newBuffers: number) => void, byShape: boolean): () => void {
  const pool = () => (tf.findBackend(backendName) as unknown as { pool?: { stats: { misses: number } } } | null)?.pool;
  const originals = tf.getKernelsForBackend(backendName);
  for (const config of originals) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const misses = pool()?.stats.misses ?? 0;
        const c0 = cpuNow();
        const t0 = performance.now();
        const out = inner(args);
        const key = byShape ? `${name} ${Object.values(args.inputs).filter(Boolean).map((t) => `[${(t as tf.TensorInfo).shape.join(',')}]`).join(' ')}` : name;
        record(key, performance.now() - t0, cpuNow() - c0, (pool()?.stats.misses ?? 0) - misses);
        return out;
      },
    });
  }
  return () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
}

/** Wraps every function of the addon object in a wall-clock timer; returns the undo. */
function instrumentAddon(addon: Record<string, unknown>, record: (ms: number) => void): () => void {
  const originals = Object.entries(addon).filter(([name, f]) => typeof f === 'function' && !['info', 'setThreads', 'setIsa', 'setGemm'].includes(name));
  for (const [name, f] of originals) {
    const fn = f as (...args: unknown[]) => unknown;
    addon[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const out = fn(...args);
      record(performance.now() - t0);
      return out;
    };
  }
  return () => {
    for (const [name, f] of originals) addon[name] = f;
  };
}

/** The engine's cost of one kernel call: a one-element Add, many times, in a tidy. */
function engineCallMicroseconds(): number {
  const a = tf.scalar(1);
  const b = tf.scalar(2);
  const calls = 20000;
  for (let round = 0; round < 2; round++) tf.tidy(() => { for (let i = 0; i < 2000; i++) tf.add(a, b); });
  const t0 = performance.now();
  tf.tidy(() => {
    for (let i = 0; i < calls; i++) tf.add(a, b);
  });
  const us = ((performance.now() - t0) * 1000) / calls;
  tf.dispose([a, b]);
  return us;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: 'string', default: 'examples/configs/ibot-fashion-mnist.yaml' },
      threads: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '5' },
      set: { type: 'string', multiple: true, default: [] },
      top: { type: 'string', default: '30' },
      json: { type: 'string' },
      'by-shape': { type: 'boolean', default: false },
    },
  });
  const threads = Number(values.threads);
  const warmup = Number(values.warmup);
  const steps = Number(values.steps);

  const { loadConfigFile, parseCliConfig, parseSetFlag, setKeyPath, loadDatasets } = await import('@selfsup/cli');
  const { inputOf } = await import('@selfsup/ibot');
  const { useBackend } = await import('@selfsup/backend');
  const { NATIVE_BACKEND_NAME, NATIVE_KERNELS, nativeBuildInfo } = await import('@selfsup/backend-native');
  const { createDataLoader } = await import('@selfsup/data');
  const { stepRng, trainStep } = await import('@selfsup/train');

  const raw = loadConfigFile(values.config!) as Record<string, unknown>;
  for (const flag of values.set!) {
    const { keyPath, value } = parseSetFlag(flag);
    setKeyPath(raw, keyPath, value);
  }
  const { method, config } = parseCliConfig(raw, values.config!);
  const backend = await useBackend('native', { threads });
  const { method: _m, data: dataConfig, run: _r, ...methodConfig } = config;
  const input = inputOf(method, config);
  const data = await loadDatasets(dataConfig, input.channels);
  const batchSize = (methodConfig as { batchSize?: number }).batchSize ?? 64;
  const iterationsPerEpoch = Math.floor(data.train.count / batchSize);
  const pretraining = await method.create(methodConfig as never, {
    iterationsPerEpoch,
    trainImages: async () => data.train,
    readFile: () => {
      throw new Error('profile-step: configs that read files are not supported');
    },
  });
  const loader = createDataLoader({ dataset: data.train, batchSize, shuffle: true, seed: 0, dropLast: true, prefetch: 0 });
  const native = new Set(NATIVE_KERNELS);
  const info = nativeBuildInfo().addon!;
  console.log(`profile-step: ${method.title}, ${values.config} ${values.set!.map((s) => `--set ${s}`).join(' ')}`);
  console.log(`  backend ${backend.name} (${info.isa}, ${info.gemm} GEMM, ${info.threads} thread(s)), batch ${batchSize}, ${warmup} warm-up + ${steps} timed steps`);

  let iteration = 0;
  const step = async () => {
    const batch = loader.batch(0, iteration % loader.batchesPerEpoch);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await trainStep(pretraining.recipe, batch, {
      optimizer: pretraining.optimizer,
      gradients: pretraining.gradients,
      context: { iteration, epoch: 0, iterationsPerEpoch, rng: stepRng(0, iteration) },
    });
    iteration++;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000 };
  };

  for (let i = 0; i < warmup; i++) await step();
  const unprofiled: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < steps; i++) unprofiled.push(await step());

  let current: StepProfile | undefined;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (current) current.gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const restoreKernels = instrumentKernels(NATIVE_BACKEND_NAME, (name, ms, cpuMs, newBuffers) => {
    if (!current) return;
    const stats = current.kernels.get(name) ?? { calls: 0, ms: 0, cpuMs: 0, newBuffers: 0 };
    stats.calls++;
    stats.newBuffers += newBuffers;
    stats.ms += ms;
    stats.cpuMs += cpuMs;
    current.kernels.set(name, stats);
  }, values['by-shape']!);
  const loaded = loadAddon();
  const restoreAddon = loaded.ok
    ? instrumentAddon(loaded.addon as unknown as Record<string, unknown>, (ms) => {
        if (current) current.addonMs += ms;
      })
    : () => undefined;
  const pool = (tf.backend() as unknown as { pool?: { stats: { allocations: number; misses: number; missBytes: number } } }).pool;
  const poolBefore = pool ? { ...pool.stats } : undefined;
  const profiles: StepProfile[] = [];
  for (let i = 0; i < steps; i++) {
    current = { ms: 0, cpuMs: 0, sysMs: 0, gcMs: 0, addonMs: 0, kernels: new Map() };
    Object.assign(current, await step());
    await new Promise((resolve) => setImmediate(resolve)); // let the GC observer deliver
    profiles.push(current);
    current = undefined;
  }
  const poolAfter = pool ? { ...pool.stats } : undefined;
  gc.disconnect();
  restoreAddon();
  restoreKernels();
  const callUs = engineCallMicroseconds();

  // Per kernel: the mean over the timed steps.
  const mean = (f: (p: StepProfile) => number) => profiles.reduce((s, p) => s + f(p), 0) / steps;
  const names = new Set(profiles.flatMap((p) => [...p.kernels.keys()]));
  const rows = [...names].map((name) => {
    const kernel = name.split(' ')[0]!;
    const kind = GEMM_KERNELS.has(kernel) ? 'gemm' : native.has(kernel) || kernel.startsWith('Selfsup') ? 'native' : 'cpu (JS)';
    return {
      name,
      kind,
      calls: mean((p) => p.kernels.get(name)?.calls ?? 0),
      ms: mean((p) => p.kernels.get(name)?.ms ?? 0),
      cpuMs: mean((p) => p.kernels.get(name)?.cpuMs ?? 0),
      newBuffers: mean((p) => p.kernels.get(name)?.newBuffers ?? 0),
    };
  });
  rows.sort((a, b) => b.cpuMs - a.cpuMs);
  const stepMs = mean((p) => p.ms);
  const stepCpuMs = mean((p) => p.cpuMs);
  const sysMs = mean((p) => p.sysMs);
  const gcMs = mean((p) => p.gcMs);
  const addonMs = mean((p) => p.addonMs);
  const sum = (kind: string, key: 'ms' | 'cpuMs') => rows.filter((r) => r.kind === kind).reduce((s, r) => s + r[key], 0);
  const callsPerStep = rows.reduce((s, r) => s + r.calls, 0);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  const kernelCpuMs = rows.reduce((s, r) => s + r.cpuMs, 0);
  const pct = (ms: number, of: number) => `${((100 * ms) / of).toFixed(1)}%`;
  const num = (v: number, width: number, digits = 0) => v.toFixed(digits).padStart(width);

  const top = Number(values.top);
  const width = Math.max(24, ...rows.slice(0, top).map((r) => r.name.length + 2));
  console.log(`\n${'kernel'.padEnd(width)}${'calls'.padStart(7)}${'CPU ms'.padStart(9)}${'share'.padStart(8)}${'wall ms'.padStart(9)}${'us/call'.padStart(9)}${'new'.padStart(5)}  kind`);
  for (const r of rows.slice(0, top)) {
    console.log(`${r.name.padEnd(width)}${num(r.calls, 7)}${num(r.cpuMs, 9, 1)}${pct(r.cpuMs, stepCpuMs).padStart(8)}${num(r.ms, 9, 1)}${num((1000 * r.cpuMs) / Math.max(1, r.calls), 9, 1)}${num(r.newBuffers, 5)}  ${r.kind}`);
  }
  if (rows.length > top) {
    const rest = rows.slice(top);
    const restCpu = rest.reduce((s, r) => s + r.cpuMs, 0);
    console.log(`${`(${rest.length} more)`.padEnd(width)}${num(rest.reduce((s, r) => s + r.calls, 0), 7)}${num(restCpu, 9, 1)}${pct(restCpu, stepCpuMs).padStart(8)}`);
  }
  const unprofiledMs = median(unprofiled.map((u) => u.ms));
  const unprofiledCpuMs = median(unprofiled.map((u) => u.cpuMs));
  console.log(
    `\nstep (profiled): ${stepMs.toFixed(0)} ms wall, ${stepCpuMs.toFixed(0)} ms CPU (${sysMs.toFixed(0)} ms of it in the kernel: page faults, madvise); ${callsPerStep.toFixed(0)} kernel calls`,
  );
  console.log(
    `step (unprofiled, median): ${unprofiledMs.toFixed(0)} ms wall, ${unprofiledCpuMs.toFixed(0)} ms CPU: ${((batchSize * 1000) / unprofiledMs).toFixed(1)} images/s wall, ${((batchSize * 1000) / unprofiledCpuMs).toFixed(1)} per CPU-second`,
  );
  const line = (label: string, cpu: number, wall?: number) =>
    console.log(`  ${label.padEnd(34)}${num(cpu, 7)} ms CPU ${pct(cpu, stepCpuMs).padStart(6)}${wall === undefined ? '' : `   ${num(wall, 7)} ms wall`}`);
  line('GEMM kernels', sum('gemm', 'cpuMs'), sum('gemm', 'ms'));
  line('other native kernels', sum('native', 'cpuMs'), sum('native', 'ms'));
  line('tfjs-backend-cpu kernels (JS)', sum('cpu (JS)', 'cpuMs'), sum('cpu (JS)', 'ms'));
  line('outside kernels', stepCpuMs - kernelCpuMs, stepMs - kernelMs);
  console.log(`  of the kernels' wall time, ${addonMs.toFixed(0)} ms is in the addon's native code, ${(kernelMs - addonMs).toFixed(0)} ms their JavaScript`);
  console.log(`  garbage collection (any thread): ${gcMs.toFixed(0)} ms`);
  if (poolBefore && poolAfter) {
    const per = (key: 'allocations' | 'misses' | 'missBytes') => (poolAfter[key] - poolBefore[key]) / steps;
    console.log(`  buffer pool: ${per('allocations').toFixed(0)} native outputs a step, ${per('misses').toFixed(0)} of them new arrays (${(per('missBytes') / 2 ** 20).toFixed(0)} MB)`);
  }
  console.log(`  peak RSS of the process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`  the engine's cost per kernel call: ${callUs.toFixed(1)} us (a 1-element Add), x ${callsPerStep.toFixed(0)} calls = ~${((callUs * callsPerStep) / 1000).toFixed(0)} ms`);
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify(
        { config: values.config, set: values.set, threads, batchSize, steps, peakRssMb: process.resourceUsage().maxRSS / 1024, stepMs, stepCpuMs, sysMs, stepMsUnprofiled: unprofiledMs, stepCpuMsUnprofiled: unprofiledCpuMs, gcMs, addonMs, callsPerStep, engineCallUs: callUs, kernels: rows },
        null,
        2,
      )}\n`,
    );
  }
  pretraining.dispose();
}

await main();
