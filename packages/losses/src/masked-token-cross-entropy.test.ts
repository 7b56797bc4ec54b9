import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { maskedTokenCrossEntropy } from './masked-token-cross-entropy.js';

// one image, two patches, a vocabulary of two tokens
//   patch 0: logits [0, 0], token 1: -ln 0.5 = ln 2 = 0.6931472
//   patch 1: logits [ln 3, 0], token 0: -ln 0.75 = 0.2876821
const logits = () => tf.tensor3d([[[0, 0], [Math.log(3), 0]]]);
const targets = () => tf.tensor2d([[1, 0]], undefined, 'int32') as tf.Tensor2D;

describe('maskedTokenCrossEntropy', () => {
  it('averages the cross-entropy over masked patches only (hand-derived)', () => {
    tf.tidy(() => {
      expectClose(maskedTokenCrossEntropy({ logits: logits(), targets: targets(), mask: tf.tensor2d([[1, 1]]) }), [(Math.LN2 - Math.log(0.75)) / 2], { rtol: 1e-6 });
      expectClose(maskedTokenCrossEntropy({ logits: logits(), targets: targets(), mask: tf.tensor2d([[0, 1]]) }), [-Math.log(0.75)], { rtol: 1e-6 });
      expectClose(maskedTokenCrossEntropy({ logits: logits(), targets: targets(), mask: tf.zeros([1, 2]) }), [0], { rtol: 0, atol: 0 });
    });
  });

  it('weighs every masked patch of the batch equally, whichever image holds it', () => {
    tf.tidy(() => {
      // image 0 has one masked patch (ln 2), image 1 has two (ln 2 and 0.2876821): mean over three
      const l = tf.concat([logits(), tf.tensor3d([[[0, 0], [0, 0]]])], 0) as tf.Tensor3D;
      const t = tf.tensor2d([[1, 0], [0, 1]], undefined, 'int32') as tf.Tensor2D;
      // image 1: patches [0, 0] -> ln 2 each
      const loss = maskedTokenCrossEntropy({ logits: l, targets: t, mask: tf.tensor2d([[1, 0], [1, 1]]) });
      expectClose(loss, [(3 * Math.LN2) / 3], { rtol: 1e-6 });
    });
  });

  it('differentiates to softmax - one-hot on masked patches, 0 elsewhere', () => {
    tf.tidy(() => {
      const grad = tf.grad((l: tf.Tensor) => maskedTokenCrossEntropy({ logits: l as tf.Tensor3D, targets: targets(), mask: tf.tensor2d([[0, 1]]) }))(logits());
      // patch 1: [0.75 - 1, 0.25] = [-0.25, 0.25]
      expectClose(grad, [0, 0, -0.25, 0.25], { rtol: 1e-6, atol: 1e-7 });
    });
  });

  it('rejects float targets and shapes that do not match', () => {
    tf.tidy(() => {
      expect(() => maskedTokenCrossEntropy({ logits: logits(), targets: tf.tensor2d([[1, 0]]) as tf.Tensor2D, mask: tf.ones([1, 2]) })).toThrow(/int32/);
      expect(() => maskedTokenCrossEntropy({ logits: logits(), targets: tf.zeros([1, 3], 'int32') as tf.Tensor2D, mask: tf.ones([1, 2]) })).toThrow(SslError);
      expect(() => maskedTokenCrossEntropy({ logits: logits(), targets: targets(), mask: tf.ones([1, 3]) })).toThrow(/mask over the 2 patches/);
    });
  });

  it('leaks no tensor', async () => {
    const [l, t, m] = [logits(), targets(), tf.tensor2d([[1, 1]])];
    await expectNoLeaks(() => maskedTokenCrossEntropy({ logits: l, targets: t, mask: m }));
    tf.dispose([l, t, m]);
  });
});
