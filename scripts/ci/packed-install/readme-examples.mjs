// The example of every installed package's README.md, as an npm user reads it: the first ```ts
// (or ```js) block of node_modules/<package>/README.md.
//
//   node readme-examples.mjs extract <packages.json from pack.mjs>
//       writes each example to readme-examples/<package>.ts (or .mjs) and the list to
//       readme-examples/examples.json; exits 1 when a package's README has no example
//   node readme-examples.mjs run
//       runs each example with tsx (typecheck.mjs type-checks them); exits 1 when one fails
//
// (in the consumer project). A README can exempt its example from running, never from
// type-checking, with a comment right before the block; exemptions are printed:
//
//   <!-- not-run: needs a GPU -->
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RUN_TIMEOUT_MS = Number(process.env.SELFSUP_README_TIMEOUT_MS ?? 180_000);
const LIST = join('readme-examples', 'examples.json');

/** The first ts/js block of a README, and its not-run reason when one is given right before it. */
function firstExample(readme) {
  const fence = /^```(ts|typescript|js|javascript|mjs)[^\S\n]*\n([\s\S]*?)^```[^\S\n]*$/m;
  const match = fence.exec(readme);
  if (match === null) return undefined;
  const before = readme.slice(0, match.index).trimEnd().split('\n').at(-1) ?? '';
  const notRun = /^<!--\s*not-run:\s*(.*?)\s*-->$/.exec(before.trim());
  return { language: /^(ts|typescript)$/.test(match[1]) ? 'ts' : 'js', code: match[2], notRun: notRun?.[1] };
}

function extract(packagesJson) {
  const examples = [];
  const problems = [];
  mkdirSync('readme-examples', { recursive: true });
  for (const { name } of JSON.parse(readFileSync(packagesJson, 'utf8'))) {
    const folder = join('node_modules', name);
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    if (manifest.os !== undefined || manifest.cpu !== undefined) {
      console.log(`skip     ${name}: a per-platform binary package (installed by another package, no API of its own)`);
      continue;
    }
    const readmePath = join(folder, 'README.md');
    const example = existsSync(readmePath) ? firstExample(readFileSync(readmePath, 'utf8')) : undefined;
    if (example === undefined) {
      problems.push(`${name}: its README.md has no \`\`\`ts or \`\`\`js example`);
      continue;
    }
    const file = join('readme-examples', `${name.replace(/^@selfsup\//, '')}.${example.language === 'ts' ? 'ts' : 'mjs'}`);
    writeFileSync(file, example.code);
    examples.push({ name, file, notRun: example.notRun });
    console.log(`example  ${name}: ${file} (${example.code.split('\n').length - 1} lines)${example.notRun ? `, not run: ${example.notRun}` : ''}`);
  }
  writeFileSync(LIST, JSON.stringify(examples, null, 2) + '\n');
  for (const problem of problems) console.error(`  - ${problem}`);
  return problems.length === 0;
}

function run() {
  const examples = JSON.parse(readFileSync(LIST, 'utf8'));
  let failures = 0;
  for (const { name, file, notRun } of examples) {
    if (notRun !== undefined) {
      console.log(`not run  ${name}: ${notRun} (type-checked only)`);
      continue;
    }
    const started = performance.now();
    const result = spawnSync(join('node_modules', '.bin', 'tsx'), [file], { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, env: { ...process.env, CI: 'true' } });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (result.status === 0) {
      console.log(`ran      ${name} (${seconds} s)`);
      continue;
    }
    failures += 1;
    const why = result.error?.code === 'ETIMEDOUT' ? `timed out after ${RUN_TIMEOUT_MS / 1000} s` : `exit code ${result.status ?? result.signal}`;
    const tail = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-8).map((l) => `           ${l}`).join('\n');
    console.log(`FAILED   ${name}: ${file} (${why}, ${seconds} s)\n${tail}`);
  }
  console.log(`README examples: ${examples.length - failures} of ${examples.length} ran or were exempt`);
  return failures === 0;
}

const [mode, argument] = process.argv.slice(2);
if (mode === 'extract' && argument) process.exit(extract(argument) ? 0 : 1);
else if (mode === 'run') process.exit(run() ? 0 : 1);
else {
  console.error('usage: node readme-examples.mjs extract <packages.json> | run');
  process.exit(2);
}
