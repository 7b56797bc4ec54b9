import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RUN_LOCK_FILE } from '@selfsup/train/node';
import { readRunMetrics } from './run-metrics.js';
import { run, temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The tiny configuration without k-NN and plot (fast), writing into `outDir`. */
function quickConfig(outDir: string, run: Record<string, unknown> = {}): Record<string, unknown> {
  const tiny = tinyConfig(outDir);
  return { ...tiny, data: { heldOut: 'none' }, run: { ...(tiny.run as object), plot: false, ...run } };
}

/** Flips one byte near the end of a file (in the tensor data, which the checksums cover). */
function damage(path: string): void {
  const bytes = readFileSync(path);
  const at = bytes.length - 3;
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
  writeFileSync(path, bytes);
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `selfsup <args>` as a separate process (the real program), from the repository root. */
function startSelfsup(args: string[]): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), ...args], {
    cwd: root,
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitFor(condition: () => boolean, what: string, output: () => string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; the process wrote:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('selfsup pretrain checks everything before it writes', () => {
  const folder = temporaryFolder('pretrain');

  it('refuses crop sizes that are not multiples of the patch size with exit 2, before creating the folder or computing k-NN', async () => {
    const outDir = join(folder, 'crops');
    const path = writeConfig(folder, 'crops.yaml', { ...tinyConfig(outDir), run: { ...(tinyConfig(outDir).run as object), knnBeforeTraining: true } });
    const result = await run(['pretrain', '--config', path, '--set', 'augmentation.localSize=10'], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error \(INVALID_CONFIG\): .*crops\.yaml is invalid:\n {2}- augmentation\.localSize: expected a multiple of backbone\.patchSize \(7\), e\.g\. 7 or 14, got 10\n$/);
    expect(result.err).not.toMatch(/k-NN/);
    expect(existsSync(outDir)).toBe(false);
  });

  it("refuses a tokenizer weights file that is not there with exit 2, naming the key and where it looked, before anything starts", async () => {
    const outDir = join(folder, 'weights');
    const config = {
      method: 'beit',
      epochs: 1,
      batchSize: 4,
      backbone: { imageSize: 28, patchSize: 7, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
      tokenizer: { kind: 'teacher', weights: 'missing-teacher.safetensors', backbone: { imageSize: 28, patchSize: 7, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 } },
      run: { outDir, backend: 'cpu' },
    };
    const result = await run(['pretrain', '--config', writeConfig(folder, 'weights.yaml', config)], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error \(INVALID_CONFIG\): .*weights\.yaml is invalid:\n {2}- tokenizer\.weights: expected a file that can be read \(looked for at .*missing-teacher\.safetensors: no such file\), got "missing-teacher\.safetensors"\n$/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('refuses a YAML alias bomb as an invalid configuration (exit 2), not an internal error', async () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 7; i++) lines.push(`a${i}: &a${i} [${new Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const path = join(folder, 'bomb.yaml');
    writeFileSync(path, `${lines.join('\n')}\nmethod: ibot\n`);
    const result = await run(['pretrain', '--config', path], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error \(INVALID_CONFIG\): .*bomb\.yaml: its YAML aliases \(\*name\) expand to too many values/);
    expect(result.err).not.toMatch(/unexpected error/);
    expect(result.err.trim().split('\n')).toHaveLength(1);
  });

  it('--resume keeps the seed: --set seed=5 is refused (exit 2) without touching config.yaml or the checkpoints', async () => {
    const outDir = join(folder, 'seed');
    const path = writeConfig(folder, 'seed.yaml', quickConfig(outDir));
    expect((await run(['pretrain', '--config', path, '--steps', '2'], folder)).code).toBe(0);
    const config = readFileSync(join(outDir, 'config.yaml'));
    const files = readdirSync(join(outDir, 'checkpoints'));
    for (const args of [['--config', path], ['--out', outDir]]) {
      const refused = await run(['pretrain', ...args, '--resume', '--steps', '2', '--epochs', '2', '--set', 'seed=5'], folder);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/^error \(INVALID_CONFIG\): selfsup pretrain --resume: the configuration differs from the one the run was started with \(stored in .*step-2\.safetensors\)/);
      expect(refused.err).toMatch(/\n {2}- seed: 0 in the run, 5 now\n/);
      expect(refused.err).toMatch(/A resume may change only: epochs, run\.outDir/);
      expect(readFileSync(join(outDir, 'config.yaml')).equals(config)).toBe(true);
      expect(readdirSync(join(outDir, 'checkpoints'))).toEqual(files);
    }
  });

  it('a refused --resume lists every changed key and leaves config.yaml as it was; safe keys (epochs, run.*) are applied', async () => {
    const outDir = join(folder, 'changed');
    const path = writeConfig(folder, 'changed.yaml', quickConfig(outDir));
    expect((await run(['pretrain', '--config', path, '--steps', '2'], folder)).code).toBe(0);
    const config = readFileSync(join(outDir, 'config.yaml'), 'utf8');
    const changed = writeConfig(folder, 'changed-2.yaml', { ...quickConfig(outDir), epochs: 2, batchSize: 4, optimizer: { warmupEpochs: 0, learningRate: 0.001 } });
    const refused = await run(['pretrain', '--config', changed, '--resume', '--steps', '2', '--set', 'run.knnK=5'], folder);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/\n {2}- batchSize: 8 in the run, 4 now\n {2}- optimizer\.learningRate: 0\.0005 in the run, 0\.001 now\n/);
    expect(refused.err).not.toMatch(/- epochs|- run\.knnK/);
    expect(readFileSync(join(outDir, 'config.yaml'), 'utf8')).toBe(config);

    const accepted = await run(['pretrain', '--config', path, '--resume', '--steps', '2', '--epochs', '2', '--set', 'run.knnK=5'], folder);
    expect(accepted.code, accepted.err).toBe(0);
    const changes = /changed on resume: (.*)\n/.exec(accepted.err)?.[1]?.split(', ');
    expect(changes?.sort()).toEqual(['epochs 1 -> 2', 'run.knnK 20 -> 5']);
    expect(readFileSync(join(outDir, 'config.yaml'), 'utf8')).toMatch(/^epochs: 2$/m);
  });
});

describe('selfsup pretrain resumes exactly', () => {
  const folder = temporaryFolder('exact');

  it('--resume-from a checkpoint into an empty folder repeats the losses of the uninterrupted run bit for bit', async () => {
    const outDir = join(folder, 'run');
    const path = writeConfig(folder, 'run.yaml', { ...quickConfig(outDir, { checkpointEverySteps: 2 }), epochs: 2, seed: 3 });
    expect((await run(['pretrain', '--config', path, '--steps', '2'], folder)).code).toBe(0);
    const whole = readRunMetrics(join(outDir, 'metrics.jsonl')).steps;
    expect(whole.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
    const fork = join(folder, 'fork');
    const resumed = await run(['pretrain', '--config', path, '--steps', '2', '--resume-from', join(outDir, 'checkpoints', 'step-2.safetensors'), '--out', fork], folder);
    expect(resumed.code, resumed.err).toBe(0);
    const continued = readRunMetrics(join(fork, 'metrics.jsonl')).steps;
    expect(continued.map((s) => s.iteration)).toEqual([2, 3]);
    expect(continued.map((s) => s.loss)).toEqual(whole.slice(2).map((s) => s.loss));

    // the fork now holds a run of its own: continuing another run's checkpoint there is refused
    const again = await run(['pretrain', '--config', path, '--steps', '2', '--resume-from', join(outDir, 'checkpoints', 'step-2.safetensors'), '--out', fork], folder);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/the run folder fork holds a run of its own \(fork\/checkpoints\/step-4\.safetensors\)/);
  });
});

describe('selfsup pretrain past a damaged latest checkpoint', () => {
  const folder = temporaryFolder('damaged');

  it('names the other checkpoints and the exact command to continue from one; that command works, and so does deleting the file', async () => {
    const outDir = join(folder, 'run');
    const path = writeConfig(folder, 'run.yaml', quickConfig(outDir, { checkpointEverySteps: 2 }));
    expect((await run(['pretrain', '--config', path, '--steps', '4'], folder)).code).toBe(0);
    const latest = join(outDir, 'checkpoints', 'step-4.safetensors');
    damage(latest);

    const withConfig = await run(['pretrain', '--config', path, '--steps', '4', '--epochs', '2', '--resume'], folder);
    expect(withConfig.code).toBe(1);
    expect(withConfig.err).toMatch(/^error \(CHECKPOINT_CORRUPT\): .*step-4\.safetensors: /);
    expect(withConfig.err).toMatch(/The run's other checkpoints: run\/checkpoints\/step-2\.safetensors \(step 2, verified\)\./);
    const command = /Continue from step 2 with: (selfsup pretrain [^\n]*?) -- or delete run\/checkpoints\/step-4\.safetensors and run (selfsup pretrain [^\n]*?) again/.exec(withConfig.err);
    expect(command, withConfig.err).not.toBeNull();
    expect(command![1]).toBe(`selfsup pretrain --config ${path} --resume-from run/checkpoints/step-2.safetensors --epochs 2 --steps 4`);
    expect(command![2]).toBe(`selfsup pretrain --config ${path} --resume --epochs 2 --steps 4`);

    const withoutConfig = await run(['pretrain', '--resume', '--out', outDir], folder);
    expect(withoutConfig.code).toBe(1);
    expect(withoutConfig.err).toContain(`Continue from step 2 with: selfsup pretrain --resume-from run/checkpoints/step-2.safetensors --out ${outDir} --`);

    const continued = await run(command![1]!.split(' ').slice(1), folder);
    expect(continued.code, continued.err).toBe(0);
    expect(continued.out).toMatch(/^done: step 8\/8 \(epoch 2\/2\).*resumed from run\/checkpoints\/step-2\.safetensors/);
    expect(readRunMetrics(join(outDir, 'metrics.jsonl')).steps.map((s) => s.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    damage(join(outDir, 'checkpoints', 'step-8.safetensors'));
    rmSync(join(outDir, 'checkpoints', 'step-8.safetensors'));
    const afterDelete = await run(['pretrain', '--resume', '--out', outDir, '--epochs', '3'], folder);
    expect(afterDelete.code, afterDelete.err).toBe(0);
    expect(afterDelete.out).toMatch(/resumed from run\/checkpoints\/step-6\.safetensors/);
  });
});

describe('one run at a time writes a run folder', () => {
  const folder = temporaryFolder('lock');

  it('refuses a second pretrain into a folder a live run holds (exit 2, naming the owner) without writing in it', async () => {
    const outDir = join(folder, 'busy');
    const path = writeConfig(folder, 'busy.yaml', quickConfig(outDir, { progress: 'lines' }));
    const first = startSelfsup(['pretrain', '--config', path, '--epochs', '50']);
    await waitFor(() => existsSync(join(outDir, 'metrics.jsonl')), 'the first run to start training', first.output);
    const config = readFileSync(join(outDir, 'config.yaml'));
    for (const args of [['--config', path], ['--config', path, '--resume'], ['--resume', '--out', outDir]]) {
      const second = await run(['pretrain', ...args], folder);
      if (args.includes('--out')) {
        // without --config, --resume needs a checkpoint: the first run has written none yet
        expect(second.code).toBe(2);
        continue;
      }
      expect(second.code, second.err).toBe(2);
      expect(second.err).toMatch(new RegExp(`^error \\(RUN_LOCKED\\): The run folder .*busy is in use by process ${first.child.pid} on this host`));
      expect(second.err).toMatch(/selfsup pretrain --config .*busy\.yaml --epochs 50/);
      expect(readFileSync(join(outDir, 'config.yaml')).equals(config)).toBe(true);
    }
    first.child.kill('SIGINT');
    expect(await first.exited, first.output()).toBe(130);
    expect(existsSync(join(outDir, RUN_LOCK_FILE))).toBe(false);
  });

  it('takes over, in one line, the lock of a run that was killed', async () => {
    const outDir = join(folder, 'stale');
    const path = writeConfig(folder, 'stale.yaml', quickConfig(outDir, { progress: 'none' }));
    const killed = startSelfsup(['pretrain', '--config', path, '--epochs', '50']);
    await waitFor(() => existsSync(join(outDir, RUN_LOCK_FILE)), 'the first run to lock its folder', killed.output);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(outDir, RUN_LOCK_FILE))).toBe(true);
    const next = await run(['pretrain', '--config', path, '--steps', '2', '--resume'], folder);
    expect(next.code, next.err).toBe(0);
    expect(next.err).toMatch(new RegExp(`(^|\\n)note: took over the lock of stale/?.*, left by process ${killed.child.pid} on .*, which no longer runs\\n`));
    expect(existsSync(join(outDir, RUN_LOCK_FILE))).toBe(false);
  });
});

/**
 * Mounts a tmpfs of `size` (a small full disk) for `use`, unmounted afterwards; skips the test,
 * saying why, where this process cannot mount one (not root, no mount permission in a container).
 */
async function withSmallDisk(context: TestContext, size: string, use: (mount: string) => Promise<void>): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    context.skip(`a full disk needs a tmpfs mount: this process is not root on Linux (platform ${process.platform}, uid ${process.getuid?.()})`);
  }
  const mount = mkdtempSync(join(tmpdir(), 'selfsup-cli-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmdirSync(mount);
    context.skip(`mount -t tmpfs failed (${(mounted.stderr || String(mounted.error)).trim()}): a full disk cannot be simulated here`);
  }
  try {
    await use(mount);
  } finally {
    spawnSync('umount', [mount]);
    rmdirSync(mount);
  }
}

/** Temporary files (atomic writes, lock files in the making) left anywhere under `dir`. */
function temporaryFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /\.tmp-/.test(name));
}

/** The `error ...` lines of a command's stderr. */
function errorLines(err: string): string[] {
  return err.split('\n').filter((line) => /^error|unexpected error/.test(line));
}

describe('selfsup pretrain on a full disk', () => {
  const folder = temporaryFolder('full');

  it('a disk too full for config.yaml: exit 1, one line naming config.yaml and ENOSPC, no empty config.yaml', async (context) => {
    await withSmallDisk(context, '4k', async (mount) => {
      const path = writeConfig(folder, 'full.yaml', quickConfig(join(mount, 'run')));
      const result = await run(['pretrain', '--config', path, '--steps', '2'], folder);
      expect(result.code).toBe(1);
      expect(errorLines(result.err)).toEqual([
        `error (ENOSPC): ${join(mount, 'run', 'config.yaml')}: no space left on the device (ENOSPC, write). ` +
          'Free some space on that disk, or write elsewhere (--out <folder>); a run continues from its last checkpoint with --resume.',
      ]);
      expect(existsSync(join(mount, 'run', 'config.yaml'))).toBe(false);
      expect(temporaryFilesIn(mount)).toEqual([]);
    });
  });

  it('a disk that fills up during the run: exit 1, one line naming the run folder and ENOSPC; config.yaml is whole', async (context) => {
    await withSmallDisk(context, '64k', async (mount) => {
      const outDir = join(mount, 'run');
      const path = writeConfig(folder, 'fills.yaml', quickConfig(outDir));
      const result = await run(['pretrain', '--config', path, '--steps', '2'], folder);
      expect(result.code).toBe(1);
      const lines = errorLines(result.err);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error \\(ENOSPC\\): (a file in )?${outDir}(/[^:]+)?: no space left on the device \\(ENOSPC, [a-z]+\\)\\. Free some space`));
      expect(parseYaml(readFileSync(join(outDir, 'config.yaml'), 'utf8'))).toMatchObject({ method: 'ibot', batchSize: 8 });
      expect(temporaryFilesIn(mount)).toEqual([]);
    });
  });
});
