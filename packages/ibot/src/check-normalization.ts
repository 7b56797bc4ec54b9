import { SslError } from '@selfsup/core';

/**
 * Throws `INVALID_CONFIG` unless `mean` and `std` have one value per image channel.
 *
 * @param key - the configuration section holding them, for the message.
 */
export function checkNormalization(inChannels: number, mean: readonly number[], std: readonly number[], key = 'augmentation'): void {
  if (mean.length !== inChannels || std.length !== inChannels) {
    throw new SslError(
      'INVALID_CONFIG',
      `${key}.mean/std: expected ${inChannels} value(s) (backbone.inChannels), got ${mean.length} and ${std.length}.`,
    );
  }
}
