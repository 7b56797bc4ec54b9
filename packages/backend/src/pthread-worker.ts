import type { TransferListItem, Worker as NodeWorker } from 'node:worker_threads';

/**
 * What the Emscripten runtime of `tfjs-backend-wasm-threaded-simd` needs to start its threads in
 * Node, and how to report a failed start.
 */
export interface PthreadWorkerSetup {
  /**
   * The source of Emscripten's pthread worker script (`wasm-out/...worker.js`). Evaluated as a
   * CommonJS script, it detects Node and provides `self`, `postMessage`, `onmessage` and
   * `importScripts` on top of `node:worker_threads`.
   */
  readonly workerSource: string;
  /**
   * Path of the Emscripten main script (`wasm-out/tfjs-backend-wasm-threaded-simd.js`) that each
   * thread loads with `importScripts`. Replaces the browser-only `Blob` the backend sends.
   */
  readonly mainScriptPath: string;
  /** Every live thread worker is added here (and removed when it exits). */
  readonly workers: Set<NodeWorker>;
  /** Called with the error when a thread fails before {@link PthreadWorkerControl.markStarted}. */
  readonly onStartFailure: (error: Error) => void;
}

/** Controls the worker class made by {@link createPthreadWorkerClass}. */
export interface PthreadWorkerControl {
  /** A `Worker` constructor with the Web Worker surface Emscripten uses (`new Worker(url)`). */
  readonly WorkerClass: new (scriptUrl: string | URL) => NodeWorker;
  /** From now on, thread errors reach Emscripten's own handler instead of `onStartFailure`. */
  markStarted(): void;
}

type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Makes the `Worker` class that the threaded wasm backend constructs for each of its threads.
 * tfjs-backend-wasm hands Emscripten a `blob:` URL for the worker script and a `Blob` of its
 * main script, which `node:worker_threads` cannot run; this class ignores the URL and evaluates
 * the same worker script shipped in `wasm-out/`, and swaps the `Blob` for the main script's path
 * in the `load` message. Threads never keep the process alive (`ref()` does nothing; Emscripten
 * unrefs each worker once it has loaded), so a program exits when its own work is done.
 *
 * @param NodeWorkerClass - `Worker` from `node:worker_threads`.
 * @param setup - Scripts, the registry of live workers and the start-failure callback.
 */
export function createPthreadWorkerClass(
  NodeWorkerClass: typeof NodeWorker,
  setup: PthreadWorkerSetup,
): PthreadWorkerControl {
  let started = false;

  class PthreadWorker extends NodeWorkerClass {
    constructor(_scriptUrl: string | URL) {
      // A plain CommonJS script with no inherited flags: `--input-type=module` would make it ESM
      // (no `require`), and loader hooks such as `--import tsx` would only slow each thread down.
      super(setup.workerSource, { eval: true, execArgv: [] });
      setup.workers.add(this);
      // Our own listeners, attached first: an 'error' with no listener would crash the process.
      super.on('error', (error: Error) => {
        if (!started) setup.onStartFailure(error);
      });
      super.once('exit', (code: number) => {
        setup.workers.delete(this);
        if (!started && code !== 0) setup.onStartFailure(new Error(`a wasm thread exited with code ${code} while starting`));
      });
    }

    override postMessage(message: unknown, transferList?: readonly TransferListItem[]): void {
      const m = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
      if (m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
        message = { ...m, urlOrBlob: setup.mainScriptPath };
      }
      super.postMessage(message, transferList);
    }

    /** Emscripten refs a worker while its thread runs; threads here never hold the process open. */
    override ref(): void {}

    override on(event: string | symbol, listener: Listener): this {
      if (event !== 'error') return super.on(event, listener);
      // Emscripten's error handler rethrows; while starting, the failure goes to onStartFailure.
      return super.on(event, (error: Error) => {
        if (started) listener(error);
      });
    }
  }

  return {
    WorkerClass: PthreadWorker,
    markStarted() {
      started = true;
    },
  };
}
