import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isSslError } from '@selfsup/core';
import { getMethod, methodNames } from './method-registry.js';
import { configJsonSchema } from './config-json-schema.js';
import { configKeys, describeConfig } from './describe-config.js';
import { checkFlags, configOverrides, describeFlags, parseFlags, wrapWords } from './cli-flags.js';
import { EVAL_FLAGS, EXPORT_FLAGS, PRETRAIN_FLAGS, SCHEMA_FLAGS } from './command-flags.js';
import { loadConfigFile } from './load-config-file.js';
import { parseSetFlag } from './apply-overrides.js';
import { runPretrain } from './pretrain-command.js';
import { RESUME_SAFE_KEYS } from './check-resume-config.js';
import { runEvalKnn, runEvalLinear } from './eval-command.js';
import { runExport } from './export-command.js';
import { visualizeCommand } from './visualize-command.js';
import { displayPath, processIo, type CliIo } from './cli-io.js';
import { exitCodeOf, usageError } from './usage-error.js';
import { describeFileSystemError, fileSystemErrorOf } from './file-system-error.js';

const EXIT_CODES = `Exit codes:
  0    done
  1    the run failed while working (a damaged checkpoint, a full disk, a diverged loss, ...);
       the message names the file or the cause and what to do
  2    bad input: a wrong flag, an invalid configuration (every key and rule is checked before
       anything is created or computed), a refused --resume, a run folder locked by another run;
       nothing was written
  130  interrupted by Ctrl-C (or SIGTERM): the step finished and a checkpoint was saved;
       continue with --resume
`;

const GENERAL_HELP = `selfsup: self-supervised pretraining of Vision Transformers on TensorFlow.js

Usage:
  selfsup pretrain --config <file> [flags]     pretrain a backbone (iBOT, ...) and evaluate it with k-NN
  selfsup eval knn --checkpoint <file>         k-NN accuracy of a checkpoint's teacher or student
  selfsup eval linear --checkpoint <file>      linear-probe accuracy (learning-rate sweep)
  selfsup export --checkpoint <file> --out <file.safetensors>
                                               the backbone as safetensors with timm/PyTorch names
  selfsup visualize --checkpoint <file|folder> attention maps, PCA colours of patch features and
                                               MAE reconstructions as PNG files
  selfsup schema [--method <name>] [--out <file>]
                                               the JSON Schema of config files, for editors

Methods: ${'{methods}'}
Run \`selfsup <command> --help\` for a command's flags; \`selfsup pretrain --help\` lists every config key.
${EXIT_CODES}`;

function pretrainHelp(methodName: string, width: number): string {
  const method = getMethod(methodName);
  return `Usage: selfsup pretrain --config <file.yaml|file.json> [flags]

Pretrains a backbone with the method the config names, evaluates k-NN on the held-out images, and
writes checkpoints, metrics.jsonl (one JSON line per step, and k-NN lines with "type": "knn"),
plot.png, plot.svg and config.yaml into the run folder. Ctrl-C finishes the step, saves and exits;
--resume continues exactly where it stopped. One run at a time writes a run folder: it holds a lock
(.selfsup.lock, with the owner's pid and host) while it runs; a second run is refused, a lock left by a
process that no longer runs is taken over.

Flags (they override the config file):
${describeFlags(PRETRAIN_FLAGS, { keys: configKeys(methodName) })}

A resumed run keeps its configuration and seed: a flag or file that changes any other key than
these is refused, with the keys that differ (start a new run in another folder to change them):
${wrapWords(Object.keys(RESUME_SAFE_KEYS).join(', '), 98, '  ', '  ')}

${EXIT_CODES}
Keys of a config file for ${method.title} (method: ${method.name}): key, default, accepted values. Description.
${describeConfig(methodName, width)}
${
  method.presets && Object.keys(method.presets).length > 0
    ? `\nPresets of ${method.title} (examples/configs/ has them as files): ${Object.keys(method.presets).join(', ')}\n`
    : ''
}`;
}

function evalHelp(): string {
  return `Usage: selfsup eval knn|linear --checkpoint <file> [flags]

Rebuilds the networks from the configuration stored in a checkpoint of selfsup pretrain, loads
them, and evaluates the teacher (or the student) on the run's data set: the training images are
the k-NN memory bank (or the linear probe's training set), the held-out images (data.heldOut) are
classified. With --split test, the whole training split is fitted on and the test split classified:
the one final figure of a recipe chosen on images held out of the training set.
The linear probe reads the [CLS] tokens (mean patch tokens for MAE and BEiT) as DINO's eval_linear
does, without L2 normalisation; the rate is chosen on a fifth of the training features held out
for validation.

Flags:
${describeFlags(EVAL_FLAGS)}
`;
}

const exportHelp = (): string => `Usage: selfsup export --checkpoint <file> --out <backbone.safetensors> [flags]

Writes the backbone of a selfsup pretrain checkpoint as safetensors: float32 tensors under timm's
and DINO's names (cls_token, pos_embed, patch_embed.proj.weight, blocks.N...., norm.weight), no
"backbone." prefix, with __metadata__ describing the architecture (timm_model when a registered
timm model has it, timm_kwargs, img_size, patch_size, embed_dim, depth, num_heads, in_chans).

Flags:
${describeFlags(EXPORT_FLAGS)}
`;

const schemaHelp = (): string => `Usage: selfsup schema [--method <name>] [--out <file>]

Prints (or writes) the JSON Schema of config files, for editors: put
  # yaml-language-server: $schema=<path to the file>
at the top of a YAML config, or "$schema": "<path>" in a JSON one. Without --method, the schema
accepts any registered method (${'{methods}'}), chosen by the "method" key.

Flags:
${describeFlags(SCHEMA_FLAGS)}
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function hasVerbose(argv: readonly string[]): boolean {
  return argv.includes('--verbose');
}

async function pretrainCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, PRETRAIN_FLAGS, 'pretrain');
  if (values.help) {
    let methodName = values.method;
    if (methodName === undefined && values.config !== undefined) {
      const raw = loadConfigFile(resolve(io.cwd ?? process.cwd(), values.config)) as { method?: unknown } | null;
      if (raw && typeof raw.method === 'string') methodName = raw.method;
    }
    io.stdout.write(`${pretrainHelp(methodName ?? 'ibot', Math.max(100, io.stderr.columns ?? 120))}\n`);
    return 0;
  }
  const overrides = configOverrides(values, PRETRAIN_FLAGS);
  for (const text of values.set ?? []) {
    const { keyPath, value } = parseSetFlag(text);
    overrides.push([keyPath, value]);
  }
  const resumeFrom = values['resume-from'];
  if (resumeFrom !== undefined && values.resume === true) {
    throw usageError('selfsup pretrain: pass --resume (from the latest checkpoint) or --resume-from <checkpoint>, not both.');
  }
  const result = await runPretrain(
    {
      ...(values.config !== undefined ? { config: values.config } : {}),
      resume: values.resume === true,
      ...(resumeFrom !== undefined ? { resumeFrom } : {}),
      ...(values.distributed !== undefined ? { distributed: values.distributed as 'local' | 'mpi' } : {}),
      overrides,
    },
    io,
  );
  return result.status === 'interrupted' ? 130 : 0;
}

async function evalCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, EVAL_FLAGS, 'eval', { positionals: true });
  if (values.help) {
    io.stdout.write(evalHelp());
    return 0;
  }
  const protocol = positionals[0];
  if (positionals.length !== 1 || (protocol !== 'knn' && protocol !== 'linear')) {
    throw usageError(`selfsup eval: expected knn or linear, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}. Run \`selfsup eval --help\`.`);
  }
  checkFlags(values, EVAL_FLAGS, `eval ${protocol}`, protocol);
  const common = {
    checkpoint: values.checkpoint!,
    ...(values.which !== undefined ? { which: values.which } : {}),
    ...(values.backend !== undefined ? { backend: values.backend } : {}),
    ...(values.threads !== undefined ? { threads: values.threads } : {}),
    json: values.json === true,
    ...(values.split !== undefined ? { split: values.split as 'held-out' | 'test' } : {}),
  };
  if (protocol === 'knn') {
    await runEvalKnn({ ...common, ...(values.k !== undefined ? { k: values.k } : {}), ...(values.temperature !== undefined ? { temperature: values.temperature } : {}) }, io);
  } else {
    const learningRates = values['learning-rates'];
    await runEvalLinear({ ...common, ...(values.epochs !== undefined ? { epochs: values.epochs } : {}), ...(learningRates ? { learningRates } : {}) }, io);
  }
  return 0;
}

async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, EXPORT_FLAGS, 'export');
  if (values.help) {
    io.stdout.write(exportHelp());
    return 0;
  }
  checkFlags(values, EXPORT_FLAGS, 'export');
  const names = values['layer-scale-names'];
  await runExport(
    {
      checkpoint: values.checkpoint!,
      out: values.out!,
      ...(values.which !== undefined ? { which: values.which } : {}),
      keepMaskToken: values['keep-mask-token'] === true,
      ...(names !== undefined ? { layerScaleNames: names as 'timm' | 'dino' } : {}),
      ...(values.backend !== undefined ? { backend: values.backend } : {}),
      force: values.force === true,
    },
    io,
  );
  return 0;
}

function schemaCommand(args: string[], io: CliIo): number {
  const { values } = parseFlags(args, SCHEMA_FLAGS, 'schema');
  if (values.help) {
    io.stdout.write(schemaHelp().replace('{methods}', methodNames().join(', ')));
    return 0;
  }
  const text = `${JSON.stringify(configJsonSchema(values.method), null, 2)}\n`;
  if (typeof values.out === 'string') {
    const cwd = io.cwd ?? process.cwd();
    const path = resolve(cwd, values.out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    io.stdout.write(`wrote ${displayPath(path, cwd)}\n`);
  } else {
    io.stdout.write(text);
  }
  return 0;
}

/**
 * The `selfsup` command line, callable in-process: runs one command and resolves to its exit
 * code (0 done, 1 failed while working, 2 wrong usage, invalid configuration, refused resume or a
 * run folder locked by another run, 130 interrupted after saving). Every failure is one message on
 * stderr (the `SslError` message; a file-system error as one line naming the path, the cause and
 * what to do), with the stack only under `--verbose`.
 *
 * @param argv - the arguments after the program name (`['pretrain', '--config', 'smoke.yaml']`).
 * @param io - where to write; the process's streams by default.
 * @example
 * ```ts
 * const code = await main(['pretrain', '--config', 'examples/configs/smoke.yaml', '--backend', 'cpu']);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(GENERAL_HELP.replace('{methods}', methodNames().map((n) => `${n} (${getMethod(n).title})`).join(', ')));
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        io.stdout.write(`${version()}\n`);
        return 0;
      case 'pretrain':
        return await pretrainCommand(rest, io);
      case 'eval':
        return await evalCommand(rest, io);
      case 'export':
        return await exportCommand(rest, io);
      case 'schema':
        return schemaCommand(rest, io);
      case 'visualize':
        return await visualizeCommand(rest, io);
      default:
        throw usageError(`selfsup: unknown command ${JSON.stringify(command)}; expected pretrain, eval, export, visualize or schema. Run \`selfsup --help\`.`);
    }
  } catch (error) {
    const fileSystemError = isSslError(error) ? undefined : fileSystemErrorOf(error);
    if (fileSystemError) {
      const cwd = io.cwd ?? process.cwd();
      io.stderr.write(`error (${fileSystemError.code}): ${describeFileSystemError(fileSystemError, (path) => displayPath(path, cwd))}\n`);
      if (hasVerbose(argv) && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
      return 1;
    }
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    const prefix = isSslError(error) ? `error (${error.code})` : 'error';
    io.stderr.write(`${prefix}: ${message}\n`);
    if (hasVerbose(argv) && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    else if (!isSslError(error)) io.stderr.write('(an unexpected error: run again with --verbose for the stack trace, and report it)\n');
    return code;
  }
}
