import { SslError } from '@selfsup/core';

/**
 * Throws `INVALID_ARGUMENT` unless `iterationsPerEpoch` is a positive integer; returns it.
 *
 * @param where - the function checking it (`createIbotPretraining`), for the message.
 */
export function checkIterationsPerEpoch(where: string, iterationsPerEpoch: number): number {
  if (!Number.isInteger(iterationsPerEpoch) || iterationsPerEpoch < 1) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `${where}(iterationsPerEpoch): expected a positive integer (the data loader's batchesPerEpoch), got ${iterationsPerEpoch}.`,
    );
  }
  return iterationsPerEpoch;
}
