import { describe, expect, it } from 'vitest';
import { lastLayerGradients } from './last-layer-gradients.js';

describe('lastLayerGradients', () => {
  it('clips per parameter and freezes the last layer', () => {
    const gradients = lastLayerGradients({ clipGradient: 3, freezeLastLayerEpochs: 1 });
    expect(gradients.clipPerParameter).toBe(3);
    expect(gradients.freeze![0]!.match('head.last_layer.weight_v')).toBe(true);
    expect(gradients.freeze![0]!.match('head.mlp.0.weight')).toBe(false);
    expect(gradients.freeze![0]!.untilEpoch).toBe(1);
    expect(lastLayerGradients({ clipGradient: 0, freezeLastLayerEpochs: 0 }).clipPerParameter).toBeUndefined();
  });
});
