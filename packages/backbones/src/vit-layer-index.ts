const EMBEDDING_NAMES = /(?:^|\.)(?:cls_token|pos_embed|dist_token|mask_token|masked_embed|register_tokens)$/;
const PATCH_EMBED = /(?:^|\.)patch_embed\./;
const BLOCK = /(?:^|\.)blocks\.(\d+)\./;

/**
 * The layer of a ViT parameter for layer-wise decay, as MAE's `get_layer_id_for_vit` and BEiT's
 * `get_num_layer_for_vit`: 0 for the class token, position embedding, mask token and patch
 * embedding; `i + 1` for `blocks.i.*`; `depth + 1` for the final norm and anything else (heads). A
 * prefix such as `backbone.` is ignored. A ViT's own `layerIndex` is this rule for its depth.
 *
 * @example
 * ```ts
 * vitLayerIndex('backbone.blocks.3.attn.qkv.weight', 12); // 4
 * vitLayerIndex('head.weight', 12); // 13
 * ```
 */
export function vitLayerIndex(name: string, depth: number): number {
  const block = BLOCK.exec(name);
  if (block) return Number(block[1]) + 1;
  if (EMBEDDING_NAMES.test(name) || PATCH_EMBED.test(name)) return 0;
  return depth + 1;
}
