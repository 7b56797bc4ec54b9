import type { PretrainRun } from './pretrain-run.js';
import { describeBackbone } from './run-parts.js';

/**
 * Prints what the run is about to do: the method and data, the backend and ranks, the backbone and
 * the steps, the run folder (and the checkpoint it resumes from), skipped data entries and the keys
 * a resume changes.
 */
export function logRunHeader(run: PretrainRun): void {
  const { plan, runData, log, show, communicator, backend, epochs } = run;
  const { data, loader, globalBatch, iterationsPerEpoch } = runData;
  const { method, resumeFrom, outDir } = plan;
  log(`selfsup pretrain: ${method.title} on ${data.name} (${data.train.count} training images${data.heldOut ? `, ${data.heldOut.count} held out` : ''})`);
  log(`  backend ${backend.name}, ${backend.threads} thread(s) (${backend.reason})${communicator ? ` on each of ${communicator.worldSize} MPI ranks` : ''}`);
  log(
    `  ${describeBackbone(run.pretraining.backbones().student)}; ${epochs} epoch(s) x ${iterationsPerEpoch} steps of ${globalBatch} images` +
      (communicator ? ` (${loader.batchSize} on each of ${communicator.worldSize} ranks)` : ''),
  );
  log(`  run folder ${show(outDir)}${resumeFrom ? ` (resuming from ${show(resumeFrom.path)})` : ''}`);
  for (const { path, reason } of data.skipped) log(`  skipped ${show(path)}: ${reason}`);
  const changes = plan.changes.filter((c) => c.key !== 'run.outDir'); // the run folder is shown above
  if (changes.length > 0) log(`  changed on resume: ${changes.map((c) => `${c.key} ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`).join(', ')}`);
  if ((run.options.resume || run.options.resumeFrom !== undefined) && !resumeFrom) log(`  ${show(outDir)} holds no checkpoint yet: starting the run`);
}
