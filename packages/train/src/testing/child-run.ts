// The run that train-child.ts trains in a child process, made the same way in the test process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMaskedPixelRecipe, createTestOptimizer, pixelBatches } from './masked-pixel-recipe.js';

export const CHILD_RUN = { recipeSeed: 31, dataSeed: 4, runSeed: 17, batchSize: 4, imageCount: 16 } as const;

export function createChildRun(epochs: number) {
  const data = pixelBatches({ seed: CHILD_RUN.dataSeed, imageCount: CHILD_RUN.imageCount, batchSize: CHILD_RUN.batchSize });
  const recipe = createMaskedPixelRecipe({ seed: CHILD_RUN.recipeSeed });
  const optimizer = createTestOptimizer(recipe, epochs, data.batchesPerEpoch);
  return { data, recipe, optimizer, seed: CHILD_RUN.runSeed };
}

/** Options of the child script. */
export interface ChildOptions {
  dir: string;
  metricsFile: string;
  epochs: number;
  everySteps: number;
  /** Print HANG after this step and wait to be killed. */
  hangAfterStep?: number;
  /** Sleep after each step, to leave time for a signal. */
  sleepMs?: number;
}

/** A child process running train-child.ts, with its output collected. */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves when a line of stdout or stderr matches. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or signal) and the whole output. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs a TypeScript script of this folder in a child process (from source), with `argument` as its JSON argument. */
export function startScript(name: string, argument: unknown, options: { stdin?: boolean } = {}): Child {
  const script = fileURLToPath(new URL(`./${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', script, JSON.stringify(argument)], {
    cwd: repositoryRoot,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  // a child that has exited closes its stdin: a later write to it (a test releasing every child at
  // once) fails with EPIPE, which is no failure of the test
  child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  const wake = (): void => {
    for (const line of `${stdout}\n${stderr}`.split('\n')) {
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    wake();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    process: child,
    exit,
    waitFor(pattern: RegExp): Promise<string> {
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exit.then(({ code, signal }) =>
          reject(new Error(`the child exited (code ${code}, signal ${signal}) before printing ${pattern}:\n${stdout}\n${stderr}`)),
        );
      });
    },
  };
}

/** The training run of train-child.ts in a child process. */
export function startChild(options: ChildOptions): Child {
  return startScript('train-child.ts', options);
}
