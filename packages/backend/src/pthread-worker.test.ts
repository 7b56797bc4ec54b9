import { Worker as NodeWorker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createPthreadWorkerClass } from './pthread-worker.js';

/** A worker that answers every message with the message's urlOrBlob. */
const ECHO = "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m.urlOrBlob));";

function nextMessage(worker: NodeWorker): Promise<unknown> {
  return new Promise((resolve) => worker.once('message', resolve));
}

describe('createPthreadWorkerClass', () => {
  it("swaps the backend's main-script Blob for the script's path in the load message, and nothing else", async () => {
    const workers = new Set<NodeWorker>();
    const { WorkerClass } = createPthreadWorkerClass(NodeWorker, {
      workerSource: ECHO,
      mainScriptPath: '/path/to/main.js',
      workers,
      onStartFailure: () => {},
    });
    const worker = new WorkerClass('blob:nodedata:ignored');
    try {
      expect(workers.has(worker)).toBe(true);
      worker.postMessage({ cmd: 'load', urlOrBlob: new Blob(['var x;']) });
      expect(await nextMessage(worker)).toBe('/path/to/main.js');
      worker.postMessage({ cmd: 'load', urlOrBlob: '/given/path.js' });
      expect(await nextMessage(worker)).toBe('/given/path.js');
      worker.postMessage({ cmd: 'run', urlOrBlob: 7 });
      expect(await nextMessage(worker)).toBe(7);
    } finally {
      await worker.terminate();
    }
    expect(workers.size).toBe(0);
  });

  it('reports an error while starting to onStartFailure instead of the listeners Emscripten adds', async () => {
    const failures: Error[] = [];
    const seenByEmscripten: Error[] = [];
    const control = createPthreadWorkerClass(NodeWorker, {
      workerSource: 'throw new Error("cannot start")',
      mainScriptPath: '/unused.js',
      workers: new Set(),
      onStartFailure: (error) => failures.push(error),
    });
    const worker = new control.WorkerClass('blob:nodedata:ignored');
    worker.on('error', (error: Error) => seenByEmscripten.push(error));
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(failures.map((e) => e.message)).toContain('cannot start');
    expect(seenByEmscripten).toHaveLength(0);
  });
});
