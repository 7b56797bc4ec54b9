// `npm run bench [filter]`: runs every benchmark module in packages/*/bench/*.bench.ts (and
// scripts/bench/*.bench.ts) in one process, one after another, and prints their tables.
// A benchmark module default-exports `async (context) => void` and prints its own results;
// figures are reported as ratios measured side by side in the same run (the machine is shared).
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchContext } from './bench/lib/bench-context.js';

export type { BenchContext };

const filter = process.argv[2];
const root = resolve(import.meta.dirname, '..');
const files: string[] = [];
for (const dir of [join(root, 'scripts', 'bench'), ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'bench'))]) {
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f));
}
const selected = files.filter((f) => !filter || f.includes(filter));
if (selected.length === 0) {
  console.error(`no benchmark matches ${JSON.stringify(filter)}; available:\n${files.map((f) => `  ${f.slice(root.length + 1)}`).join('\n')}`);
  process.exit(2);
}
const context: BenchContext = {
  quick: process.env.SELFSUP_BENCH_QUICK === '1' || !!process.env.CI,
  log: (line) => console.log(line),
};
for (const file of selected) {
  console.log(`\n## ${file.slice(root.length + 1)}`);
  const mod = (await import(pathToFileURL(file).href)) as { default: (c: BenchContext) => Promise<void> };
  await mod.default(context);
}
