// The Swin section of `npm run bench native`: one training step (forward + backward + AdamW, the
// mean square of every output token) of the Swin Transformer in
// examples/configs/ibot-swin-fashion-mnist.yaml (its `backbone:` section, read from the file), on
// native and cpu (tfjs) and in PyTorch (torch-swin-reference.py, the official iBOT Swin module,
// checked against the swin.json fixture by its `parity` command), one thread each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TORCH_PROCESS_USAGE_SCRIPT, TORCH_SWIN_REFERENCE_SCRIPT, runTorchScript } from './lib/torch-python.js';
import { REPO_ROOT, printTimed, timedRow, torchProgress, worker, type NativeBenchRun, type TimedRow } from './native-bench-rows.js';

/** The example config whose backbone is timed. */
export const SWIN_EXAMPLE_CONFIG = 'examples/configs/ibot-swin-fashion-mnist.yaml';

/** The Swin backbone section of the example config: what createBackbone and the PyTorch module are built from. */
export interface SwinBenchBackbone {
  readonly arch: 'swin';
  readonly imageSize: number;
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim: number;
  readonly depths: readonly number[];
  readonly headCounts: readonly number[];
  readonly windowSize: number;
}

/** Reads the `backbone:` section of {@link SWIN_EXAMPLE_CONFIG}; throws when it is not a square-image Swin. */
export function readSwinExampleBackbone(): SwinBenchBackbone {
  const config = parse(readFileSync(join(REPO_ROOT, SWIN_EXAMPLE_CONFIG), 'utf8')) as { backbone?: Partial<SwinBenchBackbone> };
  const backbone = config.backbone;
  const keys = ['imageSize', 'patchSize', 'inChannels', 'embedDim', 'windowSize'] as const;
  if (backbone?.arch !== 'swin' || keys.some((k) => typeof backbone[k] !== 'number') || !Array.isArray(backbone.depths) || !Array.isArray(backbone.headCounts)) {
    throw new Error(`${SWIN_EXAMPLE_CONFIG}: expected a backbone section { arch: swin, imageSize, patchSize, inChannels, embedDim, depths, headCounts, windowSize } (numbers), got ${JSON.stringify(backbone)}`);
  }
  return backbone as SwinBenchBackbone;
}

/** What torch-swin-reference.py swin-step prints. */
interface TorchSwinOutput {
  swinStep?: { median?: { step?: number; cpu?: number }; parameters?: number };
}

/** PyTorch's step of the same Swin (torch-swin-reference.py swin-step under torch-process-usage.py, for the peak RSS). */
async function torchSwinRow(run: NativeBenchRun, backbone: SwinBenchBackbone, batch: number, steps: number): Promise<TimedRow> {
  const model = [
    ...['--image', String(backbone.imageSize), '--patch', String(backbone.patchSize), '--channels', String(backbone.inChannels)],
    ...['--embed-dim', String(backbone.embedDim), '--depths', backbone.depths.join(','), '--heads', backbone.headCounts.join(','), '--window', String(backbone.windowSize)],
  ];
  const args = [TORCH_SWIN_REFERENCE_SCRIPT, '--threads', '1', 'swin-step', ...model, '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
  const outcome = await runTorchScript<TorchSwinOutput>(TORCH_PROCESS_USAGE_SCRIPT, args, {
    cwd: REPO_ROOT,
    timeoutSeconds: 60 * 60,
    onLine: torchProgress(run.context, 'PyTorch'),
  });
  if (!outcome.ok) return { label: 'PyTorch', note: outcome.note };
  const rss = /peakRssKb=(\d+)/.exec(outcome.result.stderr);
  return {
    label: 'PyTorch',
    secondsPerStep: outcome.json.swinStep?.median?.step,
    cpuSecondsPerStep: outcome.json.swinStep?.median?.cpu,
    ...(rss ? { peakRssMb: Number(rss[1]) / 1024 } : {}),
    note: `torch-swin-reference.py swin-step, 1 thread, ${outcome.json.swinStep?.parameters ?? '?'} parameters`,
  };
}

/** 4. The Swin step of the example config on native, PyTorch (and cpu in a full run), one thread each. */
export async function swinSection(run: NativeBenchRun, batch: number, steps: number): Promise<void> {
  const { context, gemmArgs } = run;
  const backbone = readSwinExampleBackbone();
  context.log(
    `\nSwin training step (${SWIN_EXAMPLE_CONFIG}'s backbone: ${backbone.imageSize}x${backbone.imageSize}x${backbone.inChannels}, patch ${backbone.patchSize}, ` +
      `width ${backbone.embedDim}, depths [${backbone.depths.join(', ')}], heads [${backbone.headCounts.join(', ')}], window ${backbone.windowSize}), batch ${batch}: ` +
      `forward + backward + AdamW, one thread each; median of ${steps} step(s) after 1 warm-up${context.quick ? ' [quick: no cpu row]' : ''}`,
  );
  const swinArgs = ['--mode', 'swin', '--backbone', JSON.stringify(backbone), '--threads', '1', '--batch', String(batch)];
  const rows: TimedRow[] = [timedRow('tfjs native', await worker(context, 'swin native-1', [...swinArgs, '--warmup', '1', '--steps', String(steps), '--backend', 'native', ...gemmArgs], true))];
  const torch = await torchSwinRow(run, backbone, batch, steps);
  rows.push(torch);
  // the cpu backend takes about a minute of CPU per step at batch 64: one step, no warm-up (as the ViT section's cpu row)
  if (!context.quick) rows.push(timedRow('tfjs cpu', await worker(context, 'swin cpu-1', [...swinArgs, '--warmup', '0', '--steps', '1', '--backend', 'cpu'], true, 30)));
  printTimed(context, rows, torch, undefined);
}
