import { releaseRunLocksSync } from './run-lock.js';

/** Options of {@link watchInterrupts}. */
export interface WatchInterruptsOptions {
  /** Listen to SIGINT (Ctrl-C) and SIGTERM. */
  readonly handleSignals: boolean;
  /** An abort signal that requests the same clean stop. */
  readonly signal?: AbortSignal;
  /** Called once, at the first request. */
  readonly onRequest: (reason: string) => void;
}

/** A stop request the training loop polls between steps. */
export interface InterruptWatch {
  /** True once a stop was requested. */
  readonly requested: boolean;
  /** Removes the signal handlers. */
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Turns SIGINT/SIGTERM and an AbortSignal into a stop request: the loop finishes its step, saves a
 * checkpoint and returns. A second signal removes the handlers and re-raises it, so that a second
 * Ctrl-C stops the process at once, as usual; the run folders' locks (`acquireRunLock`) are
 * removed first when that ends the process.
 */
export function watchInterrupts(options: WatchInterruptsOptions): InterruptWatch {
  let requested = false;
  let disposed = false;
  const request = (reason: string): void => {
    if (requested) return;
    requested = true;
    options.onRequest(reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) {
      dispose();
      // the default action ends the process without 'exit' handlers: give the run folders back first
      if (process.listenerCount(signal) === 0) releaseRunLocksSync();
      process.kill(process.pid, signal);
      return;
    }
    request(signal);
  };
  const onAbort = (): void => request('abort signal');
  function dispose(): void {
    if (disposed) return;
    disposed = true;
    if (options.handleSignals) for (const s of SIGNALS) process.removeListener(s, onSignal);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (options.handleSignals) for (const s of SIGNALS) process.on(s, onSignal);
  if (options.signal) {
    if (options.signal.aborted) request('abort signal');
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }
  return {
    get requested() {
      return requested;
    },
    dispose,
  };
}
