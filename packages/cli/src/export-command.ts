import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '@selfsup/train/node';
import { exportBackbone } from './export-backbone.js';
import { checkExportTarget } from './check-export-target.js';
import { withFileSystemPath } from './file-system-error.js';
import { openCheckpoint, pickBackbone } from './open-checkpoint.js';
import { resolveCheckpoint } from './resolve-checkpoint.js';
import { displayPath, type CliIo } from './cli-io.js';
import { usageError } from './usage-error.js';

/** Options of `selfsup export`. */
export interface ExportOptions {
  /** A checkpoint of `selfsup pretrain`, or a run folder (its latest checkpoint). */
  readonly checkpoint: string;
  /** The safetensors file to write. */
  readonly out: string;
  /** `teacher` (the default when there is one) or `student`. */
  readonly which?: string;
  /** Keep iBOT's `masked_embed`. */
  readonly keepMaskToken?: boolean;
  /** `timm` (default) or `dino` names for layer scale. */
  readonly layerScaleNames?: 'timm' | 'dino';
  /** @defaultValue 'cpu' (nothing is computed) */
  readonly backend?: string;
  /**
   * Replace an existing `out` (never the checkpoint read, nor a file in a run's checkpoints folder).
   * @defaultValue false
   */
  readonly force?: boolean;
}

/**
 * `selfsup export`: a checkpoint's backbone as a timm-loadable safetensors file. Where it writes is
 * checked first (see {@link checkExportTarget}: never over the checkpoint read, never into a run's
 * checkpoints folder, an existing file only with `force`), and the file is written atomically
 * (a temporary file in the same folder, flushed, renamed over `out`).
 */
export async function runExport(options: ExportOptions, io: CliIo): Promise<{ path: string; metadata: Readonly<Record<string, string>> }> {
  const cwd = io.cwd ?? process.cwd();
  if (/[\\/]$/.test(options.out)) {
    throw usageError(`--out ${options.out} names a folder; pass the path of a file to write, e.g. ${options.out}backbone.safetensors.`, { out: options.out });
  }
  const path = resolve(cwd, options.out);
  const target = { force: options.force ?? false, show: (p: string) => displayPath(p, cwd) };
  const checkpoint = await resolveCheckpoint(options.checkpoint, cwd);
  checkExportTarget(path, checkpoint, target);
  const opened = await openCheckpoint(checkpoint, { backend: options.backend ?? 'cpu', cwd });
  try {
    const { which, backbone } = pickBackbone(opened, options.which);
    const { bytes, stateDict, metadata } = await exportBackbone(backbone, {
      keepMaskToken: options.keepMaskToken ?? false,
      layerScaleNames: options.layerScaleNames ?? 'timm',
      metadata: {
        selfsup_method: opened.method.name,
        selfsup_backbone: which,
        selfsup_step: String(opened.metadata.step),
        selfsup_checkpoint: displayPath(opened.path, cwd),
      },
    });
    checkExportTarget(path, opened.path, target); // again: the export took a while
    mkdirSync(dirname(path), { recursive: true });
    await writeFileAtomic(path, bytes).catch((error: unknown) => {
      throw withFileSystemPath(error, path);
    });
    const parameters = [...stateDict.values()].reduce((sum, t) => sum + t.data.length, 0);
    io.stdout.write(
      `exported the ${which} backbone of ${displayPath(opened.path, cwd)} (step ${opened.metadata.step}): ${stateDict.size} tensors, ` +
        `${parameters.toLocaleString('en-US')} parameters, float32 -> ${displayPath(path, cwd)}\n`,
    );
    const kwargs = metadata.timm_kwargs ? (JSON.parse(metadata.timm_kwargs) as Record<string, unknown>) : undefined;
    if (metadata.timm_model) {
      const extra = kwargs ? `, img_size=${JSON.stringify(kwargs.img_size)}, in_chans=${kwargs.in_chans}` : '';
      io.stdout.write(`load in timm: timm.create_model('${metadata.timm_model}', num_classes=0${extra}).load_state_dict(load_file('${options.out}'))\n`);
    } else if (kwargs) {
      const args = Object.entries(kwargs).map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v)}`).join(', ');
      io.stdout.write(`load in timm: VisionTransformer(${args}).load_state_dict(load_file('${options.out}'))\n`);
    }
    return { path, metadata };
  } finally {
    opened.pretraining.dispose();
  }
}
