import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { isSslError } from '@selfsup/core';
import { BACKEND_NAMES } from '@selfsup/backend';
import { getMethod, methodNames } from './method-registry.js';
import { configJsonSchema } from './config-json-schema.js';
import { describeConfig } from './describe-config.js';
import { loadConfigFile } from './load-config-file.js';
import { parseSetFlag } from './apply-overrides.js';
import { runPretrain } from './pretrain-command.js';
import { RESUME_SAFE_KEYS } from './check-resume-config.js';
import { runEvalKnn, runEvalLinear } from './eval-command.js';
import { runExport } from './export-command.js';
import { displayPath, processIo, type CliIo } from './cli-io.js';
import { exitCodeOf, usageError } from './usage-error.js';
import { describeFileSystemError, fileSystemErrorOf } from './file-system-error.js';

const BACKENDS = ['auto', ...BACKEND_NAMES].join(', ');

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
  selfsup schema [--method <name>] [--out <file>]
                                               the JSON Schema of config files, for editors

Methods: ${'{methods}'}
Run \`selfsup <command> --help\` for a command's flags; \`selfsup pretrain --help\` lists every config key.
${EXIT_CODES}`;

/** `text` broken into lines of at most `width` characters at spaces, each line indented. */
function wrapWords(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${indent}${l}`).join('\n');
}

function pretrainHelp(methodName: string, width: number): string {
  const method = getMethod(methodName);
  return `Usage: selfsup pretrain --config <file.yaml|file.json> [flags]

Pretrains a backbone with the method the config names, evaluates k-NN on the held-out images, and
writes checkpoints, metrics.jsonl (one JSON line per step, and k-NN lines with "type": "knn"),
plot.png and config.yaml into the run folder. Ctrl-C finishes the step, saves and exits; --resume
continues exactly where it stopped. One run at a time writes a run folder: it holds a lock
(.selfsup.lock, with the owner's pid and host) while it runs; a second run is refused, a lock left by a
process that no longer runs is taken over.

Flags (they override the config file):
  --config <file>        the configuration (YAML or JSON; keys below)
  --resume               continue the run in the run folder from its latest checkpoint (without
                         --config, with --out: the configuration stored in the checkpoint); a
                         folder without checkpoints starts the run
  --resume-from <file>   continue the run from this checkpoint (e.g. an older one when the latest is
                         damaged); the run folder is the one above its checkpoints/ folder
  --out <folder>         run.outDir: the run folder
  --backend <name>       run.backend: ${BACKENDS}
  --threads <n>          run.threads
  --epochs <n>           epochs
  --steps <n>            run.maxStepsPerEpoch: cap the steps of each epoch (smoke runs)
  --set <key.path=value> any key, e.g. --set optimizer.learningRate=1e-3 (repeatable; YAML values)
  --method <name>        with --help: list the keys of that method (${methodNames().join(', ')})
  --verbose              print stack traces of errors

A resumed run keeps its configuration and seed: a flag or file that changes any other key than
these is refused, with the keys that differ (start a new run in another folder to change them):
${wrapWords(Object.keys(RESUME_SAFE_KEYS).join(', '), 98, '  ')}

${EXIT_CODES}
Keys of a config file for ${method.title} (method: ${method.name}): key, default, accepted values. Description.
${describeConfig(methodName, width)}
${
  method.presets && Object.keys(method.presets).length > 0
    ? `\nPresets of ${method.title} (examples/configs/ has them as files): ${Object.keys(method.presets).join(', ')}\n`
    : ''
}`;
}

const EVAL_HELP = `Usage: selfsup eval knn|linear --checkpoint <file> [flags]

Rebuilds the networks from the configuration stored in a checkpoint of selfsup pretrain, loads
them, and evaluates the teacher (or the student) on the run's data set: the training images are
the k-NN memory bank (or the linear probe's training set), the held-out images are classified.

Flags:
  --checkpoint <file>    a checkpoint written by selfsup pretrain (required)
  --which <backbone>     teacher (default when the method has one) or student
  --backend <name>       ${BACKENDS} (default: the run's)
  --threads <n>          threads of the backend
  --json                 print one JSON object instead of a sentence
  knn:    --k <n> (default the run's run.knnK, 20), --temperature <t> (default run.knnTemperature, 0.07)
  linear: --epochs <n> (default 100), --learning-rates <a,b,...> (default 0.001,0.01,0.1,1,10);
          features are the [CLS] tokens (mean patch tokens for MAE and BEiT) as DINO's
          eval_linear reads them, without L2 normalisation; the rate is chosen on a fifth of
          the training features held out for validation
`;

const EXPORT_HELP = `Usage: selfsup export --checkpoint <file> --out <backbone.safetensors> [flags]

Writes the backbone of a selfsup pretrain checkpoint as safetensors: float32 tensors under timm's
and DINO's names (cls_token, pos_embed, patch_embed.proj.weight, blocks.N...., norm.weight), no
"backbone." prefix, with __metadata__ describing the architecture (timm_model when a registered
timm model has it, timm_kwargs, img_size, patch_size, embed_dim, depth, num_heads, in_chans).

Flags:
  --checkpoint <file>        a checkpoint written by selfsup pretrain (required)
  --out <file>               the safetensors file to write (required); never the checkpoint
                             read nor a file in a run's checkpoints/ folder; written atomically
  --force                    replace --out when it exists
  --which <backbone>         teacher (default when the method has one) or student
  --keep-mask-token          keep iBOT's masked_embed (timm has no such parameter)
  --layer-scale-names <n>    timm (ls1.gamma, default) or dino (gamma_1), for layer scale
  --backend <name>           ${BACKENDS} (default cpu: nothing is computed)
`;

const SCHEMA_HELP = `Usage: selfsup schema [--method <name>] [--out <file>]

Prints (or writes) the JSON Schema of config files, for editors: put
  # yaml-language-server: $schema=<path to the file>
at the top of a YAML config, or "$schema": "<path>" in a JSON one. Without --method, the schema
accepts any registered method (${'{methods}'}), chosen by the "method" key.
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: Options, command: string, allowPositionals = false): { values: FlagValues; positionals: string[] } {
  try {
    const all: Options = { ...options, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } };
    const { values, positionals } = parseArgs({ args, options: all, strict: true, allowPositionals });
    return { values: values as FlagValues, positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\.? To specify a positional argument.*$/s, '').replace(/\.?$/, '.');
    throw usageError(`selfsup ${command}: ${message} Run \`selfsup ${command} --help\` for the flags.`);
  }
}

/** A flag's value read as YAML (`3` is a number, `true` a boolean); validated with the config later. */
function flagValue(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

function numberFlag(name: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && (!Number.isInteger(value) || value < 1)) || (!integer && value <= 0)) {
    throw usageError(`--${name}: expected ${integer ? 'a positive integer' : 'a positive number'}, got ${JSON.stringify(text)}.`);
  }
  return value;
}

function hasVerbose(argv: readonly string[]): boolean {
  return argv.includes('--verbose');
}

async function pretrainCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      config: { type: 'string', short: 'c' },
      resume: { type: 'boolean' },
      'resume-from': { type: 'string' },
      out: { type: 'string', short: 'o' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      set: { type: 'string', multiple: true },
      method: { type: 'string' },
    },
    'pretrain',
  );
  if (values.help) {
    let methodName = values.method as string | undefined;
    if (methodName === undefined && typeof values.config === 'string') {
      const raw = loadConfigFile(resolve(io.cwd ?? process.cwd(), values.config)) as { method?: unknown } | null;
      if (raw && typeof raw.method === 'string') methodName = raw.method;
    }
    io.stdout.write(`${pretrainHelp(methodName ?? 'ibot', Math.max(100, io.stderr.columns ?? 120))}\n`);
    return 0;
  }
  const overrides: [string, unknown][] = [];
  if (values.out !== undefined) overrides.push(['run.outDir', values.out]);
  if (values.backend !== undefined) overrides.push(['run.backend', values.backend]);
  if (values.threads !== undefined) overrides.push(['run.threads', flagValue(values.threads as string)]);
  if (values.epochs !== undefined) overrides.push(['epochs', flagValue(values.epochs as string)]);
  if (values.steps !== undefined) overrides.push(['run.maxStepsPerEpoch', flagValue(values.steps as string)]);
  for (const text of (values.set as string[] | undefined) ?? []) {
    const { keyPath, value } = parseSetFlag(text);
    overrides.push([keyPath, value]);
  }
  const resumeFrom = values['resume-from'] as string | undefined;
  if (resumeFrom !== undefined && values.resume === true) {
    throw usageError('selfsup pretrain: pass --resume (from the latest checkpoint) or --resume-from <checkpoint>, not both.');
  }
  const result = await runPretrain(
    {
      ...(values.config !== undefined ? { config: values.config as string } : {}),
      resume: values.resume === true,
      ...(resumeFrom !== undefined ? { resumeFrom } : {}),
      overrides,
    },
    io,
  );
  return result.status === 'interrupted' ? 130 : 0;
}

async function evalCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      checkpoint: { type: 'string' },
      which: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      k: { type: 'string' },
      temperature: { type: 'string' },
      epochs: { type: 'string' },
      'learning-rates': { type: 'string' },
    },
    'eval',
    true,
  );
  if (values.help) {
    io.stdout.write(EVAL_HELP);
    return 0;
  }
  const protocol = positionals[0];
  if (positionals.length !== 1 || (protocol !== 'knn' && protocol !== 'linear')) {
    throw usageError(`selfsup eval: expected knn or linear, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}. Run \`selfsup eval --help\`.`);
  }
  if (typeof values.checkpoint !== 'string') throw usageError(`selfsup eval ${protocol}: expected --checkpoint <file>.`);
  if (values.backend !== undefined && !['auto', ...BACKEND_NAMES].includes(values.backend as string)) {
    throw usageError(`--backend: expected one of ${BACKENDS}, got ${JSON.stringify(values.backend)}.`);
  }
  const threads = numberFlag('threads', values.threads as string | undefined, true);
  const common = {
    checkpoint: values.checkpoint,
    ...(values.which !== undefined ? { which: values.which as string } : {}),
    ...(values.backend !== undefined ? { backend: values.backend as string } : {}),
    ...(threads !== undefined ? { threads } : {}),
    json: values.json === true,
  };
  if (protocol === 'knn') {
    if (values.epochs !== undefined || values['learning-rates'] !== undefined) throw usageError('selfsup eval knn: --epochs and --learning-rates are flags of eval linear.');
    const k = numberFlag('k', values.k as string | undefined, true);
    const temperature = numberFlag('temperature', values.temperature as string | undefined, false);
    await runEvalKnn({ ...common, ...(k !== undefined ? { k } : {}), ...(temperature !== undefined ? { temperature } : {}) }, io);
  } else {
    if (values.k !== undefined || values.temperature !== undefined) throw usageError('selfsup eval linear: --k and --temperature are flags of eval knn.');
    const epochs = numberFlag('epochs', values.epochs as string | undefined, true);
    const rates = values['learning-rates'] as string | undefined;
    const learningRates = rates?.split(',').map((r) => numberFlag('learning-rates', r, false)!);
    await runEvalLinear({ ...common, ...(epochs !== undefined ? { epochs } : {}), ...(learningRates ? { learningRates } : {}) }, io);
  }
  return 0;
}

async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      checkpoint: { type: 'string' },
      out: { type: 'string', short: 'o' },
      which: { type: 'string' },
      'keep-mask-token': { type: 'boolean' },
      'layer-scale-names': { type: 'string' },
      backend: { type: 'string' },
      force: { type: 'boolean' },
    },
    'export',
  );
  if (values.help) {
    io.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (typeof values.checkpoint !== 'string') throw usageError('selfsup export: expected --checkpoint <file>.');
  if (typeof values.out !== 'string') throw usageError('selfsup export: expected --out <file.safetensors>.');
  const names = values['layer-scale-names'];
  if (names !== undefined && names !== 'timm' && names !== 'dino') {
    throw usageError(`--layer-scale-names: expected timm or dino, got ${JSON.stringify(names)}.`);
  }
  await runExport(
    {
      checkpoint: values.checkpoint,
      out: values.out,
      ...(values.which !== undefined ? { which: values.which as string } : {}),
      keepMaskToken: values['keep-mask-token'] === true,
      ...(names !== undefined ? { layerScaleNames: names as 'timm' | 'dino' } : {}),
      ...(values.backend !== undefined ? { backend: values.backend as string } : {}),
      force: values.force === true,
    },
    io,
  );
  return 0;
}

function schemaCommand(args: string[], io: CliIo): number {
  const { values } = parse(args, { method: { type: 'string' }, out: { type: 'string', short: 'o' } }, 'schema');
  if (values.help) {
    io.stdout.write(SCHEMA_HELP.replace('{methods}', methodNames().join(', ')));
    return 0;
  }
  if (values.method !== undefined) getMethod(values.method);
  const text = `${JSON.stringify(configJsonSchema(values.method as string | undefined), null, 2)}\n`;
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
      default:
        throw usageError(`selfsup: unknown command ${JSON.stringify(command)}; expected pretrain, eval, export or schema. Run \`selfsup --help\`.`);
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
