import type { Module, Parameter } from './module.js';

/**
 * One module made of named parts, whose parameters carry the part's name as a prefix, as PyTorch
 * names a submodule's (`backbone.blocks.0.attn.qkv.weight`, `head.last_layer.weight_v`). The parts
 * stay usable on their own; disposing the whole disposes every part once. {@link mergeModules} joins
 * modules without prefixes.
 *
 * @example
 * ```ts
 * const student = combineModules({ backbone: vit, head });
 * student.parameters()[0]!.name; // 'backbone.cls_token'
 * ```
 */
export function combineModules<Parts extends Record<string, Module>>(parts: Parts): Module & { readonly parts: Parts } {
  return {
    parts,
    parameters: (): Parameter[] =>
      Object.entries(parts).flatMap(([prefix, module]) => module.parameters().map((p) => ({ ...p, name: `${prefix}.${p.name}` }))),
    dispose: () => {
      for (const module of new Set(Object.values(parts))) module.dispose();
    },
  };
}
