// The PyTorch side of the benchmarks: which Python runs it, whether it can import torch (installing
// Debian's torch when it cannot and we may), and the reference scripts beside the benchmarks. Every
// PyTorch program lives in a .py file under scripts/bench/ and runs as a child (./child-process.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runJsonChild, type JsonChildOutcome, type RunChildOptions } from './child-process.js';

/** torch-reference.py: GEMM shapes and the ViT training step, on the CPU with `--threads`. */
export const TORCH_REFERENCE_SCRIPT = fileURLToPath(new URL('../torch-reference.py', import.meta.url));

/** torch-webgpu-reference.py: the ViT step and the iBOT iteration, on CUDA or the CPU. */
export const TORCH_WEBGPU_REFERENCE_SCRIPT = fileURLToPath(new URL('../torch-webgpu-reference.py', import.meta.url));

/** torch-swin-reference.py: the official iBOT Swin Transformer's training step (and its parity with the swin.json fixture), on the CPU. */
export const TORCH_SWIN_REFERENCE_SCRIPT = fileURLToPath(new URL('../torch-swin-reference.py', import.meta.url));

/** torch-process-usage.py: runs a reference script and reports its peak RSS and CPU time on stderr. */
export const TORCH_PROCESS_USAGE_SCRIPT = fileURLToPath(new URL('../torch-process-usage.py', import.meta.url));

/** The Python that runs the torch reference: `SELFSUP_PYTHON`, else Debian's /usr/bin/python3. */
export const TORCH_PYTHON = process.env.SELFSUP_PYTHON ?? '/usr/bin/python3';

/** The install line printed when torch is missing. */
export const TORCH_INSTALL = 'apt-get update && apt-get install -y python3-torch libopenblas0-pthread';

/** Why there is no PyTorch row, in one line. */
export const TORCH_MISSING = `${TORCH_PYTHON} cannot import torch (install it with: ${TORCH_INSTALL})`;

let torchImportable: boolean | undefined;

function canImportTorch(): boolean {
  return spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 }).status === 0;
}

/** True when `TORCH_PYTHON -c 'import torch'` works (checked once, after an install if it can make one). */
export function torchAvailable(): boolean {
  torchImportable ??= canImportTorch();
  if (!torchImportable && installTorch()) torchImportable = canImportTorch();
  return torchImportable;
}

/**
 * Installs Debian's PyTorch with OpenBLAS (without it, Debian's torch uses the reference BLAS and
 * is about 9x slower) when the reference Python is Debian's, we are root and apt-get exists. Set
 * SELFSUP_BENCH_NO_INSTALL=1 to skip. Returns whether it ran the install.
 */
function installTorch(): boolean {
  if (process.env.SELFSUP_BENCH_NO_INSTALL === '1' || TORCH_PYTHON !== '/usr/bin/python3') return false;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  if (spawnSync('which', ['apt-get'], { stdio: 'ignore' }).status !== 0) return false;
  console.log(`torch is missing: installing it for the reference (${TORCH_INSTALL})`);
  return spawnSync('bash', ['-c', `${TORCH_INSTALL} >/dev/null`], { stdio: 'inherit', timeout: 1_200_000 }).status === 0;
}

/**
 * Runs a reference script with `TORCH_PYTHON` and reads its JSON line (see `runJsonChild`). Never
 * throws: when torch is missing, the script fails or it runs past its time, the outcome says why.
 */
export async function runTorchScript<T = Record<string, unknown>>(script: string, args: readonly string[], options: RunChildOptions): Promise<JsonChildOutcome<T> | { readonly ok: false; readonly note: string; readonly result?: undefined }> {
  if (!torchAvailable()) return { ok: false, note: `not available (${TORCH_MISSING})` };
  return runJsonChild<T>(TORCH_PYTHON, [script, ...args], options);
}

/** One line describing torch's build, BLAS and threads, from torch-reference.py's `environment`. */
export function describeTorch(json: Record<string, unknown>): string {
  const env = (json.environment ?? {}) as Record<string, unknown>;
  return `torch ${String(env.torch)}, BLAS ${String(env.blas)}, ${String(env.threads)} thread(s) (OPENBLAS_NUM_THREADS=${String(env.openblasNumThreads)}), CPU capability ${String(env.cpuCapability)}`;
}

/** Either the JSON torch-reference.py printed, or why it could not run. */
export type TorchReferenceResult = { readonly ok: true; readonly json: Record<string, unknown> } | { readonly ok: false; readonly note: string };

/**
 * Runs `torch-reference.py` with `args` (e.g. `['--threads', '2', 'vit-step', '--batch', '64']`)
 * and parses its JSON. Never throws: when torch is missing or the script fails, says why.
 */
export async function runTorchReference(args: readonly string[]): Promise<TorchReferenceResult> {
  const outcome = await runTorchScript(TORCH_REFERENCE_SCRIPT, args, { timeoutSeconds: 30 * 60 });
  return outcome.ok ? { ok: true, json: outcome.json } : { ok: false, note: `torch reference ${outcome.note}` };
}
