import { isAbsolute, relative } from 'node:path';
import type { ProgressStream } from '@selfsup/train';

/** Where the command line writes and what it reads of its process; `main` takes one for tests. */
export interface CliIo {
  /** Results (the paths of a run, accuracies, JSON with `--json`). */
  readonly stdout: { write(text: string): unknown };
  /** Messages, progress and errors. */
  readonly stderr: ProgressStream;
  /**
   * The folder relative paths are read from.
   * @defaultValue process.cwd()
   */
  readonly cwd?: string;
  /**
   * The environment (`CI` for the progress display).
   * @defaultValue process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The io of the running process. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/** `path` relative to `cwd` when it lies below it (shorter messages), else as given. */
export function displayPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/** Writes messages to stderr above a progress bar: clears the bar's line first on a terminal. */
export function createLogger(io: CliIo, barMode: boolean): (message: string) => void {
  return (message: string) => {
    io.stderr.write(`${barMode ? '\r\u001b[K' : ''}${message}\n`);
  };
}

/** Whether `train`'s progress display will draw a bar (its `auto` rule). */
export function usesBar(mode: string, io: CliIo): boolean {
  if (mode === 'bar') return true;
  if (mode !== 'auto') return false;
  const ci = (io.env ?? process.env).CI;
  const isCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return io.stderr.isTTY === true && !isCi;
}
