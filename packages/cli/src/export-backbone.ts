import { SslError, exportStateDict, writeSafetensors, type Backbone, type StateDict } from '@selfsup/core';
import { vitShapeOf, type VitShape } from './run-parts.js';

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

const TIMM_FAMILIES: readonly { name: string; embedDim: number; depth: number; headCount: number; patches: readonly number[]; sizes: readonly number[] }[] = [
  { name: 'tiny', embedDim: 192, depth: 12, headCount: 3, patches: [16], sizes: [224, 384] },
  { name: 'small', embedDim: 384, depth: 12, headCount: 6, patches: [32, 16, 8], sizes: [224, 384] },
  { name: 'base', embedDim: 768, depth: 12, headCount: 12, patches: [32, 16, 8], sizes: [224, 384] },
  { name: 'large', embedDim: 1024, depth: 24, headCount: 16, patches: [32, 16, 14], sizes: [224, 384] },
];

/**
 * The name of the timm model whose architecture a ViT has (`vit_small_patch16_224`), when there is
 * one: the width, depth and heads of ViT-Tiny/Small/Base/Large with a patch size timm registers
 * for it, MLP ratio 4, qkv bias and LayerNorm eps 1e-6. Another image size or channel count is
 * then a keyword (`img_size=28, in_chans=1`), so the name does not depend on them, except that
 * the 384 variant is named for 384-pixel images.
 *
 * @example
 * ```ts
 * timmModelName({ embedDim: 384, depth: 12, headCount: 6, patchSize: 16, imageSize: [224, 224], ... }); // 'vit_small_patch16_224'
 * ```
 */
export function timmModelName(vit: VitShape): string | undefined {
  if (vit.mlpRatio !== 4 || !vit.qkvBias || Math.abs(vit.layerNormEps - 1e-6) > 1e-12) return undefined;
  const family = TIMM_FAMILIES.find((f) => f.embedDim === vit.embedDim && f.depth === vit.depth && f.headCount === vit.headCount);
  if (!family || !family.patches.includes(vit.patchSize)) return undefined;
  const size = vit.imageSize[0] === 384 && vit.imageSize[1] === 384 && (vit.patchSize === 16 || vit.patchSize === 32) ? 384 : 224;
  if (family.name === 'large' && vit.patchSize === 14 && size !== 224) return undefined;
  if (vit.patchSize === 8 && size !== 224) return undefined;
  return `vit_${family.name}_patch${vit.patchSize}_${size}`;
}

/**
 * Exports a backbone's weights as a safetensors file that PyTorch loads unchanged: every parameter
 * under its timm/DINO name (`cls_token`, `pos_embed`, `patch_embed.proj.weight`,
 * `blocks.0.attn.qkv.weight`, ..., `norm.bias`; no `backbone.` prefix), float32, in PyTorch
 * layout. `__metadata__` describes the architecture: `format: pt`, `img_size`, `patch_size`,
 * `in_chans`, `embed_dim`, `depth`, `num_heads`, `mlp_ratio`, `qkv_bias`, `timm_kwargs` (a JSON
 * object for `timm.models.vision_transformer.VisionTransformer(**kwargs)`), and `timm_model` when
 * a registered timm model has this architecture.
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
    if (name === 'masked_embed' && !options.keepMaskToken) continue;
    const renamed = names === 'timm' ? name.replace(/\.gamma_([12])$/, '.ls$1.gamma') : name;
    stateDict.set(renamed, tensor);
  }
  const metadata: Record<string, string> = { format: 'pt', ...options.metadata };
  const vit = vitShapeOf(backbone);
  if (vit) {
    const kwargs = {
      img_size: vit.imageSize[0] === vit.imageSize[1] ? vit.imageSize[0] : [...vit.imageSize],
      patch_size: vit.patchSize,
      in_chans: vit.inChannels,
      embed_dim: vit.embedDim,
      depth: vit.depth,
      num_heads: vit.headCount,
      mlp_ratio: vit.mlpRatio,
      qkv_bias: vit.qkvBias,
      ...(vit.layerScaleInit > 0 ? { init_values: vit.layerScaleInit } : {}),
      num_classes: 0,
    };
    Object.assign(metadata, {
      architecture: 'vit',
      img_size: vit.imageSize.join('x'),
      patch_size: String(vit.patchSize),
      in_chans: String(vit.inChannels),
      embed_dim: String(vit.embedDim),
      depth: String(vit.depth),
      num_heads: String(vit.headCount),
      mlp_ratio: String(vit.mlpRatio),
      qkv_bias: String(vit.qkvBias),
      layer_norm_eps: String(vit.layerNormEps),
      layer_scale_names: names,
      mask_token: String(options.keepMaskToken === true && vit.maskToken),
      timm_kwargs: JSON.stringify(kwargs),
    });
    const timm = timmModelName(vit);
    if (timm) metadata.timm_model = timm;
  } else {
    Object.assign(metadata, { embed_dim: String(backbone.embedDim), patch_size: String(backbone.patchSize), in_chans: String(backbone.inChannels) });
  }
  return { bytes: writeSafetensors(stateDict, { metadata }), stateDict, metadata };
}
