// `npm run run-record -- <run folder> <record folder>`: the part of a run folder of `selfsup pretrain`
// worth committing: its config.yaml and its k-NN and linear-probe lines, with the step lines summed up
// in one line (count, training seconds, median images/s). `npm run time-to-accuracy` reads the record
// as it reads the run, so docs/results.md's plot and table can be drawn again from the repository
// after the run folder (megabytes of steps and checkpoints) is gone.
//
//   npm run run-record -- runs/dinov2-fashion-mnist-fast docs/results/runs/dinov2-fashion-mnist-fast
import { parseArgs } from 'node:util';
import { isSslError } from '@selfsup/core';
import { writeRunRecord } from '../packages/cli/src/time-to-accuracy/write-run-record.js';

const USAGE = 'Usage: npm run run-record -- <run folder> <record folder>\n';

let positionals: string[];
try {
  ({ positionals } = parseArgs({ allowPositionals: true, options: {} }));
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (positionals.length !== 2) {
  process.stderr.write(`error: expected a run folder and a record folder, got ${positionals.length} argument(s)\n\n${USAGE}`);
  process.exit(2);
}
try {
  const record = writeRunRecord(positionals[0]!, positionals[1]!);
  const { steps, trainSeconds, imagesPerSecond } = record.summary;
  process.stdout.write(
    `${record.evaluations} evaluation line(s), ${steps} step(s), ${(trainSeconds / 3600).toFixed(2)} h of training` +
      (imagesPerSecond !== undefined ? `, ${imagesPerSecond.toFixed(1)} images/s (median)` : '') +
      `\n${record.files.map((file) => `wrote ${file}`).join('\n')}\n`,
  );
} catch (error) {
  if (!isSslError(error)) throw error;
  process.stderr.write(`error (${error.code}): ${error.message}\n`);
  process.exit(2);
}
