import { checkInteger, invalidArgument } from '@selfsup/core';
import type { MetricsRecord } from './metrics-writer.js';

/**
 * How `train` shows its progress: `bar` redraws one line with an ETA (for terminals), `lines`
 * prints a plain line every few steps (for CI logs and files), `auto` picks `bar` on a terminal
 * unless `CI` is set, else `lines`; `none` prints nothing.
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/** Where progress is written: `process.stderr` or any stream-like object. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal. */
  readonly isTTY?: boolean;
  /** The terminal width. */
  readonly columns?: number;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** @defaultValue 'auto' */
  mode?: ProgressMode;
  /** @defaultValue process.stderr */
  stream?: ProgressStream;
  /**
   * In `lines` mode, print every this many steps (and the last one).
   * @defaultValue 10 (iBOT's log frequency)
   */
  everySteps?: number;
  /**
   * The environment `auto` reads (`CI`).
   * @defaultValue process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Where a run stands, for {@link createProgress}. */
export interface ProgressRun {
  /** Optimizer steps of the whole run. */
  totalSteps: number;
  /** Epochs of the whole run. */
  epochs: number;
}

/** A progress display; `train` feeds it. */
export interface Progress {
  /** The mode in use (`auto` resolved). */
  readonly mode: Exclude<ProgressMode, 'auto'>;
  /** Shows a finished step. */
  update(record: MetricsRecord): void;
  /** Prints a message on its own line (above the bar). */
  log(message: string): void;
  /** Ends the display (the bar's line is kept). */
  finish(): void;
}

/**
 * A duration in seconds as `h:mm:ss`, or `m:ss` under an hour (`?` when unknown).
 *
 * @example
 * ```ts
 * formatDuration(3729); // '1:02:09'
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** A number for people: 4 decimals, or exponent form (3 significant digits) when very large or very small. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : value.toFixed(4);
}

function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Creates the progress display of a run: a bar with the step, loss, learning rate, speed and ETA
 * redrawn in place on a terminal, or plain lines every `everySteps` steps elsewhere. The ETA is
 * the remaining steps times the time a step costs: an exponential average of the recent steps' own
 * time (data and compute; the first steps, slower while kernels warm up, fade out quickly) plus the
 * mean time spent between steps so far (evaluations, checkpoints, hooks), so that periodic
 * evaluations are counted in the ETA as they recur, and one of them does not inflate the step time.
 *
 * @example
 * ```ts
 * const progress = createProgress({ totalSteps: 1000, epochs: 10 }, { mode: 'lines' });
 * progress.update(record); // step 10/1000 (1%) | epoch 1/10 | loss 1.2345 | lr 1.00e-4 | wd 4.00e-2 | 5.20 it/s | eta 3:10
 * ```
 */
export function createProgress(run: ProgressRun, options: ProgressOptions = {}): Progress {
  const totalSteps = checkInteger('createProgress(run.totalSteps)', run.totalSteps, 0);
  const epochs = checkInteger('createProgress(run.epochs)', run.epochs, 1);
  const everySteps = checkInteger('createProgress(options.everySteps)', options.everySteps ?? 10, 1);
  const stream = options.stream ?? process.stderr;
  const requested = options.mode ?? 'auto';
  if (!['auto', 'bar', 'lines', 'none'].includes(requested)) {
    throw invalidArgument({ argument: 'createProgress(options.mode)', expected: "'auto', 'bar', 'lines' or 'none'", actual: requested });
  }
  const mode: Progress['mode'] =
    requested === 'auto' ? (stream.isTTY === true && !isCi(options.env ?? process.env) ? 'bar' : 'lines') : requested;
  // a step's own time (data + compute), averaged over the recent steps
  let stepSeconds: number | undefined;
  // the time between steps outside them (evaluations, checkpoints, hooks), summed over `gaps`
  let betweenSeconds = 0;
  let gaps = 0;
  let lastTime: number | undefined;
  let barText = '';
  let lastShown = -1;

  function summary(record: MetricsRecord, done: number, etaSeconds: number, bar: boolean): string {
    const percent = totalSteps > 0 ? Math.floor((100 * done) / totalSteps) : 100;
    const terms = Object.entries(record.terms);
    const termText = terms.length > 1 ? ` [${terms.map(([name, value]) => `${name} ${formatNumber(value)}`).join(', ')}]` : '';
    const speed = record.imagesPerSecond !== undefined ? `${record.imagesPerSecond.toFixed(1)} img/s` : `${record.stepsPerSecond.toFixed(2)} it/s`;
    const parts = [
      `epoch ${record.epoch + 1}/${epochs}`,
      `loss ${formatNumber(record.loss)}${bar ? '' : termText}`,
      `lr ${record.learningRate.toExponential(2)}`,
      ...(bar ? [] : [`wd ${record.weightDecay.toExponential(2)}`]),
      speed,
      `eta ${done >= totalSteps ? '0:00' : formatDuration(etaSeconds)}`,
    ];
    return bar
      ? `${done}/${totalSteps} ${String(percent).padStart(3)}% | ${parts.join(' | ')}`
      : `step ${done}/${totalSteps} (${percent}%) | ${parts.join(' | ')}`;
  }

  function drawBar(text: string): void {
    const columns = Math.max(40, stream.columns || 100); // 0 on a pseudo-terminal without a size
    const line = text.length > columns - 1 ? text.slice(0, columns - 1) : text;
    stream.write(`\r${line}\u001b[K`);
  }

  return {
    mode,
    update(record: MetricsRecord): void {
      if (mode === 'none') return;
      const now = performance.now();
      const ownSeconds = (record.stepMs + record.dataMs) / 1000;
      stepSeconds = stepSeconds === undefined ? ownSeconds : 0.9 * stepSeconds + 0.1 * ownSeconds;
      if (lastTime !== undefined) {
        betweenSeconds += Math.max(0, (now - lastTime) / 1000 - ownSeconds);
        gaps += 1;
      }
      lastTime = now;
      const done = record.iteration + 1;
      const etaSeconds = (totalSteps - done) * (stepSeconds + (gaps > 0 ? betweenSeconds / gaps : 0));
      if (mode === 'lines') {
        if (done % everySteps === 0 || done === totalSteps || lastShown < 0) {
          stream.write(`${summary(record, done, etaSeconds, false)}\n`);
          lastShown = done;
        }
        return;
      }
      const width = 20;
      const filled = totalSteps > 0 ? Math.round((width * done) / totalSteps) : width;
      barText = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${summary(record, done, etaSeconds, true)}`;
      drawBar(barText);
    },
    log(message: string): void {
      if (mode === 'none') return;
      if (mode === 'bar' && barText) {
        stream.write(`\r\u001b[K${message}\n`);
        drawBar(barText);
      } else {
        stream.write(`${message}\n`);
      }
    },
    finish(): void {
      if (mode === 'bar' && barText) stream.write('\n');
      barText = '';
    },
  };
}
