import { checkInteger, invalidArgument } from '@selfsup/core';
import { checkTokenMask, type TokenMask } from './token-mask.js';

/** Options of {@link renderMaskAscii}. */
export interface RenderMaskAsciiOptions {
  /**
   * Images per row of the picture.
   * @defaultValue `min(batchSize, 8)`
   */
  readonly columns?: number;
  /**
   * Character of a masked patch.
   * @defaultValue `"#"`
   */
  readonly maskedCharacter?: string;
  /**
   * Character of a visible patch.
   * @defaultValue `"."`
   */
  readonly visibleCharacter?: string;
  /**
   * Spaces between neighbouring images.
   * @defaultValue 2
   */
  readonly spacing?: number;
  /**
   * Write each image's index above it.
   * @defaultValue true
   */
  readonly labels?: boolean;
}

function checkCharacter(argument: string, value: string): string {
  if (typeof value !== 'string' || [...value].length !== 1) {
    throw invalidArgument({ argument, expected: 'a single character', actual: value });
  }
  return value;
}

/**
 * Draws a batch of masks as text, one character per patch: images side by side, `columns` to a
 * row, each labelled with its index. For docs, logs and debugging.
 *
 * @returns Lines joined by `\n`, without a trailing newline.
 * @example
 * ```ts
 * const mask = createTokenMask(2, { height: 2, width: 3 }, Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]));
 * renderMaskAscii(mask);
 * // 0    1
 * // ##.  ...
 * // ...  .#.
 * ```
 */
export function renderMaskAscii(mask: TokenMask, options: RenderMaskAsciiOptions = {}): string {
  checkTokenMask(mask, 'renderMaskAscii(mask)');
  const { batchSize, gridHeight: height, gridWidth: width, data } = mask;
  const columns = checkInteger('renderMaskAscii(options.columns)', options.columns ?? Math.min(batchSize, 8), 1);
  const masked = checkCharacter('renderMaskAscii(options.maskedCharacter)', options.maskedCharacter ?? '#');
  const visible = checkCharacter('renderMaskAscii(options.visibleCharacter)', options.visibleCharacter ?? '.');
  const spacing = checkInteger('renderMaskAscii(options.spacing)', options.spacing ?? 2, 0);
  const labels = options.labels ?? true;
  const tokens = height * width;
  const cellWidth = labels ? Math.max(width, String(batchSize - 1).length) : width;
  const gap = ' '.repeat(spacing);
  const blocks: string[] = [];
  for (let first = 0; first < batchSize; first += columns) {
    const images = Array.from({ length: Math.min(columns, batchSize - first) }, (_, k) => first + k);
    const lines: string[] = [];
    if (labels) lines.push(images.map((b) => String(b).padEnd(cellWidth)).join(gap).trimEnd());
    for (let i = 0; i < height; i++) {
      const parts = images.map((b) => {
        let row = '';
        for (let j = 0; j < width; j++) row += data[b * tokens + i * width + j] === 1 ? masked : visible;
        return row.padEnd(cellWidth);
      });
      lines.push(parts.join(gap).trimEnd());
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}
