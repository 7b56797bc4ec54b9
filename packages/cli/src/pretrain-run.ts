import type { BackendInfo } from '@selfsup/backend';
import type { Communicator } from '@selfsup/distributed';
import type { Pretraining } from '@selfsup/ibot';
import type { CliIo } from './cli-io.js';
import type { MethodInput } from './method-registry.js';
import type { PretrainOptions, PretrainPlan } from './plan-pretrain-run.js';
import type { RunData } from './prepare-run-data.js';

/** A `selfsup pretrain` run once everything is checked and built: what its steps share. */
export interface PretrainRun {
  readonly options: PretrainOptions;
  readonly plan: PretrainPlan;
  readonly io: CliIo;
  readonly cwd: string;
  /** A path as messages show it (relative to `cwd` when below it). */
  readonly show: (path: string) => string;
  /** Prints a message on stderr (above the progress bar); a no-op on ranks other than 0. */
  readonly log: (line: string) => void;
  /** True for the process that prints and writes the run folder (rank 0, or the only process). */
  readonly writes: boolean;
  /** The ranks of an `mpirun` job (`--distributed mpi`); none on one process. */
  readonly communicator?: Communicator;
  readonly backend: BackendInfo;
  /** The method's input (crop size, channels, normalisation), for the k-NN evaluation. */
  readonly input: MethodInput;
  readonly runData: RunData;
  readonly pretraining: Pretraining;
  readonly epochs: number;
  /** `<run folder>/metrics.jsonl`. */
  readonly metricsPath: string;
}
