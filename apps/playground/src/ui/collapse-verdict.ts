import type { CollapseReport } from '../protocol.js';

/**
 * Reads the DINO paper's two failure modes off the indicators (section 5.3, figure 7): a teacher
 * whose every output is nearly uniform (per-image entropy near its maximum, log K) has collapsed
 * uniformly; a teacher that sends every image to the same few prototypes (entropy of the batch mean
 * low, so a large KL to uniform) has collapsed onto one dimension. The thresholds (90% of log K and
 * half of log K) are the playground's rule of thumb, not the paper's.
 */
export function collapseVerdict(report: CollapseReport): { level: 'healthy' | 'uniform' | 'one-dimension'; text: string } {
  const { meanEntropy, entropyOfMean, klToUniform, maxEntropy } = report;
  const numbers = `per-image entropy ${meanEntropy.toFixed(2)}, entropy of the mean ${entropyOfMean.toFixed(2)}, KL to uniform ${klToUniform.toFixed(2)} (log K = ${maxEntropy.toFixed(2)})`;
  if (meanEntropy > 0.9 * maxEntropy) {
    return {
      level: 'uniform',
      text: `Near-uniform outputs: the teacher's distributions are almost flat (${numbers}). Early in training that is normal; if it stays, it is uniform collapse: sharpen them, lower the teacher temperature.`,
    };
  }
  if (klToUniform > 0.5 * maxEntropy) {
    return { level: 'one-dimension', text: `Collapse onto few prototypes: every image gets the same output (${numbers}). Raise the teacher temperature or the momentum.` };
  }
  return { level: 'healthy', text: `No collapse: sharp outputs spread over many prototypes (${numbers}).` };
}
