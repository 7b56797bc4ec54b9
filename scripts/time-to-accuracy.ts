// `npm run time-to-accuracy -- <run folders...> [flags]`: k-NN top-1 against hours of training.
// Reads the metrics.jsonl and config.yaml of run folders of `selfsup pretrain`, draws one line per
// run and backbone (linear probes as triangles) to a PNG and an SVG beside it, and prints the
// markdown table for docs/results.md (or writes it with --table). Hours are the training seconds of
// the k-NN and linear-probe lines (steps only: no evaluation, checkpoint or start-up time; each
// step once across resumes).
//
//   npm run time-to-accuracy -- runs/ibot-fast runs/mae-fast --out docs/results/time-to-accuracy.png --baseline pixels
// (--baseline pixels: the raw-pixel k-NN on the first run's data and held-out images, computed here)
//   a run's label is its folder's name; give another with label=folder: "MAE-style=runs/mae-fast"
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { isSslError } from '@selfsup/core';
import { useBackend } from '@selfsup/backend';
import { writeTimeToAccuracy } from '../packages/cli/src/time-to-accuracy/write-time-to-accuracy.js';
import { readRunCurves } from '../packages/cli/src/time-to-accuracy/read-run-curves.js';
import { pixelKnnBaseline } from '../packages/cli/src/time-to-accuracy/pixel-knn-baseline.js';

const USAGE = `Usage: npm run time-to-accuracy -- <run folder | label=run folder>... [flags]

  --out <file.png|file.svg>  the picture (default time-to-accuracy.png; an SVG is written beside a PNG)
  --table <file.md>          write the markdown table there (default: print it)
  --which <backbone>         only teacher or student (default: every backbone evaluated)
  --budgets <h,h,...>        the hours of the "k-NN top-1 at" columns (default 1,2,3)
  --baseline <percent|pixels>  a dashed line at this accuracy; pixels: the raw-pixel k-NN on the
                             first run's training and held-out images (computed, about a minute)
  --baseline-label <text>    its label (default "baseline", or the raw-pixel figure)
  --threads <n>              threads of the backend that computes the raw-pixel k-NN (default: the cores)
  --title <text>             the chart's title
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) fail(`${flag}: expected a number > 0, got ${JSON.stringify(text)}`);
  return value;
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      table: { type: 'string' },
      which: { type: 'string' },
      budgets: { type: 'string' },
      baseline: { type: 'string' },
      'baseline-label': { type: 'string' },
      title: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (positionals.length === 0) fail('expected at least one run folder');
if (values.which !== undefined && values.which !== 'teacher' && values.which !== 'student') {
  fail(`--which: expected teacher or student, got ${JSON.stringify(values.which)}`);
}
const runs = positionals.map((text) => {
  const split = text.indexOf('=');
  return split > 0 ? { label: text.slice(0, split), folder: text.slice(split + 1) } : { folder: text };
});
const out = values.out ?? 'time-to-accuracy.png';
if (!/\.(png|svg)$/.test(out)) fail(`--out: expected a .png or .svg file, got ${JSON.stringify(out)}`);

try {
  let baseline = values.baseline === undefined || values.baseline === 'pixels' ? undefined : positiveNumber('--baseline', values.baseline);
  let baselineLabel = values['baseline-label'];
  let pixelLine: string | undefined;
  // every run folder is read (once) before the raw-pixel baseline (a minute or more), so a wrong one fails at once
  const curves = runs.flatMap((run) => readRunCurves(run.folder, run.label));
  if (values.baseline === 'pixels') {
    await useBackend('auto', values.threads === undefined ? {} : { threads: positiveNumber('--threads', values.threads) });
    const pixels = await pixelKnnBaseline(runs[0]!.folder);
    baseline = pixels.top1;
    baselineLabel ??= `raw pixels: ${pixels.top1.toFixed(1)}%`;
    pixelLine =
      `raw-pixel k-NN (k=${pixels.k}, T=${pixels.temperature}) on ${pixels.heldOut} (${pixels.trainImages} memory, ` +
      `${pixels.testImages} classified): top-1 ${pixels.top1.toFixed(2)}%, top-5 ${pixels.top5.toFixed(2)}%\n`;
  }
  const result = await writeTimeToAccuracy({
    runs: curves,
    out,
    ...(values.which !== undefined ? { which: values.which } : {}),
    ...(values.budgets !== undefined ? { budgets: values.budgets.split(',').map((text) => positiveNumber('--budgets', text)) } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(baselineLabel !== undefined ? { baselineLabel } : {}),
    ...(values.title !== undefined ? { title: values.title } : {}),
  });
  if (values.table !== undefined) writeFileSync(values.table, result.table);
  else process.stdout.write(result.table);
  if (pixelLine) process.stdout.write(`\n${pixelLine}`);
  for (const file of [...result.files, ...(values.table !== undefined ? [values.table] : [])]) process.stderr.write(`wrote ${file}\n`);
  if (result.note) process.stderr.write(`note: no PNG: ${result.note}\n`);
} catch (error) {
  if (!isSslError(error)) throw error;
  process.stderr.write(`error (${error.code}): ${error.message}\n`);
  process.exit(2);
}
