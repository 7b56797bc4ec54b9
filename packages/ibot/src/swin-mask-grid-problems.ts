import { SWIN_PRESETS, swinGrids, type SwinGrids } from '@selfsup/backbones';
import { isSslError } from '@selfsup/core';
import type { ConfigProblem } from './config-problem.js';
import type { BackboneSection, SwinBackboneSection } from './vit-problems.js';

function masksAt(grids: SwinGrids, side: number): boolean {
  try {
    grids.maskGrid(side, side);
    return true;
  } catch (error) {
    if (isSslError(error, 'INVALID_ARGUMENT')) return false;
    throw error;
  }
}

/** The sides nearest `side`, below and above, that `grids` masks (multiples of `patchSize`). */
function nearestMaskedSides(grids: SwinGrids, side: number, patchSize: number): number[] {
  const found: number[] = [];
  for (let below = side - patchSize; below >= patchSize; below -= patchSize) {
    if (masksAt(grids, below)) {
      found.push(below);
      break;
    }
  }
  // a side of patchSize * 2^(stages - 1) * k always works, so this ends
  for (let above = side + patchSize; ; above += patchSize) {
    if (masksAt(grids, above)) {
      found.push(above);
      return found;
    }
  }
}

/**
 * The masking methods' rule for a Swin backbone (iBOT, DINOv2-style): masks are sampled at the last
 * stage's grid and each mask token covers whole patches under it (`swin.maskGrid`), so the global
 * crops' patch grid must be a multiple of that grid. A ViT masks its own patch grid: no rule.
 * A side that is not a multiple of the patch side is left to {@link cropProblems}' rule.
 *
 * @param key - the key of the masked crops' side.
 */
export function swinMaskGridProblems(backbone: BackboneSection | SwinBackboneSection, side: number, key = 'augmentation.globalSize'): ConfigProblem[] {
  if (backbone.arch !== 'swin' || side % backbone.patchSize !== 0) return [];
  const stages = (backbone.depths ?? SWIN_PRESETS[backbone.preset].depths).length;
  const grids = swinGrids(backbone.patchSize, stages);
  if (masksAt(grids, side)) return [];
  const patches = side / backbone.patchSize;
  const [last] = grids.tokenGrid(side, side);
  return [
    {
      key,
      expected:
        `a side whose patch grid is a multiple of the Swin's last-stage grid, so that each mask token covers whole patches ` +
        `(${patches}x${patches} patches give a ${last}x${last} last stage after ${stages - 1} halvings), e.g. ${nearestMaskedSides(grids, side, backbone.patchSize).join(' or ')}`,
      actual: side,
    },
  ];
}
