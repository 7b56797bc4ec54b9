import type { Module } from './module.js';
import { SslError } from './ssl-error.js';

/**
 * Several modules as one, their parameters listed in order under their own names (no prefix), as a
 * single PyTorch module holds them: MAE's `MaskedAutoencoderViT` (encoder then decoder) or BEiT's
 * ViT with its `lm_head`. {@link combineModules} is the prefixed counterpart (`backbone.*`,
 * `head.*`). Throws `INVALID_ARGUMENT` when two parameters share a name. Disposing the whole
 * disposes every part once.
 *
 * @example
 * ```ts
 * const mae = mergeModules(vit, decoder); // cls_token, ..., decoder_embed.weight, ...
 * ```
 */
export function mergeModules(...modules: Module[]): Module {
  const names = new Set<string>();
  for (const module of modules) {
    for (const p of module.parameters()) {
      if (names.has(p.name)) {
        throw new SslError('INVALID_ARGUMENT', `mergeModules: the parameter name "${p.name}" appears in two modules. Give one of them a prefix (combineModules).`);
      }
      names.add(p.name);
    }
  }
  return {
    parameters: () => modules.flatMap((m) => m.parameters()),
    dispose: () => {
      for (const module of new Set(modules)) module.dispose();
    },
  };
}
