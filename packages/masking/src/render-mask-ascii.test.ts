import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { createTokenMask } from './token-mask.js';
import { renderMaskAscii } from './render-mask-ascii.js';

// image 0: [1 1 0 / 0 0 0], image 1: [0 0 0 / 0 1 0], image 2: all masked
const mask = createTokenMask(3, { height: 2, width: 3 }, Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1]));

describe('renderMaskAscii', () => {
  it('draws images side by side with their index', () => {
    expect(renderMaskAscii(mask)).toBe(['0    1    2', '##.  ...  ###', '...  .#.  ###'].join('\n'));
  });

  it('wraps after `columns` images and takes custom characters, spacing and no labels', () => {
    const text = renderMaskAscii(mask, { columns: 2, maskedCharacter: 'X', visibleCharacter: '-', spacing: 1, labels: false });
    expect(text).toBe(['XX- ---', '--- -X-', '', 'XXX', 'XXX'].join('\n'));
  });

  it('rejects multi-character symbols and bad columns', () => {
    expect(() => renderMaskAscii(mask, { maskedCharacter: '##' })).toThrow(SslError);
    expect(() => renderMaskAscii(mask, { columns: 0 })).toThrow(SslError);
  });
});
