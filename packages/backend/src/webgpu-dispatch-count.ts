import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';

/** What {@link countWebgpuDispatches} counted since it started (or since its last `reset`). */
export interface WebgpuDispatchCount {
  /** Compute dispatches (GPU programs run) recorded by the webgpu backend. */
  readonly total: number;
  /** Dispatches per tfjs kernel called through the engine (`MatMul`, `Sum`, `SelfsupLayerNorm`, ...). */
  readonly byKernel: ReadonlyMap<string, number>;
  /** Dispatches per WebGPU program class of tfjs-backend-webgpu or selfsup (`ReduceProgram`, ...). */
  readonly byProgram: ReadonlyMap<string, number>;
  /**
   * Dispatches per outermost named `tf.tidy` scope: a training step's phases (`forward` and
   * `backward` of tf.variableGrads, `adamwStep`, `emaTeacher.update`, ...); `(no named scope)` else.
   */
  readonly byScope: ReadonlyMap<string, number>;
}

/** A running count of webgpu dispatches; {@link countWebgpuDispatches} starts one. */
export interface WebgpuDispatchCounter {
  /** The counts so far. */
  read(): WebgpuDispatchCount;
  /** Starts the counts again from zero. */
  reset(): void;
  /** Stops counting (restores the backend and engine) and returns the counts. */
  stop(): WebgpuDispatchCount;
}

/** The part of tfjs-backend-webgpu 4.22's backend that records a dispatch (internal API). */
interface RecordingBackend {
  recordAndSubmit(program: { constructor: { name: string } }, ...rest: unknown[]): void;
}

/** The parts of tfjs-core 4.22's engine that run every kernel and keep the tidy scopes (internal API). */
interface KernelRunningEngine {
  runKernelFunc(params: { kernelName?: string }): unknown;
  state: { scopeStack: { name: string }[] };
}

/** tfjs-core's name of a scope opened without one. */
const UNNAMED_SCOPE = 'unnamed scope';

function outermostNamedScope(engine: KernelRunningEngine): string {
  return engine.state.scopeStack.find((scope) => scope.name !== UNNAMED_SCOPE)?.name ?? '(no named scope)';
}

function recordingBackend(): RecordingBackend {
  const backend = tf.findBackend('webgpu') as unknown as Partial<RecordingBackend> | null;
  if (backend === null || typeof backend.recordAndSubmit !== 'function') {
    throw new SslError('BACKEND_UNAVAILABLE', `countWebgpuDispatches(): expected the webgpu backend to be registered and initialised, got ${backend === null ? 'none' : 'a backend without recordAndSubmit (not tfjs-backend-webgpu 4.x)'}. Call useBackend('webgpu') first.`);
  }
  return backend as RecordingBackend;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Counts the compute dispatches the webgpu backend records from now on, in all and per kernel,
 * program and named tidy scope, by wrapping tfjs-backend-webgpu's `recordAndSubmit` (one call per dispatch) and the
 * engine's `runKernelFunc` (to know which kernel asked for it: the innermost kernel called through
 * the engine). A diagnostic for finding ops that explode into many small GPU programs; it changes
 * nothing that runs. Kernels that tfjs-backend-webgpu runs on the CPU (small inputs already on the
 * CPU) dispatch nothing and are not counted.
 *
 * @throws SslError `BACKEND_UNAVAILABLE` when the webgpu backend is not initialised.
 */
export function countWebgpuDispatches(): WebgpuDispatchCounter {
  const backend = recordingBackend();
  const engine = tf.engine() as unknown as KernelRunningEngine;
  const ownRecord = Object.prototype.hasOwnProperty.call(backend, 'recordAndSubmit') ? backend.recordAndSubmit : undefined;
  const ownRun = Object.prototype.hasOwnProperty.call(engine, 'runKernelFunc') ? engine.runKernelFunc : undefined;
  const record = backend.recordAndSubmit;
  const run = engine.runKernelFunc;
  const kernels: string[] = [];
  let total = 0;
  let byKernel = new Map<string, number>();
  let byProgram = new Map<string, number>();
  let byScope = new Map<string, number>();

  backend.recordAndSubmit = function countedRecordAndSubmit(this: RecordingBackend, program, ...rest) {
    total++;
    increment(byKernel, kernels.at(-1) ?? '(outside a kernel)');
    increment(byProgram, program.constructor.name);
    increment(byScope, outermostNamedScope(engine));
    return record.call(this, program, ...rest);
  };
  engine.runKernelFunc = function countedRunKernelFunc(this: KernelRunningEngine, params) {
    // tf.customGrad runs its forward function as an unnamed kernel: the kernels inside it count.
    if (params.kernelName === undefined) return run.call(this, params);
    kernels.push(params.kernelName);
    try {
      return run.call(this, params);
    } finally {
      kernels.pop();
    }
  };

  const read = (): WebgpuDispatchCount => ({ total, byKernel: new Map(byKernel), byProgram: new Map(byProgram), byScope: new Map(byScope) });
  return {
    read,
    reset() {
      total = 0;
      byKernel = new Map();
      byProgram = new Map();
      byScope = new Map();
    },
    stop() {
      if (ownRecord === undefined) delete (backend as Partial<RecordingBackend>).recordAndSubmit;
      else backend.recordAndSubmit = ownRecord;
      if (ownRun === undefined) delete (engine as Partial<KernelRunningEngine>).runKernelFunc;
      else engine.runKernelFunc = ownRun;
      return read();
    },
  };
}
