#!/usr/bin/env node
// The `selfsup` executable: checks that this Node.js and the installed peers can run selfsup
// (before loading anything that would fail less clearly), then runs the command line on the
// process's arguments and exits with its code.
import { preflightProblem } from './preflight.js';

const problem = preflightProblem();
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
const { main } = await import('./main.js');
const code = await main(process.argv.slice(2));
// the wasm backend's worker threads would keep the process alive: leave once the output is flushed
process.stdout.write('', () => process.exit(code));
