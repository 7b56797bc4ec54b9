import { describe, expect, it } from 'vitest';
import { snapshotProcessListeners } from './process-listeners.js';

describe('snapshotProcessListeners', () => {
  it('removes listeners added after the snapshot and re-adds those removed', () => {
    const kept = (): void => {};
    process.on('unhandledRejection', kept);
    try {
      const before = process.listeners('unhandledRejection');
      const snapshot = snapshotProcessListeners();
      // What tfjs-backend-wasm's Emscripten runtime does: add rethrowing listeners, later remove all.
      const added = (reason: unknown): never => {
        throw reason;
      };
      process.on('unhandledRejection', added);
      process.on('uncaughtException', added);
      process.removeListener('unhandledRejection', kept);
      snapshot.restore();
      expect(process.listeners('unhandledRejection')).toEqual(before);
      expect(process.listeners('uncaughtException')).not.toContain(added);
    } finally {
      process.removeListener('unhandledRejection', kept);
    }
  });
});
