// A process taking a run folder's lock, for the tests of acquireRunLock:
//   node --conditions=@selfsup/source --import tsx lock-child.ts '<json LockChildOptions>'
// Prints `READY`, waits for `GO` on stdin when `waitForGo`, then takes the lock and prints
// `LOCKED <pid>` (`STALE <pid>` before it when it took over a stale lock) or `REFUSED <code> <message>`.
// With the lock held it waits for `RELEASE` on stdin (then releases it and prints `RELEASED`), or
// exits at once without releasing it when `exitHolding`.
import { createInterface } from 'node:readline';
import { isSslError } from '@selfsup/core';
import { acquireRunLock } from '../run-lock.js';

export interface LockChildOptions {
  dir: string;
  command?: string;
  /** Wait for a `GO` line before taking the lock (to race several processes). */
  waitForGo?: boolean;
  /** Exit as soon as the lock is held, without releasing it. */
  exitHolding?: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LockChildOptions;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function waitForLine(expected: string): Promise<void> {
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new Error(`stdin closed before ${expected}`);
    if (next.value.trim() === expected) return;
  }
}

process.stdout.write('READY\n');
if (options.waitForGo) await waitForLine('GO');
try {
  const lock = await acquireRunLock(options.dir, {
    ...(options.command ? { command: options.command } : {}),
    onStale: (owner) => process.stdout.write(`STALE ${owner.pid}\n`),
  });
  process.stdout.write(`LOCKED ${process.pid}\n`);
  if (options.exitHolding) process.exit(0);
  await waitForLine('RELEASE');
  await lock.release();
  process.stdout.write('RELEASED\n');
} catch (error) {
  if (!isSslError(error)) throw error;
  process.stdout.write(`REFUSED ${error.code} ${error.message.replace(/\n/g, ' ')}\n`);
}
process.exit(0);
