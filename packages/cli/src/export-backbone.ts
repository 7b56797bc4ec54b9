import { SslError, exportStateDict, writeSafetensors, type Backbone, type StateDict } from '@selfsup/core';
import { vitTimmModel } from '@selfsup/backbones';
import type { VitShape } from './run-parts.js';

/** Options of {@link exportBackbone}. */
export interface ExportBackboneOptions {
  /**
   * Keep iBOT's `masked_embed` (the learned mask token). timm's and DINO's ViTs have none, so it
   * is dropped by default and the file loads strictly into them.
   * @defaultValue false
   */
  keepMaskToken?: boolean;
  /**
   * How layer-scale parameters are named: `timm` (`blocks.0.ls1.gamma`) or `dino` (the official
   * DINO/iBOT `blocks.0.gamma_1`). Every other parameter has the same name in both.
   * @defaultValue 'timm'
   */
  layerScaleNames?: 'timm' | 'dino';
  /**
   * More `__metadata__` entries (strings), e.g. where the weights come from.
   * @defaultValue {}
   */
  metadata?: Readonly<Record<string, string>>;
}

/** What {@link exportBackbone} made. */
export interface ExportedBackbone {
  /** The safetensors file. */
  readonly bytes: Uint8Array;
  /** The tensors written, by name, float32 in PyTorch layout. */
  readonly stateDict: StateDict;
  /** The `__metadata__` written. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The registered timm ViT with this architecture, when there is one.
 *
 * @deprecated Use `vitTimmModel` of `@selfsup/backbones`, or a backbone's `timm.model`.
 */
export const timmModelName: (vit: VitShape) => string | undefined = vitTimmModel;

/**
 * Exports a backbone's weights as a safetensors file that PyTorch loads unchanged: every parameter
 * under its timm/DINO name (`cls_token`, `pos_embed`, `patch_embed.proj.weight`,
 * `blocks.0.attn.qkv.weight`, ..., `norm.bias`; no `backbone.` prefix), float32, in PyTorch
 * layout; names and buffers follow the backbone's `timmName` (a Swin's computed
 * `relative_position_index` is left out). `__metadata__` describes the architecture from the
 * backbone contract: `format: pt`, `architecture` (`vit`, `swin`), `img_size`, `patch_size`,
 * `in_chans`, `embed_dim`, `num_features`, `depth` or `depths`, `num_heads`, `window_size` (Swin),
 * `mlp_ratio`, `qkv_bias`, `timm_kwargs` (the JSON keywords of timm's `VisionTransformer` or
 * `SwinTransformer`, `backbone.timm.kwargs`), and `timm_model` when a registered timm model has
 * this architecture (`backbone.timm.model`).
 *
 * @example
 * ```ts
 * const { bytes } = await exportBackbone(teacher);
 * writeFileSync('backbone.safetensors', bytes);
 * // Python: model = timm.create_model('vit_small_patch16_224', num_classes=0, img_size=28, in_chans=1)
 * //         model.load_state_dict(safetensors.torch.load_file('backbone.safetensors'))
 * ```
 */
export async function exportBackbone(backbone: Backbone, options: ExportBackboneOptions = {}): Promise<ExportedBackbone> {
  const names = options.layerScaleNames ?? 'timm';
  if (names !== 'timm' && names !== 'dino') {
    throw new SslError('INVALID_ARGUMENT', `exportBackbone(options.layerScaleNames): expected "timm" or "dino", got ${JSON.stringify(names)}.`);
  }
  const exported = await exportStateDict(backbone);
  const stateDict: StateDict = new Map();
  for (const [name, tensor] of exported) {
    const renamed = exportedName(backbone, name, names, options.keepMaskToken === true);
    if (renamed !== undefined) stateDict.set(renamed, tensor);
  }
  const metadata: Record<string, string> = {
    format: 'pt',
    ...options.metadata,
    ...architectureMetadata(backbone),
    layer_scale_names: names,
    mask_token: String(stateDict.has('masked_embed')),
  };
  if (backbone.timm.model) metadata.timm_model = backbone.timm.model;
  return { bytes: writeSafetensors(stateDict, { metadata }), stateDict, metadata };
}

/**
 * The name a parameter is exported under, or undefined when it is not exported: the backbone's
 * timm name (`timmName`; computed buffers such as Swin's `relative_position_index` have none), or
 * its own name with `layerScaleNames: 'dino'`; `masked_embed` only on request.
 */
function exportedName(backbone: Backbone, name: string, names: 'timm' | 'dino', keepMaskToken: boolean): string | undefined {
  if (name === 'masked_embed') return keepMaskToken ? name : undefined;
  const timmName = backbone.timmName(name);
  if (timmName === undefined) return undefined;
  return names === 'timm' ? timmName : name;
}

/** The `__metadata__` entries of the architecture, from the backbone contract (`arch`, `timm.kwargs`). */
function architectureMetadata(backbone: Backbone): Record<string, string> {
  const kwargs = backbone.timm.kwargs;
  const text = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
  const entries: Record<string, string> = {
    architecture: backbone.arch,
    patch_size: String(backbone.patchSize),
    in_chans: String(backbone.inChannels),
    embed_dim: String(backbone.embedDim),
    num_features: String(backbone.embedDim),
  };
  for (const key of ['embed_dim', 'depth', 'depths', 'num_heads', 'window_size', 'mlp_ratio', 'qkv_bias'] as const) {
    if (kwargs[key] !== undefined) entries[key] = text(kwargs[key]);
  }
  const size = kwargs.img_size;
  if (size !== undefined) entries.img_size = Array.isArray(size) ? size.join('x') : `${String(size)}x${String(size)}`;
  entries.timm_kwargs = JSON.stringify(kwargs);
  return entries;
}
