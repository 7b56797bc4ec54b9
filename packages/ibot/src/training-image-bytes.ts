/** Images as bytes, as `@selfsup/data`'s datasets hold them (`ImageDataset` is one). */
export interface TrainingImageBytes {
  /** `[count, height, width, channels]` pixels, 0-255. */
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}
