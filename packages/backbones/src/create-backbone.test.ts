import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportStateDict, type Backbone } from '@selfsup/core';
import { backboneConfigSchema } from './backbone-config.js';
import { createBackbone } from './create-backbone.js';
import { createSwin } from './swin.js';
import { createVit } from './vit.js';

async function sameWeights(a: Backbone, b: Backbone): Promise<void> {
  const [x, y] = [await exportStateDict(a), await exportStateDict(b)];
  expect([...x.keys()]).toEqual([...y.keys()]);
  for (const [name, t] of x) expect(t.data, name).toEqual(y.get(name)!.data);
}

describe('createBackbone', () => {
  it('builds a ViT from { arch: "vit", ... } with createVit’s defaults', async () => {
    const options = { imageSize: 8, patchSize: 4, depth: 0, seed: 3 } as const; // the default preset (small), no blocks to keep it quick
    const built = createBackbone({ arch: 'vit', ...options });
    const direct = createVit(options);
    expect(built.arch).toBe('vit');
    expect(built.config).toEqual(direct.config); // preset small, mlpRatio 4, qkvBias, eps 1e-6, ... as createVit
    await sameWeights(built, direct);
    built.dispose();
    direct.dispose();
  });

  it('builds a Swin Transformer from { arch: "swin", ... } with createSwin’s defaults', async () => {
    const options = { imageSize: 32, embedDim: 6, depths: [1, 1, 1, 1], seed: 2 };
    const built = createBackbone({ arch: 'swin', ...options });
    const direct = createSwin(options);
    expect(built.arch).toBe('swin');
    expect(built.config).toEqual(direct.config); // headCounts of the tiny preset, window 7, patch 4, ...
    expect(built.stages).toEqual(direct.stages);
    await sameWeights(built, direct);
    built.dispose();
    direct.dispose();
  });

  it('returns the Backbone contract for a config of either architecture', () => {
    const configs = [
      { arch: 'vit', imageSize: 16, patchSize: 4, embedDim: 8, depth: 1, headCount: 2 },
      { arch: 'swin', imageSize: 16, patchSize: 2, embedDim: 8, depths: [1, 1], headCounts: [2, 2], windowSize: 4 },
    ] as const;
    for (const config of configs) {
      const backbone: Backbone = createBackbone(config);
      expect(backbone.tokenGrid(16, 16)).toEqual([4, 4]); // ViT: 16 / 4; Swin: 16 / 2 merged once
      expect(backbone.maskGrid(16, 16)).toEqual([4, 4]);
      expect(backbone.layerCount).toBe(config.arch === 'vit' ? 3 : 4);
      backbone.dispose();
    }
  });

  it('refuses an unknown arch, a wrong value and an unknown key with INVALID_CONFIG naming the key', () => {
    expect(() => createBackbone({ arch: 'resnet' } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('createBackbone(config.arch): expected one of vit, swin, got "resnet"') }),
    );
    expect(() => createBackbone(null as never)).toThrow(/expected one of vit, swin, got undefined/);
    expect(() => createBackbone({ arch: 'swin', patchSize: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/swin config is invalid: config\.patchSize: .*, got 0[.;]/) }));
    expect(() => createBackbone({ arch: 'vit', depths: [2, 2] } as never)).toThrow(/config: Unrecognized key: "depths"/);
  });

  it('has a JSON Schema with one branch per architecture (for config editors)', () => {
    const schema = z.toJSONSchema(backboneConfigSchema, { io: 'input' }) as { oneOf?: { properties: { arch: { const: string } } }[]; anyOf?: { properties: { arch: { const: string } } }[] };
    const branches = schema.oneOf ?? schema.anyOf ?? [];
    expect(branches.map((b) => b.properties.arch.const).sort()).toEqual(['swin', 'vit']);
  });
});
