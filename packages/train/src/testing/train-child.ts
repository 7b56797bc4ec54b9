// A training run in its own process, for the kill-and-resume and Ctrl-C tests:
//   node --conditions=@selfsup/source --import tsx train-child.ts '<json ChildOptions>'
// Prints `STEP <n>` after each step and `RESULT <json>` when train returns.
import { useBackend, type BackendName } from '@selfsup/backend';
import { train } from '../train.js';
import { createChildRun, type ChildOptions } from './child-run.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
// The backend the test suite runs on (SELFSUP_TEST_BACKEND, as in packages/testing/src/setup.ts).
await useBackend((process.env.SELFSUP_TEST_BACKEND ?? 'cpu') as BackendName);
const { data, recipe, optimizer, seed } = createChildRun(options.epochs);
const result = await train({
  recipe,
  optimizer,
  batches: data.batches,
  epochs: options.epochs,
  iterationsPerEpoch: data.batchesPerEpoch,
  seed,
  checkpoint: { dir: options.dir, everySteps: options.everySteps },
  resume: true,
  metricsFile: options.metricsFile,
  progress: 'lines',
  async onStep(record) {
    const step = record.iteration + 1;
    process.stdout.write(`STEP ${step}\n`);
    if (options.sleepMs) await new Promise((resolve) => setTimeout(resolve, options.sleepMs));
    if (step === options.hangAfterStep) {
      process.stdout.write('HANG\n');
      await new Promise((resolve) => setTimeout(resolve, 600_000)); // until SIGKILL
    }
  },
});
process.stdout.write(`RESULT ${JSON.stringify({ status: result.status, step: result.step, checkpoint: result.checkpoint })}\n`);
optimizer.dispose();
recipe.dispose();
