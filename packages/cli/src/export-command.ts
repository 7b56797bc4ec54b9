import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exportBackbone } from './export-backbone.js';
import { openCheckpoint, pickBackbone } from './open-checkpoint.js';
import { displayPath, type CliIo } from './cli-io.js';

/** Options of `selfsup export`. */
export interface ExportOptions {
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
}

/** `selfsup export`: a checkpoint's backbone as a timm-loadable safetensors file. */
export async function runExport(options: ExportOptions, io: CliIo): Promise<{ path: string; metadata: Readonly<Record<string, string>> }> {
  const cwd = io.cwd ?? process.cwd();
  const opened = await openCheckpoint(options.checkpoint, { backend: options.backend ?? 'cpu', cwd });
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
    const path = resolve(cwd, options.out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
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
