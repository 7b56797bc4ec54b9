#!/usr/bin/env node
// The `selfsup` executable: runs the command line on the process's arguments and exits with its code.
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// the wasm backend's worker threads would keep the process alive: leave once the output is flushed
process.stdout.write('', () => process.exit(code));
