import type { RasterImage } from '@selfsup/eval';

/** Draws an RGBA raster (`RasterImage` of @selfsup/eval) into a canvas at its own size, or shows why there is none. */
export function drawRaster(canvas: HTMLCanvasElement, note: HTMLElement, picture: RasterImage | string): void {
  if (typeof picture === 'string') {
    canvas.hidden = true;
    note.textContent = picture;
    return;
  }
  canvas.hidden = false;
  note.textContent = '';
  canvas.width = picture.width;
  canvas.height = picture.height;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.putImageData(new ImageData(new Uint8ClampedArray(picture.data), picture.width, picture.height), 0, 0);
}
