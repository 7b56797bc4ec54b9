import { BACKEND_NAMES } from '@selfsup/backend';
import type { FlagDeclaration } from './cli-flags.js';
import { methodNames } from './method-registry.js';

const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;

/** The flags of `selfsup pretrain`: each overrides a config key, or says where to resume. */
export const PRETRAIN_FLAGS = [
  { name: 'config', short: 'c', value: '<file>', description: 'the configuration (YAML or JSON; keys below)' },
  {
    name: 'resume',
    description:
      'continue the run in the run folder from its latest checkpoint (without --config, with --out: the configuration stored in the checkpoint); a folder without checkpoints starts the run',
  },
  {
    name: 'resume-from',
    value: '<file>',
    description:
      'continue the run from this checkpoint (e.g. an older one when the latest is damaged); the run folder is the one above its checkpoints/ folder',
  },
  { name: 'out', short: 'o', value: '<folder>', configKey: 'run.outDir', description: '' },
  { name: 'backend', value: '<name>', configKey: 'run.backend', description: '' },
  { name: 'threads', value: '<n>', read: 'yaml', configKey: 'run.threads', description: '' },
  { name: 'epochs', value: '<n>', read: 'yaml', configKey: 'epochs', description: '' },
  { name: 'steps', value: '<n>', read: 'yaml', configKey: 'run.maxStepsPerEpoch', description: '' },
  {
    name: 'set',
    value: '<key.path=value>',
    repeatable: true,
    description: 'any key, e.g. --set optimizer.learningRate=1e-3 (YAML values)',
  },
  { name: 'method', value: '<name>', choices: () => methodNames(), description: 'with --help: list the keys of that method' },
  {
    name: 'distributed',
    value: '<kind>',
    choices: ['local', 'mpi'],
    defaultText: 'local',
    description:
      'mpi: this process is one rank of `mpirun -np N selfsup pretrain ...`: each rank reads its shard of every batch (batchSize is the global batch, split over the ranks), gradients are averaged, rank 0 prints and writes (docs/concepts/distributed.md)',
  },
] as const satisfies readonly FlagDeclaration[];

/** The flags of `selfsup eval knn` and `selfsup eval linear`. */
export const EVAL_FLAGS = [
  { name: 'checkpoint', value: '<file|folder>', required: true, description: 'a checkpoint written by selfsup pretrain, or a run folder (its latest checkpoint)' },
  { name: 'which', value: '<backbone>', choices: ['teacher', 'student'], description: 'teacher (default when the method has one) or student' },
  { name: 'backend', value: '<name>', choices: BACKEND_CHOICES, defaultText: "the run's", description: 'the TensorFlow.js backend' },
  { name: 'threads', value: '<n>', read: 'count', description: 'threads of the backend' },
  { name: 'json', description: 'print one JSON object instead of a sentence' },
  {
    name: 'split',
    value: '<images>',
    choices: ['held-out', 'test'],
    defaultText: 'held-out',
    description:
      "held-out: fit on the run's training images, classify its data.heldOut images; test: fit on the whole training split, classify the test split (the final figure of a recipe chosen on images held out of the training set)",
  },
  { name: 'k', value: '<n>', read: 'count', only: 'knn', defaultText: "the run's run.knnK, 20", description: 'neighbours that vote' },
  { name: 'temperature', value: '<t>', read: 'positive', only: 'knn', defaultText: "the run's run.knnTemperature, 0.07", description: 'temperature of the vote weights' },
  { name: 'epochs', value: '<n>', read: 'count', only: 'linear', defaultText: '100', description: 'epochs of each probe' },
  { name: 'learning-rates', value: '<a,b,...>', read: 'positives', only: 'linear', defaultText: '0.001,0.01,0.1,1,10', description: 'the rates to sweep' },
] as const satisfies readonly FlagDeclaration[];

/** The flags of `selfsup export`. */
export const EXPORT_FLAGS = [
  { name: 'checkpoint', value: '<file|folder>', required: true, description: 'a checkpoint written by selfsup pretrain, or a run folder (its latest checkpoint)' },
  {
    name: 'out',
    short: 'o',
    value: '<file.safetensors>',
    required: true,
    description: "the safetensors file to write; never the checkpoint read nor a file in a run's checkpoints/ folder; written atomically",
  },
  { name: 'force', description: 'replace --out when it exists' },
  { name: 'which', value: '<backbone>', choices: ['teacher', 'student'], description: 'teacher (default when the method has one) or student' },
  { name: 'keep-mask-token', description: "keep iBOT's masked_embed (timm has no such parameter)" },
  { name: 'layer-scale-names', value: '<names>', choices: ['timm', 'dino'], defaultText: 'timm', description: 'the names of layer scale: timm (ls1.gamma) or dino (gamma_1)' },
  { name: 'backend', value: '<name>', choices: BACKEND_CHOICES, defaultText: 'cpu: nothing is computed', description: 'the TensorFlow.js backend' },
] as const satisfies readonly FlagDeclaration[];

/** The flags of `selfsup schema`. */
export const SCHEMA_FLAGS = [
  { name: 'method', value: '<name>', choices: () => methodNames(), defaultText: 'any method, chosen by the "method" key', description: 'the schema of this method' },
  { name: 'out', short: 'o', value: '<file>', defaultText: 'standard output', description: 'the file to write' },
] as const satisfies readonly FlagDeclaration[];
