import * as tf from '@tensorflow/tfjs-core';
import { checkInteger } from '@selfsup/core';
import { gradientEntries, type Gradients } from './gradients.js';

/**
 * Drops the gradients of the head's last layer during the first `freezeEpochs` epochs, as DINO's
 * and iBOT's `utils.cancel_gradients_last_layer` (which sets `p.grad = None`). The optimizer then
 * skips those parameters entirely (no weight decay, no moment update), which stabilises the start
 * of training.
 *
 * Returns a new `Map` holding the same tensors as `gradients` (not copies), without the frozen
 * ones while `epoch < freezeEpochs`. It creates and disposes nothing: dispose the original
 * gradients as before.
 *
 * @param gradients - Gradients by name.
 * @param epoch - The current epoch (0-based).
 * @param freezeEpochs - Epochs during which the last layer stays frozen (`freeze_last_layer`, 1 in iBOT).
 * @param match - Which names are the last layer. @defaultValue names containing `last_layer`
 * @example
 * ```ts
 * const kept = cancelGradientsLastLayer(clipped, epoch, 1);
 * optimizer.step(kept, iteration);
 * ```
 */
export function cancelGradientsLastLayer(
  gradients: Gradients,
  epoch: number,
  freezeEpochs: number,
  match: (name: string) => boolean = (name) => name.includes('last_layer'),
): Map<string, tf.Tensor> {
  checkInteger('cancelGradientsLastLayer(epoch)', epoch, 0);
  checkInteger('cancelGradientsLastLayer(freezeEpochs)', freezeEpochs, 0);
  const entries = gradientEntries(gradients, 'cancelGradientsLastLayer(gradients)');
  if (epoch >= freezeEpochs) return entries;
  for (const name of [...entries.keys()]) if (match(name)) entries.delete(name);
  return entries;
}
