const GUARDED_EVENTS: readonly string[] = ['uncaughtException', 'unhandledRejection'];

type AnyListener = (...args: unknown[]) => void;

/** `process` seen as a plain event emitter (its typings only overload signal names); undefined in a browser. */
function processEmitter(): NodeJS.EventEmitter | undefined {
  return typeof process === 'undefined' ? undefined : (process as unknown as NodeJS.EventEmitter);
}

/** Restores the process-wide error listeners captured by {@link snapshotProcessListeners}. */
export interface ProcessListenerSnapshot {
  /** Removes listeners added since the snapshot and re-adds listeners removed since then. */
  restore(): void;
}

/**
 * Captures the process's `uncaughtException` and `unhandledRejection` listeners. The Emscripten
 * runtime of tfjs-backend-wasm adds rethrowing listeners for both whenever a backend starts, and
 * its `dispose` removes every listener of both events (its own and everyone else's, e.g. a test
 * runner's); bracketing those calls with a snapshot keeps the process's error handling as it was.
 */
export function snapshotProcessListeners(): ProcessListenerSnapshot {
  const emitter = processEmitter();
  // A browser has no process-wide listeners to guard.
  if (emitter === undefined) return { restore() {} };
  const before = GUARDED_EVENTS.map((event) => emitter.listeners(event) as AnyListener[]);
  return {
    restore() {
      GUARDED_EVENTS.forEach((event, index) => {
        const kept = before[index] ?? [];
        for (const listener of emitter.listeners(event) as AnyListener[]) {
          if (!kept.includes(listener)) emitter.removeListener(event, listener);
        }
        const now = emitter.listeners(event) as AnyListener[];
        for (const listener of kept) if (!now.includes(listener)) emitter.on(event, listener);
      });
    },
  };
}
