import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { RasterImage } from '@selfsup/eval';

/** Encodes an RGBA picture as PNG (pngjs). */
export function encodePng(image: RasterImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

/** Writes an RGBA picture as a PNG file, atomically (a temporary file renamed), creating its folder. */
export async function writePng(path: string, image: RasterImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, encodePng(image));
  await rename(temporary, path);
}
