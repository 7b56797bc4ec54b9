// The one way the benchmarks start child processes (a tfjs worker on one backend, a PyTorch
// reference script): spawn it with a timeout, stream its stderr line by line, keep its stdout, and
// read the last JSON line it printed as its result. A child that fails, prints no JSON or runs past
// its time is reported in one line, never thrown, so that one failing backend cannot stop a bench.
import { spawn } from 'node:child_process';

/** How a child ended and what it printed. */
export interface ChildResult {
  /** The exit code, or null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when it was killed for running past `timeoutSeconds`. */
  readonly timedOut: boolean;
}

/** Options of {@link runChild}. */
export interface RunChildOptions {
  /** Seconds before the child is killed (SIGKILL). */
  readonly timeoutSeconds: number;
  /**
   * Working directory of the child.
   * @defaultValue the current directory
   */
  readonly cwd?: string;
  /**
   * Receives each line of the child's stderr as it comes (progress, warnings).
   * @defaultValue none (stderr is only kept)
   */
  readonly onLine?: (line: string) => void;
  /**
   * The child's environment.
   * @defaultValue this process's
   */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `command args`, passing each stderr line to `onLine`; resolves when it exits, is killed or cannot start. */
export function runChild(command: string, args: readonly string[], options: RunChildOptions): Promise<ChildResult> {
  const onLine = options.onLine ?? (() => {});
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutSeconds * 1000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) onLine(pending);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n${error.message}`, timedOut });
    });
  });
}

/** The last line of `text` that parses as a JSON object, or undefined. */
export function lastJson<T = Record<string, unknown>>(text: string): T | undefined {
  for (const line of text.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not the result line
    }
  }
  return undefined;
}

/** Lines of stderr that usually say why a child died. */
const REASON = /error|abort|memory|cannot|failed|unavailable|refused/i;

/**
 * Why a child failed, in one line: killed for its time, or its exit and the last line of stderr
 * that names an error (else its last line).
 */
export function describeFailure(result: ChildResult, timeoutSeconds: number): string {
  if (result.timedOut) return `killed after ${timeoutSeconds} s without finishing`;
  const lines = result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && l.length < 400);
  const reason = lines.filter((l) => REASON.test(l)).pop() ?? lines.pop() ?? 'no output';
  return `${result.signal ? `killed by ${result.signal}` : `exit code ${String(result.code)}`}: ${reason}`;
}

/** What {@link runJsonChild} got: the child's JSON result, or a one-line reason why there is none. */
export type JsonChildOutcome<T> =
  | { readonly ok: true; readonly json: T; readonly result: ChildResult }
  | { readonly ok: false; readonly note: string; readonly result: ChildResult };

/**
 * Runs a child that prints its result as a JSON line on stdout (see {@link runChild}); it
 * succeeded when it exited with 0 and printed one. Never throws.
 */
export async function runJsonChild<T = Record<string, unknown>>(command: string, args: readonly string[], options: RunChildOptions): Promise<JsonChildOutcome<T>> {
  const result = await runChild(command, args, options);
  const json = lastJson<T>(result.stdout);
  if (result.code !== 0 || json === undefined) {
    const reason = result.code === 0 && !result.timedOut ? 'exit code 0 but no JSON line on stdout' : describeFailure(result, options.timeoutSeconds);
    return { ok: false, note: `failed (${reason})`, result };
  }
  return { ok: true, json, result };
}

/** The command that runs a TypeScript file of this repository from source: node, the source condition, tsx. */
export function tsxCommand(file: string): [string, string[]] {
  return [process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', file]];
}
