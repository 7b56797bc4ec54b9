// Shows, in the consumer project, what a user sees when something selfsup needs is missing, and
// fails unless each message is clear. "Clear" means: it names what is missing, the version found
// where a version is the problem, and the command that fixes it.
//
// 1. A missing optional peer (a backend's package): useBackend('wasm' | 'tensorflow') throws
//    SslError BACKEND_UNAVAILABLE naming `npm install <package>@<tfjs-core version>`.
// 2. A missing required peer (@tensorflow/tfjs-core removed, as after `npm install
//    --legacy-peer-deps`): the `selfsup` executable names `npm install @tensorflow/tfjs-core@<range>`;
//    importing a library package fails with Node.js's ERR_MODULE_NOT_FOUND, which names the
//    package (an ES module's imports are resolved before any of its code can run).
// 3. With --old-node <node binary> (an unsupported Node.js, e.g. 18): useBackend throws SslError
//    NOT_SUPPORTED and the `selfsup` executable exits 1, both naming the version found and needed.
//
//   node error-messages.mjs [--old-node <path to node>]      (in the consumer project)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const oldNodeIndex = process.argv.indexOf('--old-node');
const oldNode = oldNodeIndex > 0 ? process.argv[oldNodeIndex + 1] : undefined;
const cliBin = join('node_modules', '@selfsup', 'cli', JSON.parse(readFileSync('node_modules/@selfsup/cli/package.json', 'utf8')).bin.selfsup);
const corePeerRange = JSON.parse(readFileSync('node_modules/@selfsup/cli/package.json', 'utf8')).peerDependencies['@tensorflow/tfjs-core'];

function run(node, args) {
  const result = spawnSync(node, args, { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function show(label, message) {
  console.log(`ok   ${label}\n       ${message.trim().split('\n').join('\n       ')}`);
}

/** Runs `script` (an ES module) with `node`, returning what it printed. */
function runModule(node, script) {
  return run(node, ['--input-type=module', '-e', script]);
}

// 1. missing optional peers
const optionalPeers = runModule(
  process.execPath,
  `
  import * as tf from '@tensorflow/tfjs-core';
  import { useBackend } from '@selfsup/backend';
  const out = [];
  for (const [name, pkg] of [['wasm', '@tensorflow/tfjs-backend-wasm'], ['tensorflow', '@tensorflow/tfjs-node']]) {
    try {
      await useBackend(name);
      out.push({ name, started: true });
    } catch (error) {
      out.push({ name, pkg, version: tf.version_core, errorName: error.name, code: error.code, message: error.message });
    }
  }
  console.log(JSON.stringify(out));
  `,
);
assert.equal(optionalPeers.status, 0, optionalPeers.stderr);
for (const result of JSON.parse(optionalPeers.stdout.trim().split('\n').at(-1))) {
  assert.notEqual(result.started, true, `useBackend('${result.name}') started, but its package should not be installed here`);
  assert.equal(result.errorName, 'SslError');
  assert.equal(result.code, 'BACKEND_UNAVAILABLE');
  assert.ok(result.message.includes(`npm install ${result.pkg}@${result.version}`), `the message names the install command: ${result.message}`);
  show(`useBackend('${result.name}') without ${result.pkg}: SslError ${result.code}`, result.message);
}

// 2. a missing required peer
const corePath = join('node_modules', '@tensorflow', 'tfjs-core');
const aside = join('node_modules', '@tensorflow', '.tfjs-core-moved-aside');
renameSync(corePath, aside);
try {
  const cli = run(process.execPath, [cliBin, '--help']);
  assert.equal(cli.status, 1, `selfsup --help without tfjs-core: exit code ${cli.status}\n${cli.stdout}${cli.stderr}`);
  assert.ok(cli.stderr.includes(`npm install @tensorflow/tfjs-core@${corePeerRange}`), `the CLI names the install command:\n${cli.stderr}`);
  show('selfsup --help without @tensorflow/tfjs-core: exit code 1', cli.stderr);
  const library = runModule(process.execPath, `await import('@selfsup/backbones');`);
  assert.notEqual(library.status, 0);
  const line = library.stderr.split('\n').find((l) => l.startsWith('Error [ERR_MODULE_NOT_FOUND]')) ?? library.stderr;
  assert.ok(/Cannot find package '@tensorflow\/tfjs-core'/.test(library.stderr), `Node.js names the missing package:\n${library.stderr}`);
  show("import '@selfsup/backbones' without @tensorflow/tfjs-core: Node.js's own error", line);
} finally {
  renameSync(aside, corePath);
}

// 3. an unsupported Node.js
if (oldNode !== undefined) {
  const version = run(oldNode, ['--version']).stdout.trim().replace(/^v/, '');
  const backend = runModule(
    oldNode,
    `
    import { useBackend } from '@selfsup/backend';
    try {
      await useBackend('cpu');
      console.log(JSON.stringify({ started: true }));
    } catch (error) {
      console.log(JSON.stringify({ errorName: error.name, code: error.code, message: error.message }));
    }
    `,
  );
  assert.equal(backend.status, 0, `${backend.stdout}${backend.stderr}`);
  const result = JSON.parse(backend.stdout.trim().split('\n').at(-1));
  assert.notEqual(result.started, true, `useBackend started on Node.js ${version}`);
  assert.equal(result.code, 'NOT_SUPPORTED');
  assert.ok(result.message.includes(`Node.js ${version}`) && result.message.includes('20.19'), result.message);
  show(`useBackend on Node.js ${version}: SslError ${result.code}`, result.message);
  const cli = run(oldNode, [cliBin, '--help']);
  assert.equal(cli.status, 1, `selfsup --help on Node.js ${version}: exit code ${cli.status}\n${cli.stdout}${cli.stderr}`);
  assert.ok(cli.stderr.includes(`this is Node.js ${version}`) && cli.stderr.includes('>=20.19'), cli.stderr);
  show(`selfsup --help on Node.js ${version}: exit code 1`, cli.stderr);
} else {
  console.log('skip an unsupported Node.js: no --old-node binary given');
}
console.log('error messages: all clear');
