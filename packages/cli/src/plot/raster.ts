import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './bitmap-font.js';

/** An sRGB colour, each channel 0-255. */
export type Rgb = readonly [number, number, number];

/**
 * A small RGBA raster with alpha blending: rectangles, bitmap text, anti-aliased thick
 * polylines and discs. Enough to draw a line chart without a graphics library.
 */
export class Raster {
  readonly data: Uint8Array;
  private readonly coverage: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    this.coverage = new Float32Array(width * height);
    for (let i = 0; i < width * height; i++) {
      this.data.set([background[0], background[1], background[2], 255], i * 4);
    }
  }

  /** Blends `color` over pixel (x, y) with opacity `alpha`. */
  blend(x: number, y: number, color: Rgb, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 4;
    const a = Math.min(1, alpha);
    for (let c = 0; c < 3; c++) this.data[i + c] = Math.round(this.data[i + c]! * (1 - a) + color[c]! * a);
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgb, alpha = 1): void {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(this.height, Math.floor(y + height)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(this.width, Math.floor(x + width)); xx++) this.blend(xx, yy, color, alpha);
    }
  }

  strokeRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    this.fillRect(x, y, width, 1, color);
    this.fillRect(x, y + height - 1, width, 1, color);
    this.fillRect(x, y, 1, height, color);
    this.fillRect(x + width - 1, y, 1, height, color);
  }

  /**
   * Draws `text` with its top-left corner at (x, y), each font pixel a `scale` x `scale` square;
   * `align` places x at the left, centre or right end; `vertical` draws it rotated a quarter turn
   * counter-clockwise (for a y-axis label), x, y then being its bottom-left corner.
   */
  text(text: string, x: number, y: number, color: Rgb, options: { scale?: number; align?: 'left' | 'center' | 'right'; vertical?: boolean } = {}): void {
    const scale = options.scale ?? 1;
    const width = textWidth(text) * scale;
    const offset = options.align === 'center' ? -Math.round(width / 2) : options.align === 'right' ? -width : 0;
    [...text].forEach((char, index) => {
      const bitmap = glyph(char);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (!bitmap[gy * GLYPH_WIDTH + gx]) continue;
          const along = offset + (index * GLYPH_ADVANCE + gx) * scale;
          if (options.vertical) this.fillRect(x + gy * scale, y - along - scale, scale, scale, color);
          else this.fillRect(x + along, y + gy * scale, scale, scale, color);
        }
      }
    });
  }

  /**
   * Draws an anti-aliased polyline of the given width through `points` (pixel coordinates),
   * clipped to `clip`. Each pixel takes the largest coverage of any segment, so joints are not
   * painted twice.
   */
  polyline(points: readonly (readonly [number, number])[], color: Rgb, lineWidth: number, clip: Box, alpha = 1): void {
    if (points.length === 0) return;
    const half = lineWidth / 2;
    const touched: number[] = [];
    const cover = (x: number, y: number, value: number) => {
      if (x < clip.x || y < clip.y || x >= clip.x + clip.width || y >= clip.y + clip.height) return;
      if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
      const i = y * this.width + x;
      if (this.coverage[i] === 0) touched.push(i);
      if (value > this.coverage[i]!) this.coverage[i] = value;
    };
    const segments = points.length === 1 ? [[points[0]!, points[0]!] as const] : points.slice(1).map((p, i) => [points[i]!, p] as const);
    for (const [[x0, y0], [x1, y1]] of segments) {
      const dx = x1 - x0;
      const dy = y1 - y0;
      const lengthSquared = dx * dx + dy * dy;
      const left = Math.floor(Math.min(x0, x1) - half - 1);
      const right = Math.ceil(Math.max(x0, x1) + half + 1);
      const top = Math.floor(Math.min(y0, y1) - half - 1);
      const bottom = Math.ceil(Math.max(y0, y1) + half + 1);
      for (let y = top; y <= bottom; y++) {
        for (let x = left; x <= right; x++) {
          // distance from the pixel centre to the segment
          const px = x + 0.5 - x0;
          const py = y + 0.5 - y0;
          const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / lengthSquared));
          const distance = Math.hypot(px - t * dx, py - t * dy);
          const value = Math.max(0, Math.min(1, half + 0.5 - distance));
          if (value > 0) cover(x, y, value);
        }
      }
    }
    for (const i of touched) {
      this.blend(i % this.width, Math.floor(i / this.width), color, this.coverage[i]! * alpha);
      this.coverage[i] = 0;
    }
  }

  /** A filled, anti-aliased disc (a marker). */
  disc(cx: number, cy: number, radius: number, color: Rgb, clip: Box): void {
    this.polyline([[cx, cy]], color, radius * 2, clip);
  }
}

/** A rectangle in pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
