import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** An incremental SHA-256: feed it strings (UTF-8) and bytes, then read the hex digest once. */
export interface Sha256 {
  update(data: string | Uint8Array): Sha256;
  /** The digest as 64 lower-case hex digits. */
  digestHex(): string;
}

/** The parts of `node:crypto` used here. */
interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: string | Uint8Array): unknown; digest(encoding: 'hex'): string };
}

/**
 * `node:crypto` when this runs in Node.js, read synchronously with `process.getBuiltinModule`
 * (Node.js 20.16 and later; the packages need 20.19), so no bundler sees a Node.js import.
 */
function nodeCrypto(): NodeCrypto | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  return process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

function utf8(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** SHA-256 in JavaScript (`@noble/hashes`), for browsers and workers. */
export function createPortableSha256(): Sha256 {
  const hash = nobleSha256.create();
  const api: Sha256 = {
    update(data) {
      hash.update(utf8(data));
      return api;
    },
    digestHex() {
      return [...hash.digest()].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    },
  };
  return api;
}

/**
 * A SHA-256: Node.js's OpenSSL one when available (several times faster on large checkpoints),
 * else {@link createPortableSha256}. Both give the same digest.
 */
export function createSha256(): Sha256 {
  const crypto = nodeCrypto();
  if (crypto === undefined) return createPortableSha256();
  const hash = crypto.createHash('sha256');
  const api: Sha256 = {
    update(data) {
      hash.update(data);
      return api;
    },
    digestHex: () => hash.digest('hex'),
  };
  return api;
}
