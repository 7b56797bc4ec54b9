import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPortableSha256, createSha256 } from './sha256.js';

describe('createSha256', () => {
  it('gives the FIPS 180-2 digest of "abc" on both paths', () => {
    // FIPS 180-2, appendix B.1
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(createSha256().update('abc').digestHex()).toBe(abc);
    expect(createPortableSha256().update('abc').digestHex()).toBe(abc);
  });

  it('hashes strings (UTF-8) and bytes fed in pieces as node:crypto does over the whole', () => {
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 7919) % 251);
    const pieces: (string | Uint8Array)[] = ['student.blocks.0.attn.qkv.weight\u0000192,64\u0000', bytes.subarray(0, 65), bytes.subarray(65), 'é€'];
    const reference = createHash('sha256');
    const portable = createPortableSha256();
    const chosen = createSha256();
    for (const piece of pieces) {
      reference.update(piece);
      portable.update(piece);
      chosen.update(piece);
    }
    const expected = reference.digest('hex');
    expect(portable.digestHex()).toBe(expected);
    expect(chosen.digestHex()).toBe(expected);
  });
});
