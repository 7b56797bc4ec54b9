// Issue 18's speed comparison, side by side on one machine: the official iBOT code (bytedance/ibot's
// own modules in PyTorch, official-ibot-speed.py) against `selfsup pretrain` on the native backend
// (selfsup-pretrain-steps.ts), both on the reference configuration
// (examples/configs/ibot-fashion-mnist.yaml) with real Fashion-MNIST batches of 128:
//
//   npm run bench:official -- [--rounds 3] [--warmup 2] [--steps 20] [--threads 1,2] [--out results.json] \
//     [--ibot-dir DIR | --ibot-git-dir /work/.mirror/bytedance+ibot/repo]
//   (= node --conditions=@selfsup/source --import tsx scripts/bench/official-speed-ab.ts ...)
//
// Every round runs the four configurations (official at 1 thread, selfsup at 1 thread, official at
// 2 threads, selfsup at 2 threads) one after the other, each in a fresh process, `--warmup` steps
// then `--steps` timed ones; the order rotates every round and every other round is reversed
// (ABBA), so that no configuration always runs first or always after the same one, and other work
// on the machine weighs on all of them alike. Each side times a step as one loop iteration, from
// the end of the previous one: its batch loaded (in the same process: the official DataLoader with
// num_workers=0, selfsup's loader), augmented and masked, forward, backward, update, EMA teacher.
// Printed: the medians over the rounds of images per second and of CPU seconds per step (process
// time, all threads; the steadier figure on a shared machine), the ratios selfsup / official per
// thread count (of the medians, and the median of the ratios paired within a round), and selfsup's
// best thread count against the official code's best. The step-1 losses of both sides are printed
// too, a check that both train the same thing: with seed 0 both gave about 6.0 for [CLS] and
// 3.4-3.5 for the patches. `--out` writes everything, every sample included, as JSON.
//
// The official checkout: `--ibot-dir` (or IBOT_DIR), else a work tree extracted from the bare
// repository `--ibot-git-dir` into a temporary folder (`git archive HEAD`, without notebooks/, whose
// blob the mirror lacks and which holds no code used here). Python: SELFSUP_PYTHON, else Debian's
// /usr/bin/python3 with python3-torch, python3-torchvision, python3-pil, python3-sklearn and
// python3-munkres (installed here when missing, as root, unless SELFSUP_BENCH_NO_INSTALL=1).
// Run it on a machine that runs nothing else: the figures are wall time.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runJsonChild, tsxCommand } from './lib/child-process.js';
import { TORCH_PYTHON, torchAvailable, TORCH_MISSING } from './lib/torch-python.js';
import { median } from './lib/median.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OFFICIAL_SCRIPT = fileURLToPath(new URL('./official-ibot-speed.py', import.meta.url));
const SELFSUP_SCRIPT = fileURLToPath(new URL('./selfsup-pretrain-steps.ts', import.meta.url));
const DEFAULT_IBOT_GIT_DIR = '/work/.mirror/bytedance+ibot/repo';
/** The Debian packages the official code imports besides torch (main_ibot, loader, utils, evaluation/). */
const OFFICIAL_DEPENDENCIES = 'python3-torchvision python3-pil python3-sklearn python3-munkres';
const BATCH = 128;

type Side = 'official' | 'selfsup';

/** One configuration: a side at a thread count. */
interface Arm {
  readonly side: Side;
  readonly threads: number;
}

/** What one run of a side reported (the fields both sides print). */
interface Sample {
  readonly round: number;
  readonly position: number;
  readonly imagesPerSecond: number;
  readonly medianStepSeconds: number;
  readonly cpuSecondsPerStep: number;
  readonly loadAverageBefore: number;
  readonly firstLosses: Record<string, unknown>;
  readonly json: Record<string, unknown>;
}

/** The official iBOT checkout to import: the given folder, or one extracted from the bare repository. */
interface OfficialCheckout {
  readonly dir: string;
  readonly commit: string | undefined;
  readonly temporary: boolean;
}

function gitCommit(args: readonly string[]): string | undefined {
  const out = spawnSync('git', [...args, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

function prepareOfficialCheckout(ibotDir: string | undefined, ibotGitDir: string): OfficialCheckout {
  if (ibotDir) return { dir: ibotDir, commit: gitCommit(['-C', ibotDir]), temporary: false };
  const commit = gitCommit(['--git-dir', ibotGitDir]);
  if (!commit) {
    throw new Error(`--ibot-git-dir ${ibotGitDir} is not a git repository of bytedance/ibot: pass --ibot-dir <checkout> (or IBOT_DIR) or a bare repository with --ibot-git-dir`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ibot-official-'));
  // stderr kept: git names the missing notebook blob even though the pathspec leaves it out
  const archive = execFileSync('git', ['--git-dir', ibotGitDir, 'archive', commit, '--', '.', ':(exclude)notebooks'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  if (!existsSync(join(dir, 'main_ibot.py'))) throw new Error(`${ibotGitDir} at ${commit} has no main_ibot.py: not bytedance/ibot`);
  return { dir, commit, temporary: true };
}

/** Whether the reference Python imports what the official code needs; installs Debian's packages when it may. */
function officialDependenciesReady(): boolean {
  if (!torchAvailable()) throw new Error(TORCH_MISSING);
  const probe = () => spawnSync(TORCH_PYTHON, ['-c', 'import torchvision, PIL, sklearn, munkres'], { stdio: 'ignore', timeout: 120_000 }).status === 0;
  if (probe()) return true;
  const mayInstall = process.env.SELFSUP_BENCH_NO_INSTALL !== '1' && TORCH_PYTHON === '/usr/bin/python3' && process.getuid?.() === 0;
  if (!mayInstall) return false;
  console.error(`the official iBOT code needs ${OFFICIAL_DEPENDENCIES}: installing them`);
  spawnSync('bash', ['-c', `apt-get install -y -q ${OFFICIAL_DEPENDENCIES} >/dev/null || (apt-get update -q && apt-get install -y -q ${OFFICIAL_DEPENDENCIES} >/dev/null)`], {
    stdio: 'inherit',
    timeout: 1_200_000,
  });
  return probe();
}

/** The four configurations in round `round`'s order: rotated by round / 2, reversed on odd rounds. */
function roundOrder(arms: readonly Arm[], round: number): Arm[] {
  const shift = Math.floor(round / 2) % arms.length;
  const rotated = arms.map((_, i) => arms[(i + shift) % arms.length]!);
  return round % 2 === 1 ? rotated.reverse() : rotated;
}

interface RunSettings {
  readonly warmup: number;
  readonly steps: number;
  readonly checkout: OfficialCheckout;
  readonly dataDir: string;
  readonly timeoutSeconds: number;
}

/** One run of a side in its own process; throws with the child's reason when it fails. */
async function runArm(arm: Arm, settings: RunSettings): Promise<Record<string, unknown>> {
  const common = ['--threads', String(arm.threads), '--warmup', String(settings.warmup), '--steps', String(settings.steps)];
  if (arm.side === 'official') {
    const args = [OFFICIAL_SCRIPT, '--ibot-dir', settings.checkout.dir, '--data-dir', settings.dataDir, ...common, ...(settings.checkout.commit ? ['--ibot-commit', settings.checkout.commit] : [])];
    const outcome = await runJsonChild(TORCH_PYTHON, args, { cwd: REPO_ROOT, timeoutSeconds: settings.timeoutSeconds });
    if (!outcome.ok) throw new Error(`official-ibot-speed.py (${arm.threads} thread(s)) ${outcome.note}`);
    return outcome.json;
  }
  const env = { ...process.env };
  // selfsup's defaults: no switches from other benchmarks (native-speed-ab's "before" arm)
  delete env.SELFSUP_NATIVE_FUSED;
  delete env.SELFSUP_NATIVE_POOL_MB;
  delete env.SELFSUP_THREADS;
  const [node, lead] = tsxCommand(SELFSUP_SCRIPT);
  const outcome = await runJsonChild(node, [...lead, ...common], { cwd: REPO_ROOT, timeoutSeconds: settings.timeoutSeconds, env });
  if (!outcome.ok) throw new Error(`selfsup-pretrain-steps.ts (${arm.threads} thread(s)) ${outcome.note}`);
  return outcome.json;
}

function toSample(json: Record<string, unknown>, round: number, position: number, loadAverageBefore: number): Sample {
  const losses = (json.losses ?? []) as Record<string, unknown>[];
  return {
    round,
    position,
    imagesPerSecond: Number(json.imagesPerSecond),
    medianStepSeconds: Number(json.medianStepSeconds),
    cpuSecondsPerStep: Number(json.cpuSecondsPerStep),
    loadAverageBefore,
    firstLosses: losses[0] ?? {},
    json,
  };
}

const key = (arm: Arm) => `${arm.side} ${arm.threads}`;

/** Medians per configuration and the ratios selfsup / official: per thread count and best against best. */
function summarize(samples: ReadonlyMap<string, Sample[]>, threadCounts: readonly number[]) {
  const rows = threadCounts.flatMap((threads) =>
    (['official', 'selfsup'] as const).map((side) => {
      const list = samples.get(key({ side, threads })) ?? [];
      return {
        side,
        threads,
        runs: list.length,
        imagesPerSecond: median(list.map((s) => s.imagesPerSecond)),
        cpuSecondsPerStep: median(list.map((s) => s.cpuSecondsPerStep)),
      };
    }),
  );
  const row = (side: Side, threads: number) => rows.find((r) => r.side === side && r.threads === threads)!;
  const ratios = threadCounts.map((threads) => {
    const official = samples.get(key({ side: 'official', threads })) ?? [];
    const selfsup = samples.get(key({ side: 'selfsup', threads })) ?? [];
    const paired = selfsup.flatMap((s) => {
      const o = official.find((x) => x.round === s.round);
      return o ? [s.imagesPerSecond / o.imagesPerSecond] : [];
    });
    return {
      threads,
      imagesPerSecond: row('selfsup', threads).imagesPerSecond / row('official', threads).imagesPerSecond,
      pairedImagesPerSecond: paired.length > 0 ? median(paired) : null,
      cpuSecondsPerStep: row('selfsup', threads).cpuSecondsPerStep / row('official', threads).cpuSecondsPerStep,
    };
  });
  const best = (side: Side) => rows.filter((r) => r.side === side).reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  const officialBest = best('official');
  const selfsupBest = best('selfsup');
  return {
    rows,
    ratios,
    best: {
      official: { threads: officialBest.threads, imagesPerSecond: officialBest.imagesPerSecond },
      selfsup: { threads: selfsupBest.threads, imagesPerSecond: selfsupBest.imagesPerSecond },
      ratio: selfsupBest.imagesPerSecond / officialBest.imagesPerSecond,
    },
  };
}

function printSummary(summary: ReturnType<typeof summarize>): void {
  console.log(`\n${'side'.padEnd(10)}${'threads'.padStart(8)}${'runs'.padStart(6)}${'images/s'.padStart(10)}${'CPU s/step'.padStart(12)}`);
  for (const r of summary.rows) {
    console.log(`${r.side.padEnd(10)}${String(r.threads).padStart(8)}${String(r.runs).padStart(6)}${r.imagesPerSecond.toFixed(1).padStart(10)}${r.cpuSecondsPerStep.toFixed(3).padStart(12)}`);
  }
  console.log(`\nselfsup / official (images/s: ratio of the medians, median of the ratios paired per round; CPU s/step: ratio of the medians, below 1 is less CPU)`);
  for (const r of summary.ratios) {
    const paired = r.pairedImagesPerSecond === null ? '' : `, paired ${r.pairedImagesPerSecond.toFixed(2)}x`;
    console.log(`  ${r.threads} thread(s): images/s ${r.imagesPerSecond.toFixed(2)}x${paired}; CPU s/step ${r.cpuSecondsPerStep.toFixed(2)}x`);
  }
  const { official, selfsup, ratio } = summary.best;
  console.log(
    `  best against best: selfsup on ${selfsup.threads} thread(s) ${selfsup.imagesPerSecond.toFixed(1)} images/s / official on ${official.threads} thread(s) ` +
      `${official.imagesPerSecond.toFixed(1)} images/s = ${ratio.toFixed(2)}x`,
  );
}

function positiveInteger(name: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}; got ${String(text)}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '20' },
      threads: { type: 'string', default: '1,2' },
      out: { type: 'string' },
      'ibot-dir': { type: 'string', default: process.env.IBOT_DIR },
      'ibot-git-dir': { type: 'string', default: DEFAULT_IBOT_GIT_DIR },
      'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
      'timeout-seconds': { type: 'string', default: '3600' },
    },
  });
  const rounds = positiveInteger('rounds', values.rounds, 1);
  const warmup = positiveInteger('warmup', values.warmup, 1);
  const steps = positiveInteger('steps', values.steps, 1);
  const threadCounts = values.threads!.split(',').map((t) => positiveInteger('threads', t, 1));
  if (!officialDependenciesReady()) throw new Error(`${TORCH_PYTHON} cannot import the official code's dependencies: apt-get install -y ${OFFICIAL_DEPENDENCIES}`);
  const checkout = prepareOfficialCheckout(values['ibot-dir'], values['ibot-git-dir']!);
  const settings: RunSettings = { warmup, steps, checkout, dataDir: values['data-dir']!, timeoutSeconds: positiveInteger('timeout-seconds', values['timeout-seconds'], 1) };
  const arms: Arm[] = threadCounts.flatMap((threads) => [{ side: 'official' as const, threads }, { side: 'selfsup' as const, threads }]);
  const samples = new Map<string, Sample[]>();
  const started = new Date().toISOString();
  try {
    console.error(`official iBOT ${checkout.commit ?? '(commit unknown)'} in ${checkout.dir}; ${rounds} round(s) of ${arms.map(key).join(', ')}; ${warmup} + ${steps} steps of ${BATCH} images each`);
    for (let round = 0; round < rounds; round++) {
      const order = roundOrder(arms, round);
      for (const [position, arm] of order.entries()) {
        const loadAverageBefore = loadavg()[0]!;
        const t0 = performance.now();
        const sample = toSample(await runArm(arm, settings), round, position, loadAverageBefore);
        samples.set(key(arm), [...(samples.get(key(arm)) ?? []), sample]);
        console.error(
          `round ${round + 1}/${rounds} ${key(arm)} thread(s): ${sample.imagesPerSecond.toFixed(1)} images/s, ${sample.cpuSecondsPerStep.toFixed(3)} CPU s/step, ` +
            `step-1 loss ${JSON.stringify(sample.firstLosses)} (load ${loadAverageBefore.toFixed(1)} before; ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
      }
    }
  } finally {
    if (checkout.temporary) rmSync(checkout.dir, { recursive: true, force: true });
  }
  const summary = summarize(samples, threadCounts);
  printSummary(summary);
  if (values.out) {
    const result = {
      started,
      finished: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadAverageAtEnd: loadavg() },
      selfsupCommit: gitCommit(['-C', REPO_ROOT]) ?? null,
      // uncommitted changes under packages/ would mean the measured code is not the commit's
      selfsupChangedFiles: spawnSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'packages'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean),
      ibotCommit: checkout.commit ?? null,
      config: 'examples/configs/ibot-fashion-mnist.yaml',
      settings: { rounds, warmup, steps, threads: threadCounts, batch: BATCH },
      summary,
      samples: Object.fromEntries([...samples].map(([k, list]) => [k, list])),
    };
    writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    console.error(`wrote ${values.out}`);
  }
}

await main();
