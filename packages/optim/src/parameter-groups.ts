import { vitLayerIndex as backbonesVitLayerIndex } from '@selfsup/backbones';
import { SslError, checkInteger, checkNumber, invalidArgument, type Parameter } from '@selfsup/core';

/**
 * Parameters that share their learning-rate and weight-decay multipliers, as a PyTorch
 * `param_group`. The optimizer uses `learningRate.at(iteration) * learningRateScale` and
 * `weightDecay.at(iteration) * weightDecayScale` for every parameter of the group.
 */
export interface ParameterGroup {
  /** A name for logs and errors: `decay`, `no_decay`, `layer_3_decay`, ... */
  readonly name: string;
  /** The parameters, in a stable order. */
  readonly parameters: readonly Parameter[];
  /** Multiplies the learning rate (MAE's and BEiT's `lr_scale`). @defaultValue 1 */
  readonly learningRateScale?: number;
  /** Multiplies the weight decay: 0 turns it off for the group. @defaultValue 1 */
  readonly weightDecayScale?: number;
}

/**
 * Layer-wise learning-rate decay (BEiT, MAE fine-tuning): deeper layers learn faster. The layers
 * come from the backbone, which knows its own (`Backbone.layerIndex`, `Backbone.layerCount`):
 *
 * ```ts
 * createParameterGroups(parameters, { layerDecay: { rate: 0.75, layerIndex: vit.layerIndex, layerCount: vit.layerCount } });
 * ```
 *
 * The older form `{ rate, depth, layerOf? }` (a ViT's rule by default) still works.
 */
export interface LayerDecayOptions {
  /** The factor between consecutive layers (`layer_decay`, e.g. 0.65 or 0.75). */
  rate: number;
  /**
   * The layer of a parameter, an integer in `[0, layerCount - 1]`: a backbone's `layerIndex`,
   * which puts names that are not its own (heads) in the last layer.
   */
  layerIndex?: (name: string) => number;
  /** The number of layers: a backbone's `layerCount` (`depth + 2` for a ViT). */
  layerCount?: number;
  /**
   * The number of transformer blocks (`len(model.blocks)`), with `layerOf`.
   * @deprecated Pass the backbone's `layerIndex` and `layerCount` (`depth + 2`) instead.
   */
  depth?: number;
  /**
   * The layer of a parameter, an integer in `[0, depth + 1]`: 0 for the embeddings, `i + 1` for
   * block `i`, `depth + 1` for everything after the last block.
   * @defaultValue {@link vitLayerIndex}
   * @deprecated Pass the backbone's `layerIndex` and `layerCount` instead.
   */
  layerOf?: (name: string, depth: number) => number;
}

/** Options of {@link createParameterGroups}. */
export interface ParameterGroupsOptions {
  /**
   * True for a parameter that gets no weight decay.
   * @defaultValue {@link isBiasOrOneDimensional}, iBOT's and DINO's rule
   */
  weightDecayExclude?: (parameter: Parameter) => boolean;
  /**
   * Layer-wise learning-rate decay: a layer `l` gets the scale `rate ^ (layerCount - 1 - l)`.
   * @defaultValue none (every group has scale 1)
   */
  layerDecay?: LayerDecayOptions;
}

/**
 * iBOT's and DINO's rule for parameters without weight decay (`utils.get_params_groups`): a name
 * ending in `.bias`, or a 1-D tensor (LayerNorm scales, ...). A `[1, 1, dim]` class token or a
 * `[1, tokens, dim]` position embedding is 3-D and does get weight decay, as in the official code.
 * The rank is the PyTorch one (`parameter.torch.shape`) when the parameter declares it, else the
 * rank of our variable.
 *
 * @example
 * ```ts
 * isBiasOrOneDimensional({ name: 'blocks.0.norm1.weight', variable, trainable: true }); // true (1-D)
 * ```
 */
export function isBiasOrOneDimensional(parameter: Parameter): boolean {
  const shape = parameter.torch?.shape ?? parameter.variable.shape;
  return parameter.name.endsWith('.bias') || shape.length === 1;
}

/**
 * The layer of a ViT parameter for layer-wise decay (MAE's `get_layer_id_for_vit`).
 * @deprecated The rule moved to `@selfsup/backbones` with the ViT; pass the backbone's own
 * `layerIndex` and `layerCount` to `layerDecay` (`vitLayerIndex` of `@selfsup/backbones` is this
 * function).
 */
export const vitLayerIndex: (name: string, depth: number) => number = backbonesVitLayerIndex;

/** The layer of each name and the layer count, from either form of {@link LayerDecayOptions}. */
function resolveLayers(layerDecay: LayerDecayOptions): { layerOf: (name: string) => number; layerCount: number } {
  const where = 'createParameterGroups(options.layerDecay)';
  const { layerIndex, layerCount, depth, layerOf } = layerDecay;
  if (layerIndex !== undefined || layerCount !== undefined) {
    if (depth !== undefined || layerOf !== undefined) {
      throw new SslError(
        'INVALID_ARGUMENT',
        `${where}: got layerIndex/layerCount and depth/layerOf. Pass the backbone's layerIndex and layerCount only (depth and layerOf are the deprecated form).`,
      );
    }
    if (typeof layerIndex !== 'function') {
      throw invalidArgument({ argument: `${where}.layerIndex`, expected: 'a function (name) => layer, such as backbone.layerIndex', actual: layerIndex });
    }
    return { layerOf: layerIndex, layerCount: checkInteger(`${where}.layerCount`, layerCount, 1) };
  }
  const blocks = checkInteger(`${where}.depth`, depth, 0);
  const rule = layerOf ?? vitLayerIndex;
  return { layerOf: (name) => rule(name, blocks), layerCount: blocks + 2 };
}

/**
 * Splits parameters into optimizer groups: weights with weight decay, biases and 1-D parameters
 * without (iBOT's `get_params_groups`, in that order), and with `layerDecay` one pair of groups per
 * layer with the learning-rate scale `rate ^ (layerCount - 1 - layer)` (MAE's `param_groups_lrd`).
 * Parameters with `trainable: false` are left out, and a variable listed under two names is kept
 * under its first (as PyTorch's `named_parameters()`). Empty groups are left out.
 *
 * @example
 * ```ts
 * const groups = createParameterGroups([...vit.parameters(), ...head.parameters()]);
 * // [{ name: 'decay', weightDecayScale: 1, ... }, { name: 'no_decay', weightDecayScale: 0, ... }]
 * const optimizer = createAdamW({ groups, learningRate, weightDecay });
 * ```
 */
export function createParameterGroups(
  parameters: readonly Parameter[],
  options: ParameterGroupsOptions = {},
): ParameterGroup[] {
  if (!Array.isArray(parameters)) {
    throw invalidArgument({ argument: 'createParameterGroups(parameters)', expected: 'an array of Parameter', actual: parameters });
  }
  const exclude = options.weightDecayExclude ?? isBiasOrOneDimensional;
  const layerDecay = options.layerDecay;
  let rate = 1;
  let layers: { layerOf: (name: string) => number; layerCount: number } = { layerOf: () => 0, layerCount: 1 };
  if (layerDecay) {
    rate = checkNumber('createParameterGroups(options.layerDecay.rate)', layerDecay.rate, 0);
    layers = resolveLayers(layerDecay);
  }

  const groups = new Map<string, { name: string; parameters: Parameter[]; learningRateScale: number; weightDecayScale: number }>();
  if (!layerDecay) {
    // iBOT's order: the regularised group first (it alone gets the weight-decay schedule)
    groups.set('decay', { name: 'decay', parameters: [], learningRateScale: 1, weightDecayScale: 1 });
    groups.set('no_decay', { name: 'no_decay', parameters: [], learningRateScale: 1, weightDecayScale: 0 });
  }
  const seen = new Set<string>();
  const seenVariables = new Set<unknown>();
  for (const parameter of parameters) {
    if (!parameter.trainable) continue;
    // a tensor shared under two names (iBOT's shared head: last_layer2 is last_layer) is listed
    // once, under its first name, as PyTorch's named_parameters() does
    if (seenVariables.has(parameter.variable)) continue;
    seenVariables.add(parameter.variable);
    if (seen.has(parameter.name)) {
      throw invalidArgument({
        argument: 'createParameterGroups(parameters)',
        expected: 'unique parameter names',
        actual: parameter.name,
        fix: 'Give each module a distinct prefix (e.g. "backbone.", "head.").',
      });
    }
    seen.add(parameter.name);
    const decayed = !exclude(parameter);
    const suffix = decayed ? 'decay' : 'no_decay';
    let key = suffix;
    let learningRateScale = 1;
    if (layerDecay) {
      const layer = layers.layerOf(parameter.name);
      const last = layers.layerCount - 1;
      if (!Number.isInteger(layer) || layer < 0 || layer > last) {
        throw invalidArgument({
          argument: `createParameterGroups(options.layerDecay) layer of "${parameter.name}"`,
          expected: `an integer in [0, ${last}]`,
          actual: layer,
          fix: 'Pass the layerIndex and layerCount of the same backbone (or, in the deprecated form, depth = its number of blocks).',
        });
      }
      key = `layer_${layer}_${suffix}`;
      learningRateScale = rate ** (last - layer);
    }
    let group = groups.get(key);
    if (!group) {
      group = { name: key, parameters: [], learningRateScale, weightDecayScale: decayed ? 1 : 0 };
      groups.set(key, group);
    }
    group.parameters.push(parameter);
  }
  return [...groups.values()].filter((g) => g.parameters.length > 0);
}
