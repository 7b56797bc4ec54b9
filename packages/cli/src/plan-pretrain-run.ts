import { basename, dirname, join, resolve } from 'node:path';
import { latestCheckpoint } from '@selfsup/train/node';
import type { CliConfig } from './cli-config-schema.js';
import type { MethodDefinition } from './method-registry.js';
import { parseCliConfig } from './parse-cli-config.js';
import { checkNamedFiles } from './check-named-files.js';
import { loadConfigFile } from './load-config-file.js';
import { setKeyPath } from './apply-overrides.js';
import { checkResumeConfig, type ConfigDifference } from './check-resume-config.js';
import { findResumeCheckpoint, type FindResumeCheckpointOptions, type VerifiedCheckpoint } from './find-resume-checkpoint.js';
import { formatPretrainCommand } from './format-pretrain-command.js';
import { displayPath } from './cli-io.js';
import { usageError } from './usage-error.js';

/** What `selfsup pretrain` was asked, flags already parsed. */
export interface PretrainOptions {
  /** The config file (JSON or YAML). Optional when resuming: the checkpoint's configuration is used. */
  readonly config?: string;
  /** Continue the run of the output folder from its latest checkpoint (a fresh start when it holds none). */
  readonly resume?: boolean;
  /**
   * Continue the run from this checkpoint (e.g. an older one when the latest is damaged). The run
   * folder is the one above its `checkpoints/` folder, unless `run.outDir` is given as a flag.
   */
  readonly resumeFrom?: string;
  /** `[key.path, value]` overrides, applied in order before validation (`--out`, `--epochs`, `--set`, ...). */
  readonly overrides?: readonly (readonly [string, unknown])[];
  /**
   * `mpi`: this process is one rank of an `mpirun` job (`--distributed mpi`); each rank reads its
   * shard, rank 0 prints and writes. @defaultValue 'local' (one process)
   */
  readonly distributed?: 'local' | 'mpi';
}

/** A pretraining run checked before anything is created: its configuration, folder and starting point. */
export interface PretrainPlan {
  readonly method: MethodDefinition;
  /** The configuration of the run (every default filled in), as `config.yaml` and the checkpoints store it. */
  readonly config: CliConfig;
  readonly outDir: string;
  readonly checkpointDir: string;
  /** The verified checkpoint the run continues from; none for a fresh run. */
  readonly resumeFrom?: VerifiedCheckpoint;
  /** The latest checkpoint of the run folder when it was planned (to see that nobody wrote in it since). */
  readonly latest?: string;
  /** The keys a resume changes (all of them safe, see `RESUME_SAFE_KEYS`). */
  readonly changes: readonly ConfigDifference[];
  /** The command line, for the run lock and messages. */
  readonly command: string;
}

/** The run folder of a checkpoint in `<run>/checkpoints/`, else undefined. */
function runFolderOf(checkpoint: string): string | undefined {
  const folder = dirname(checkpoint);
  return basename(folder) === 'checkpoints' ? dirname(folder) : undefined;
}

/** The value of the last override of `key`, if any. */
function overrideOf(overrides: readonly (readonly [string, unknown])[], key: string): unknown {
  return overrides.findLast(([k]) => k === key)?.[1];
}

type Overrides = readonly (readonly [string, unknown])[];

/** What the flags say about the run folder and the resume, before any file is read. */
interface PlanRequest {
  /** The overrides as given on the command line. */
  readonly given: Overrides;
  /** The overrides to apply: `run.outDir` of `--resume-from`'s run folder first, when the flags name none. */
  readonly overrides: Overrides;
  /** `--resume-from`, resolved. */
  readonly explicit: string | undefined;
  /** `--resume` or `--resume-from`. */
  readonly resuming: boolean;
  /** The command line, for the run lock and messages. */
  readonly command: string;
  readonly show: (path: string) => string;
  /** How {@link findResumeCheckpoint} looks for the checkpoint to continue from in a checkpoints folder. */
  readonly finder: (checkpointDir: string) => FindResumeCheckpointOptions;
}

/** Reads the flags: `--resume-from` names the run folder too (unless `--out` does), and the commands messages suggest. */
function readPlanRequest(options: PretrainOptions, cwd: string): PlanRequest {
  const given = options.overrides ?? [];
  const explicit = options.resumeFrom === undefined ? undefined : resolve(cwd, options.resumeFrom);
  const outFlag = overrideOf(given, 'run.outDir');
  const derivedOut = explicit !== undefined && typeof outFlag !== 'string' ? runFolderOf(explicit) : undefined;
  if (explicit !== undefined && typeof outFlag !== 'string' && derivedOut === undefined && options.config === undefined) {
    throw usageError(
      `--resume-from ${options.resumeFrom}: the checkpoint is not in a run's checkpoints/ folder, so the run folder is unknown. Pass --out <run folder> too.`,
    );
  }
  const show = (path: string) => displayPath(path, cwd);
  const derived = derivedOut === undefined ? [] : [['run.outDir', show(derivedOut)] as const];
  return {
    given,
    overrides: [...derived, ...given],
    explicit,
    resuming: options.resume === true || explicit !== undefined,
    command: formatPretrainCommand({ config: options.config, resume: options.resume, resumeFrom: options.resumeFrom, overrides: given }),
    show,
    finder: (checkpointDir) => ({
      checkpointDir,
      explicit,
      show,
      continueFrom: (checkpoint: string) => formatPretrainCommand({ config: options.config, resumeFrom: checkpoint, overrides: given }),
      resumeLatest: formatPretrainCommand({ config: options.config, resume: true, overrides: [...derived, ...given] }),
    }),
  };
}

/** The run's raw configuration, overrides applied: the config file, or the one stored in the checkpoint to resume from. */
async function readRawConfig(
  options: PretrainOptions,
  request: PlanRequest,
  cwd: string,
): Promise<{ readonly raw: unknown; readonly source: string; readonly resumeFrom?: VerifiedCheckpoint }> {
  let raw: unknown;
  let source: string;
  let resumeFrom: VerifiedCheckpoint | undefined;
  if (options.config !== undefined) {
    raw = loadConfigFile(resolve(cwd, options.config));
    source = options.config;
  } else {
    const out = overrideOf(request.overrides, 'run.outDir');
    if (!request.resuming || typeof out !== 'string') {
      throw usageError(
        'selfsup pretrain: expected --config <file> (or, to continue a run with its own configuration, --resume --out <run folder> or --resume-from <checkpoint>).',
      );
    }
    resumeFrom = await findResumeCheckpoint(request.finder(join(resolve(cwd, out), 'checkpoints')));
    if (!resumeFrom) throw usageError(`selfsup pretrain --resume: ${out} holds no checkpoint to continue; pass --config <file> to start a run.`);
    raw = storedConfigOf(resumeFrom, request.show);
    source = `the configuration stored in ${request.show(resumeFrom.path)}`;
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    raw = structuredClone(raw);
    for (const [key, value] of request.overrides) setKeyPath(raw as Record<string, unknown>, key, value);
  }
  return { raw, source, ...(resumeFrom ? { resumeFrom } : {}) };
}

/**
 * Refuses a run folder the command may not use: `--resume-from` into a folder that holds a run of
 * its own, or a new run into a folder that holds one.
 */
async function checkRunFolder(options: PretrainOptions, request: PlanRequest, outDir: string, checkpointDir: string): Promise<void> {
  const { explicit, show } = request;
  if (explicit !== undefined && dirname(explicit) !== checkpointDir) {
    const own = await latestCheckpoint(checkpointDir);
    if (own) {
      throw usageError(
        `--resume-from ${options.resumeFrom}: the run folder ${show(outDir)} holds a run of its own (${show(own)}); ` +
          `continue it from one of its checkpoints, or pass an empty folder (--out <folder>) to continue ${options.resumeFrom} there.`,
      );
    }
  }
  if (!request.resuming) {
    const existing = await latestCheckpoint(checkpointDir);
    if (existing) {
      throw usageError(
        `selfsup pretrain: ${show(outDir)} already holds a run (${show(existing)}). ` + 'Pass --resume to continue it, or --out <folder> (run.outDir) to start a new one.',
        { outDir },
      );
    }
  }
}

/** The keys a resume changes; refuses another method, or a change outside `RESUME_SAFE_KEYS`. */
function checkResumeChanges(resumeFrom: VerifiedCheckpoint, method: MethodDefinition, config: CliConfig, show: (path: string) => string): ConfigDifference[] {
  const stored = parseCliConfig(storedConfigOf(resumeFrom, show), `the configuration stored in ${show(resumeFrom.path)}`);
  if (stored.method.name !== method.name) {
    throw usageError(
      `selfsup pretrain --resume: ${show(resumeFrom.path)} is a checkpoint of ${stored.method.title}, not ${method.title}. ` +
        'Resume with its configuration, or start a new run in another folder (--out <folder>).',
    );
  }
  refuseEndBeforeCheckpoint(resumeFrom, config, show);
  return checkResumeConfig(stored.config, config, show(resumeFrom.path));
}

/** Refuses `epochs` lowered below the epoch the checkpoint reached: the run would train nothing. */
function refuseEndBeforeCheckpoint(resumeFrom: VerifiedCheckpoint, config: CliConfig, show: (path: string) => string): void {
  const { step, iterationsPerEpoch } = resumeFrom.metadata;
  const epochs = config.epochs;
  if (typeof epochs !== 'number' || step <= epochs * iterationsPerEpoch) return;
  const needed = Math.ceil(step / iterationsPerEpoch);
  throw usageError(
    `selfsup pretrain --resume: ${show(resumeFrom.path)} is at step ${step} (${iterationsPerEpoch} steps an epoch), past the end of ${epochs} epoch(s). ` +
      `Resume with --epochs ${needed} or more, or start a new run in another folder (--out <folder>).`,
  );
}

/**
 * Plans `selfsup pretrain` without creating or computing anything: reads the configuration (the
 * file, or the one stored in the checkpoint to resume from), applies the flags, validates every key
 * and the method's rules between keys, checks that the files it names can be read, finds and
 * verifies the checkpoint to resume from, checks that a resume keeps the run's configuration (only
 * `RESUME_SAFE_KEYS` may change), and that a new run does not go into a folder that holds one.
 *
 * @throws SslError `INVALID_CONFIG` or usage `INVALID_ARGUMENT` (exit code 2) for what the user
 *   can fix in the command; `CHECKPOINT_CORRUPT` for a damaged checkpoint, with the way past it.
 */
export async function planPretrainRun(options: PretrainOptions, cwd: string): Promise<PretrainPlan> {
  const request = readPlanRequest(options, cwd);
  const read = await readRawConfig(options, request, cwd);
  const { method, config } = parseCliConfig(read.raw, read.source);
  await checkNamedFiles(method, config, cwd, read.source);
  const outDir = resolve(cwd, config.run.outDir ?? join('runs', method.name));
  const checkpointDir = join(outDir, 'checkpoints');
  let resumeFrom = read.resumeFrom;
  if (request.resuming && !resumeFrom) resumeFrom = await findResumeCheckpoint(request.finder(checkpointDir));
  await checkRunFolder(options, request, outDir, checkpointDir);
  const changes = resumeFrom ? checkResumeChanges(resumeFrom, method, config, request.show) : [];
  const latest = await latestCheckpoint(checkpointDir);
  return { method, config, outDir, checkpointDir, ...(resumeFrom ? { resumeFrom } : {}), ...(latest ? { latest } : {}), changes, command: request.command };
}

/** The configuration a checkpoint of `selfsup pretrain` stores. */
function storedConfigOf(checkpoint: VerifiedCheckpoint, show: (path: string) => string): unknown {
  if (checkpoint.metadata.config === undefined) {
    throw usageError(
      `${show(checkpoint.path)}: this checkpoint stores no configuration (it was not written by selfsup pretrain), so the command line cannot continue it. ` +
        'Resume it with train() of @selfsup/train.',
    );
  }
  return checkpoint.metadata.config;
}
