import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createIbotHead } from './ibot-head.js';

interface HeadCase {
  config: {
    in_dim: number;
    out_dim: number;
    patch_out_dim: number;
    nlayers: number;
    hidden_dim: number;
    bottleneck_dim: number;
    norm_last_layer: boolean;
    shared_head: boolean;
    act: string;
    norm?: string | null;
  };
  state_dict: Record<string, FixtureTensor>;
  input: FixtureTensor;
  expected: { cls: FixtureTensor; patch: FixtureTensor };
}

// Every setting comes from the fixture (SELFSUP_REFERENCE_DIR may hold other sizes and seeds).
const fixture = loadFixture<{ cases: HeadCase[] }>('ibot-head.json');
const NORMS = { ln: 'layer', bn: 'batch' } as const;

function headFromCase(c: HeadCase['config']) {
  return createIbotHead({
    activation: c.act as 'gelu' | 'relu',
    inDim: c.in_dim,
    outDim: c.out_dim,
    patchOutDim: c.patch_out_dim,
    layerCount: c.nlayers,
    hiddenDim: c.hidden_dim,
    bottleneckDim: c.bottleneck_dim,
    normalizeLastLayer: c.norm_last_layer,
    sharedHead: c.shared_head,
    norm: c.norm ? NORMS[c.norm as keyof typeof NORMS] : 'none',
  });
}

function label(c: HeadCase['config']): string {
  return `${c.shared_head ? 'shared' : 'separate'} patch head, norm_last_layer ${c.norm_last_layer ? 'on' : 'off'}`;
}

describe('createIbotHead parity with the official iBOTHead (ibot-head.json)', () => {
  it('has at least one case', () => expect(fixture.cases.length).toBeGreaterThan(0));

  for (const testCase of fixture.cases) {
    const c = testCase.config;
    it(`gives the official [CLS] and patch logits: ${label(c)}`, () => {
      const head = headFromCase(c);
      expect(loadStateDict(head, stateDictFromRecords(testCase.state_dict))).toEqual({ missingKeys: [], unexpectedKeys: [] });
      tf.tidy(() => {
        const tokens = fromFixture(testCase.input) as tf.Tensor3D; // [B, 1+N, D], [CLS] first
        const { classLogits, patchLogits } = head.project(tokens);
        // 1e-5 relative, with atol 1e-6 for logits near zero (their float32 rounding is absolute)
        expectClose(classLogits, testCase.expected.cls, { rtol: 1e-5, atol: 1e-6 }, 'cls');
        expectClose(patchLogits, testCase.expected.patch, { rtol: 1e-5, atol: 1e-6 }, 'patch');
        // the ViT layout { classToken, patchTokens } gives the same logits
        const [batch, tokenCount, dim] = tokens.shape;
        const split = head.project({
          classToken: tf.reshape(tf.slice(tokens, [0, 0, 0], [batch, 1, dim]), [batch, dim]) as tf.Tensor2D,
          patchTokens: tf.slice(tokens, [0, 1, 0], [batch, tokenCount - 1, dim]),
        });
        expectClose(split.classLogits, testCase.expected.cls, { rtol: 1e-5, atol: 1e-6 }, 'cls (split input)');
        expectClose(split.patchLogits, testCase.expected.patch, { rtol: 1e-5, atol: 1e-6 }, 'patch (split input)');
        const classOnly = head.projectClass(tf.reshape(tf.slice(tokens, [0, 0, 0], [batch, 1, dim]), [batch, dim]) as tf.Tensor2D);
        expectClose(classOnly, testCase.expected.cls, { rtol: 1e-5, atol: 1e-6 }, 'projectClass');
      });
      head.dispose();
    });

    it(`exports the fixture's state dict unchanged: ${label(c)}`, async () => {
      const head = headFromCase(c);
      loadStateDict(head, stateDictFromRecords(testCase.state_dict));
      const exported = await exportStateDict(head);
      expect([...exported.keys()].sort()).toEqual(Object.keys(testCase.state_dict).sort());
      for (const [name, tensor] of exported) {
        expect(tensor.shape, name).toEqual(testCase.state_dict[name]!.shape);
        expectClose(tensor.data, testCase.state_dict[name]!.data, { rtol: 0, atol: 0 }, name);
      }
      // the gain is trainable exactly when norm_last_layer is off; aliases of a shared head never are
      const trainable = new Map(head.parameters().map((p) => [p.name, p.trainable]));
      expect(trainable.get('last_layer.weight_g')).toBe(!c.norm_last_layer);
      expect(trainable.get('last_layer2.weight_g')).toBe(!c.norm_last_layer && !c.shared_head);
      head.dispose();
    });
  }
});
