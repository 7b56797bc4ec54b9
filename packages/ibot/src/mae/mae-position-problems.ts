import { VIT_PRESETS } from '@selfsup/backbones';
import type { ConfigProblem } from '../config-problem.js';
import type { BackboneSection } from '../vit-problems.js';

/**
 * MAE's encoder rule: a fixed 2-D sine-cosine position table (`positionEmbedding: sin-cos`, the
 * default) splits the width into sines and cosines of rows and columns, so the encoder's width is a
 * multiple of 4 (the preset's where `embedDim` is not given). Learned positions have no rule.
 */
export function maePositionProblems(backbone: BackboneSection & { readonly positionEmbedding: 'sin-cos' | 'learned' }): ConfigProblem[] {
  if (backbone.positionEmbedding !== 'sin-cos') return [];
  const embedDim = backbone.embedDim ?? VIT_PRESETS[backbone.preset].embedDim;
  if (embedDim % 4 === 0) return [];
  return [
    {
      key: 'backbone.embedDim',
      expected:
        `a multiple of 4 with backbone.positionEmbedding: sin-cos (sines and cosines of rows and columns), e.g. ${Math.max(4, Math.floor(embedDim / 4) * 4)} or ${Math.ceil(embedDim / 4) * 4}` +
        `${backbone.embedDim === undefined ? ` (the ${backbone.preset} preset's)` : ''}; or backbone.positionEmbedding: learned`,
      actual: embedDim,
    },
  ];
}
