// `npm run bench native`: the native backend (@selfsup/backend-native) against wasm, cpu and
// PyTorch, side by side in one run:
//
//   1. GEMM GFLOP/s on the matmul shapes of one ViT-Tiny training step (dim 192, 65 tokens,
//      batch 64, 3 heads): native, wasm and cpu (tfjs), and PyTorch (scripts/bench/torch-reference.py);
//   2. one ViT-Tiny training step (forward + backward + AdamW; dim 192, depth 12, 32x32 RGB,
//      patch 4, batch 64): native, wasm, cpu (full run only: ~150 s a step) and PyTorch;
//   3. one full iBOT training iteration (student and teacher ViT-Tiny, shared iBOT head, 2 global
//      crops with block masks + local crops, DINO [CLS] and iBOT patch losses, AdamW, EMA teacher),
//      from @selfsup/ibot with @selfsup/train's trainStep: native and wasm (and cpu in a full run),
//      and the same iteration written in PyTorch below (TORCH_IBOT);
//   4. a soak run: many training steps of a small ViT on native, with the tensor count and RSS.
//
// Every tfjs configuration runs in a child process (this file with --native-bench-worker), so each
// peak RSS is its own and a failing backend cannot stop the bench. Threads: SELFSUP_THREADS or
// every core, for every backend and for PyTorch. Ratios are wall times (or GFLOP/s) of the row over
// PyTorch's measured in the same run; < 1x time means faster than PyTorch.
//
// Quick mode (SELFSUP_BENCH_QUICK=1 or CI): 3 GEMM shapes, batch 16, one timed step, no cpu rows,
// a 100-step soak. SELFSUP_NATIVE_BENCH_GEMM=openblas|builtin picks the native GEMM engine.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** What `npm run bench` passes to a benchmark. */
interface BenchContext {
  readonly quick: boolean;
  log(line: string): void;
}

const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER_FLAG = '--native-bench-worker';

/** ViT-Tiny on 32x32 RGB images with 4x4 patches (65 tokens). */
const VIT = { dim: 192, depth: 12, heads: 3, image: 32, patch: 4, channels: 3 } as const;

/**
 * The iBOT iteration: ViT-Tiny student and teacher; a shared head (hidden 1024, bottleneck 256,
 * 2048 prototypes); 2 global crops at 32 and 4 local crops at 16 (patch 4); block masks on the
 * global crops with ratio 0.3 +- 0.2.
 */
const IBOT = { outDim: 2048, hiddenDim: 1024, bottleneckDim: 256, globalCrops: 2, localCrops: 4, globalSize: 32, localSize: 16 } as const;

// ------------------------------------------------------------------------------------------------
// Worker: one backend, one measurement, one JSON line on stdout.

async function selectBackend(name: string, threads: number, gemm: string | undefined): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  const { ensureGradients, useBackend } = await import('@selfsup/backend');
  if (name === 'native') {
    const native = await import('@selfsup/backend-native');
    await ensureGradients();
    const ok = await native.registerNativeBackend({ threads, ...(gemm ? { gemm: gemm as 'builtin' } : {}) });
    if (!ok) throw new Error(`native backend unavailable: ${native.nativeBuildInfo().reason}`);
    await tf.setBackend(native.NATIVE_BACKEND_NAME);
    const info = native.nativeBuildInfo().addon!;
    return `native ${info.isa}, ${info.gemm} GEMM, ${info.threads} thread(s)`;
  }
  const info = await useBackend(name as 'wasm', { threads });
  return `${info.name}, ${info.threads} thread(s)`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times `step` (synchronous kernels; `step` reads its loss back): wall and process CPU per step. */
async function timeSteps(step: () => Promise<void> | void, warmup: number, steps: number): Promise<{ wall: number[]; cpu: number[]; tensorsAfterWarmup: number }> {
  const tf = await import('@tensorflow/tfjs-core');
  for (let i = 0; i < warmup; i++) await step();
  const tensorsAfterWarmup = tf.memory().numTensors;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    process.stderr.write(`  step ${i + 1}/${steps}: ${wall[i]!.toFixed(2)} s\n`);
  }
  return { wall, cpu, tensorsAfterWarmup };
}

async function vitWorker(batch: number, warmup: number, steps: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { createVit } = await import('@selfsup/backbones');
  const { createAdamW } = await import('@selfsup/optim');
  const vit = createVit({ preset: 'tiny', imageSize: VIT.image, patchSize: VIT.patch, inChannels: VIT.channels, seed: 0 });
  const parameters = vit.parameters().filter((p) => p.trainable);
  const optimizer = createAdamW({ parameters, learningRate: 1e-4, weightDecay: 0.05 });
  const images = tf.randomUniform([batch, VIT.image, VIT.image, VIT.channels], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D;
  let iteration = 0;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      const { classToken, patchTokens } = vit.encode(images, { training: true });
      // mean(tokens ** 2) over every output token, as torch-reference.py's vit-step
      return tf.div(tf.add(tf.sum(tf.square(classToken)), tf.sum(tf.square(patchTokens))), classToken.size + patchTokens.size) as import('@tensorflow/tfjs-core').Scalar;
    }, parameters.map((p) => p.variable));
    optimizer.step(grads, iteration++);
    value.dataSync();
    tf.dispose([value, grads]);
  };
  const timing = await timeSteps(step, warmup, steps);
  const result = { ...summarize(timing), numTensorsGrowth: warmup > 0 ? tf.memory().numTensors - timing.tensorsAfterWarmup : null };
  tf.dispose(images);
  optimizer.dispose();
  vit.dispose();
  return result;
}

function summarize(timing: { wall: number[]; cpu: number[] }): Record<string, unknown> {
  return {
    secondsPerStep: median(timing.wall),
    secondsPerStepMin: Math.min(...timing.wall),
    cpuSecondsPerStep: median(timing.cpu),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function ibotWorker(batch: number, warmup: number, steps: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { createRng } = await import('@selfsup/core');
  const { createIbotPretraining } = await import('@selfsup/ibot');
  const { stepRng, trainStep } = await import('@selfsup/train');
  const iterationsPerEpoch = 1000;
  const run = createIbotPretraining(
    {
      seed: 0,
      epochs: 10,
      batchSize: batch,
      backbone: { preset: 'tiny', imageSize: VIT.image, patchSize: VIT.patch, inChannels: VIT.channels, dropPathRate: 0 },
      head: { outDim: IBOT.outDim, hiddenDim: IBOT.hiddenDim, bottleneckDim: IBOT.bottleneckDim, sharedHead: true, normalizeLastLayer: true },
      augmentation: {
        globalCrops: IBOT.globalCrops,
        globalSize: IBOT.globalSize,
        localCrops: IBOT.localCrops,
        localSize: IBOT.localSize,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
      masking: { shape: 'block', ratio: 0.3, variance: 0.2 },
      optimizer: { warmupEpochs: 1 },
    } as never,
    iterationsPerEpoch,
  );
  const rng = createRng(7);
  const images = Uint8Array.from({ length: batch * VIT.image * VIT.image * VIT.channels }, () => rng.integer(0, 256));
  const data = { images, size: batch, height: VIT.image, width: VIT.image, channels: VIT.channels };
  let iteration = 0;
  let lastLoss = Number.NaN;
  const step = async () => {
    const result = await trainStep(run.recipe, data, {
      optimizer: run.optimizer,
      gradients: run.gradients,
      context: { iteration, epoch: Math.floor(iteration / iterationsPerEpoch), iterationsPerEpoch, rng: stepRng(0, iteration) },
    });
    iteration++;
    lastLoss = result.loss;
  };
  const timing = await timeSteps(step, warmup, steps);
  const result = { ...summarize(timing), loss: lastLoss, numTensorsGrowth: warmup > 0 ? tf.memory().numTensors - timing.tensorsAfterWarmup : null };
  run.dispose();
  return result;
}

async function gemmWorker(shapesJson: string, minSeconds: number, maxRepeats: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { gemmFlop, timeBest } = await import('./backend.bench.js');
  const shapes = JSON.parse(shapesJson) as import('./backend.bench.js').GemmShape[];
  const gflops: number[] = [];
  for (const shape of shapes) {
    const lead = shape.batch > 1 ? [shape.batch] : [];
    const a = tf.randomUniform([...lead, ...(shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k])], -1, 1, 'float32', 1);
    const b = tf.randomUniform([...lead, ...(shape.transposeB ? [shape.n, shape.k] : [shape.k, shape.n])], -1, 1, 'float32', 2);
    const timing = timeBest(() => tf.matMul(a, b, shape.transposeA, shape.transposeB).dispose(), minSeconds, maxRepeats);
    gflops.push(gemmFlop(shape) / timing.seconds / 1e9);
    tf.dispose([a, b]);
  }
  return { gflops };
}

async function soakWorker(batch: number, steps: number): Promise<Record<string, unknown>> {
  const tf = await import('@tensorflow/tfjs-core');
  const { createVit } = await import('@selfsup/backbones');
  const { createAdamW } = await import('@selfsup/optim');
  const vit = createVit({ preset: 'tiny', imageSize: VIT.image, patchSize: VIT.patch, inChannels: VIT.channels, seed: 0 });
  const parameters = vit.parameters().filter((p) => p.trainable);
  const optimizer = createAdamW({ parameters, learningRate: 1e-4, weightDecay: 0.05 });
  const images = tf.randomUniform([batch, VIT.image, VIT.image, VIT.channels], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D;
  const samples: { step: number; rssMb: number; tensors: number }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(() => {
      const { classToken, patchTokens } = vit.encode(images, { training: true });
      return tf.add(tf.mean(tf.square(classToken)), tf.mean(tf.square(patchTokens))) as import('@tensorflow/tfjs-core').Scalar;
    }, parameters.map((p) => p.variable));
    optimizer.step(grads, i);
    value.dataSync();
    tf.dispose([value, grads]);
    if (i === 0 || (i + 1) % Math.max(1, Math.floor(steps / 10)) === 0) {
      samples.push({ step: i + 1, rssMb: process.memoryUsage().rss / 2 ** 20, tensors: tf.memory().numTensors });
      process.stderr.write(`  step ${i + 1}/${steps}: rss ${samples.at(-1)!.rssMb.toFixed(0)} MB, ${samples.at(-1)!.tensors} tensors\n`);
    }
  }
  return { samples, secondsPerStep: (performance.now() - t0) / 1000 / steps };
}

async function workerMain(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(process.argv.indexOf(WORKER_FLAG) + 1),
    options: {
      mode: { type: 'string' },
      backend: { type: 'string', default: 'native' },
      threads: { type: 'string', default: '1' },
      gemm: { type: 'string' },
      batch: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '1' },
      steps: { type: 'string', default: '3' },
      shapes: { type: 'string', default: '[]' },
      'min-seconds': { type: 'string', default: '0.5' },
      'max-repeats': { type: 'string', default: '10' },
    },
  });
  const described = await selectBackend(values.backend!, Number(values.threads), values.gemm);
  process.stderr.write(`worker: ${values.mode} on ${described}\n`);
  let result: Record<string, unknown>;
  if (values.mode === 'vit') result = await vitWorker(Number(values.batch), Number(values.warmup), Number(values.steps));
  else if (values.mode === 'ibot') result = await ibotWorker(Number(values.batch), Number(values.warmup), Number(values.steps));
  else if (values.mode === 'gemm') result = await gemmWorker(values.shapes!, Number(values['min-seconds']), Number(values['max-repeats']));
  else if (values.mode === 'soak') result = await soakWorker(Number(values.batch), Number(values.steps));
  else throw new Error(`unknown mode ${values.mode}`);
  process.stdout.write(`${JSON.stringify({ backend: described, ...result })}\n`);
  process.exit(0); // wasm's thread workers would keep the process alive
}

if (process.argv.includes(WORKER_FLAG)) await workerMain();

// ------------------------------------------------------------------------------------------------
// PyTorch: the iBOT iteration of the tfjs worker above, in plain torch (CPU).

const TORCH_IBOT = String.raw`
import json, math, os, resource, statistics, sys, time
threads = int(sys.argv[1]); batch = int(sys.argv[2]); warmup = int(sys.argv[3]); steps = int(sys.argv[4])
cfg = json.loads(sys.argv[5])
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads)); os.environ.setdefault("OMP_NUM_THREADS", str(threads))
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.set_num_threads(threads); torch.manual_seed(0)
D, depth, heads, patch, C = cfg["dim"], cfg["depth"], cfg["heads"], cfg["patch"], cfg["channels"]

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.n1 = nn.LayerNorm(D, eps=1e-6); s.qkv = nn.Linear(D, 3 * D); s.proj = nn.Linear(D, D)
        s.n2 = nn.LayerNorm(D, eps=1e-6); s.fc1 = nn.Linear(D, 4 * D); s.fc2 = nn.Linear(4 * D, D)
    def forward(s, x):
        B, N, _ = x.shape
        q, k, v = s.qkv(s.n1(x)).reshape(B, N, 3, heads, D // heads).permute(2, 0, 3, 1, 4)
        a = ((q * (D // heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(B, N, D))
        return x + s.fc2(F.gelu(s.fc1(s.n2(x))))

class ViT(nn.Module):
    def __init__(s, image):
        super().__init__(); s.embed = nn.Conv2d(C, D, patch, patch); s.cls = nn.Parameter(torch.zeros(1, 1, D))
        s.pos = nn.Parameter(torch.zeros(1, (image // patch) ** 2 + 1, D)); s.mask_token = nn.Parameter(torch.zeros(1, 1, D))
        s.blocks = nn.ModuleList([Block() for _ in range(depth)]); s.norm = nn.LayerNorm(D, eps=1e-6)
        nn.init.trunc_normal_(s.pos, std=0.02); nn.init.trunc_normal_(s.cls, std=0.02)
    def forward(s, x, mask=None):
        x = s.embed(x).flatten(2).transpose(1, 2)
        if mask is not None: x = torch.where(mask.unsqueeze(-1), s.mask_token.to(x.dtype), x)
        cls = s.cls.expand(x.shape[0], -1, -1)
        pos = s.pos
        if x.shape[1] + 1 != pos.shape[1]:  # local crops: resample the patch grid bicubically
            g0 = int(math.sqrt(pos.shape[1] - 1)); g = int(math.sqrt(x.shape[1]))
            grid = F.interpolate(pos[:, 1:].reshape(1, g0, g0, D).permute(0, 3, 1, 2), size=(g, g), mode="bicubic", align_corners=False)
            pos = torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, g * g, D)], 1)
        x = torch.cat([cls, x], 1) + pos
        for b in s.blocks: x = b(x)
        return s.norm(x)

class Head(nn.Module):
    def __init__(s):
        super().__init__(); h, bn, out = cfg["hiddenDim"], cfg["bottleneckDim"], cfg["outDim"]
        s.mlp = nn.Sequential(nn.Linear(D, h), nn.GELU(), nn.Linear(h, h), nn.GELU(), nn.Linear(h, bn))
        s.last = nn.utils.weight_norm(nn.Linear(bn, out, bias=False)); s.last.weight_g.data.fill_(1); s.last.weight_g.requires_grad = False
    def forward(s, x): return s.last(F.normalize(s.mlp(x), dim=-1))

def net(): return nn.ModuleDict({"backbone": ViT(cfg["globalSize"]), "head": Head()})
student, teacher = net(), net(); teacher.load_state_dict(student.state_dict())
for p in teacher.parameters(): p.requires_grad = False
opt = torch.optim.AdamW([p for p in student.parameters() if p.requires_grad], lr=5e-4, weight_decay=0.04)
center = torch.zeros(1, cfg["outDim"]); center2 = torch.zeros(1, 1, cfg["outDim"])
G, L, gs, ls = cfg["globalCrops"], cfg["localCrops"], cfg["globalSize"], cfg["localSize"]
grid = (gs // patch) ** 2
S = cfg["image"]
images = torch.rand(batch, C, S, S)

def views():
    # random crops resized like the multi-crop augmentation (the flips and color jitter are cheap next to the network)
    def crop(size, scale):
        out = []
        for _ in range(batch):
            s = int(S * math.sqrt(torch.empty(1).uniform_(*scale).item())); s = max(s, 4)
            y, x = torch.randint(0, S - s + 1, (2,)).tolist(); out.append(images[len(out), :, y:y + s, x:x + s])
        return torch.stack([F.interpolate(o[None], size=(size, size), mode="bilinear", align_corners=False)[0] for o in out])
    g = torch.cat([crop(gs, (0.25, 1.0)) for _ in range(G)]); l = torch.cat([crop(ls, (0.05, 0.25)) for _ in range(L)])
    masks = torch.rand(G * batch, grid) < (0.3 + 0.2 * (2 * torch.rand(G * batch, 1) - 1))
    return g, l, masks

def step(it):
    global center, center2
    g, l, masks = views()
    with torch.no_grad():
        t = teacher["head"](teacher["backbone"](g))
        t_cls = F.softmax((t[:, 0] - center) / 0.04, -1).chunk(G); t_patch = F.softmax((t[:, 1:] - center2) / 0.04, -1).chunk(G)
    s_g = student["head"](student["backbone"](g, masks)); s_l = student["head"](student["backbone"](l)[:, 0])
    s_cls = (torch.cat([s_g[:, 0], s_l]) / 0.1).chunk(G + L); s_patch = (s_g[:, 1:] / 0.1).chunk(G); m = masks.chunk(G)
    cls_loss, patch_loss, n1, n2 = 0, 0, 0, 0
    for q in range(G):
        for v in range(G + L):
            if v == q:
                per = torch.sum(-t_patch[q] * F.log_softmax(s_patch[v], -1), -1)
                per = torch.sum(per * m[v].float(), -1) / m[v].sum(-1).clamp(min=1.0)
                patch_loss = patch_loss + per.mean(); n1 += 1
            else:
                cls_loss = cls_loss + torch.sum(-t_cls[q] * F.log_softmax(s_cls[v], -1), -1).mean(); n2 += 1
    loss = patch_loss / n1 + cls_loss / n2
    opt.zero_grad(set_to_none=True); loss.backward()
    for p in student.parameters():  # per-parameter clipping, and the last layer frozen in the first epoch (as the config)
        if p.grad is not None: torch.nn.utils.clip_grad_norm_(p, 3.0)
    student["head"].last.weight_v.grad = None
    opt.step()
    with torch.no_grad():
        for ps, pt in zip(student.parameters(), teacher.parameters()): pt.mul_(0.996).add_(ps.detach(), alpha=0.004)
        center = center * 0.9 + t[:, 0].mean(0, keepdim=True) * 0.1
        center2 = center2 * 0.9 + t[:, 1:].mean((0, 1), keepdim=True) * 0.1
    return float(loss.item())

times = []
for i in range(warmup + steps):
    t0 = time.perf_counter(); loss = step(i); t = time.perf_counter() - t0
    print(f"  step {i}{' (warm-up)' if i < warmup else ''}: {t:.2f} s, loss {loss:.3f}", file=sys.stderr)
    if i >= warmup: times.append(t)
print(json.dumps({"secondsPerStep": statistics.median(times), "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

// ------------------------------------------------------------------------------------------------
// The bench.

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], onLine: (line: string) => void, timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) onLine(pending);
      resolve({ code, signal, stdout, stderr });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n${error.message}` });
    });
  });
}

function lastJson(text: string): Record<string, unknown> | undefined {
  for (const line of text.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // not the result line
    }
  }
  return undefined;
}

function failure(result: ChildResult): string {
  const lines = result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && l.length < 300);
  const reason = lines.filter((l) => /error|abort|memory|cannot|failed|unavailable/i.test(l)).pop() ?? lines.pop() ?? 'no output';
  return `${result.signal ? `killed by ${result.signal}` : `exit code ${String(result.code)}`}: ${reason}`;
}

/** Runs a worker; returns its JSON, or a one-line reason. */
async function worker(context: BenchContext, label: string, args: string[], verbose: boolean, timeoutMinutes = 60): Promise<{ json?: Record<string, unknown>; note?: string }> {
  const argv = ['--conditions=@selfsup/source', '--import', 'tsx', THIS_FILE, WORKER_FLAG, ...args];
  const result = await run(process.execPath, argv, (line) => verbose && context.log(`  [${label}] ${line}`), timeoutMinutes * 60_000);
  const json = lastJson(result.stdout);
  if (result.signal === 'SIGKILL') return { note: `stopped after ${timeoutMinutes} min without finishing` };
  if (result.code !== 0 || !json) return { note: `failed (${failure(result)})` };
  return { json };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

const fmt = (value: unknown, digits: number, unit = ''): string => (typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : '-');

interface TimedRow {
  label: string;
  secondsPerStep?: number;
  cpuSecondsPerStep?: number;
  peakRssMb?: number;
  note?: string;
}

function timedRow(label: string, outcome: { json?: Record<string, unknown>; note?: string }): TimedRow {
  if (!outcome.json) return { label, note: outcome.note };
  const j = outcome.json;
  const notes = [String(j.backend ?? '')];
  if (typeof j.numTensorsGrowth === 'number' && j.numTensorsGrowth !== 0) notes.push(`tensor count grew by ${j.numTensorsGrowth}`);
  return {
    label,
    secondsPerStep: j.secondsPerStep as number,
    cpuSecondsPerStep: j.cpuSecondsPerStep as number | undefined,
    peakRssMb: j.peakRssMb as number | undefined,
    note: notes.filter(Boolean).join('; '),
  };
}

function printTimed(context: BenchContext, rows: TimedRow[], reference: TimedRow | undefined, against: TimedRow | undefined): void {
  const header = ['', 's/step', 'CPU s/step', 'peak RSS', 'vs PyTorch', 'vs wasm', '  notes'];
  const widths = [16, 9, 12, 11, 12, 9, 0];
  context.log(header.map((h, i) => pad(h, widths[i]!, i > 0 && i < 6)).join(''));
  for (const row of rows) {
    const vsTorch = reference?.secondsPerStep && row.secondsPerStep && row !== reference ? `${(row.secondsPerStep / reference.secondsPerStep).toFixed(2)}x` : '-';
    const vsWasm = against?.secondsPerStep && row.secondsPerStep && row !== against ? `${(row.secondsPerStep / against.secondsPerStep).toFixed(2)}x` : '-';
    context.log(
      [
        pad(row.label, widths[0]!),
        pad(fmt(row.secondsPerStep, 2), widths[1]!, true),
        pad(fmt(row.cpuSecondsPerStep, 2), widths[2]!, true),
        pad(fmt(row.peakRssMb, 0, ' MB'), widths[3]!, true),
        pad(vsTorch, widths[4]!, true),
        pad(vsWasm, widths[5]!, true),
        `  ${row.note ?? ''}`,
      ].join(''),
    );
  }
}

async function torchRow(context: BenchContext, label: string, args: string[], parse: (json: Record<string, unknown>) => TimedRow, verbose: boolean): Promise<TimedRow> {
  const { TORCH_PYTHON, torchAvailable, TORCH_INSTALL } = await import('./backend.bench.js');
  if (!torchAvailable()) return { label, note: `not available (${TORCH_PYTHON} cannot import torch; install it with: ${TORCH_INSTALL})` };
  const result = await run(TORCH_PYTHON, args, (line) => verbose && !line.startsWith('peakRssKb=') && context.log(`  [${label}] ${line}`), 2 * 60 * 60_000);
  const json = lastJson(result.stdout);
  if (result.code !== 0 || !json) return { label, note: `failed (${failure(result)})` };
  const row = parse(json);
  const rss = /peakRssKb=(\d+)/.exec(result.stderr);
  return rss && row.peakRssMb === undefined ? { ...row, peakRssMb: Number(rss[1]) / 1024 } : row;
}

const RSS_WRAPPER = [
  'import resource, runpy, sys',
  'script = sys.argv[1]',
  'sys.argv = sys.argv[1:]',
  'try:',
  '    runpy.run_path(script, run_name="__main__")',
  'finally:',
  '    print("peakRssKb=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)',
].join('\n');

export default async function nativeBench(context: BenchContext): Promise<void> {
  const { defaultThreads } = await import('@selfsup/backend');
  const bench = await import('./backend.bench.js');
  const native = await import('@selfsup/backend-native');
  const threads = await defaultThreads();
  const gemm = process.env.SELFSUP_NATIVE_BENCH_GEMM;
  const gemmArgs = gemm ? ['--gemm', gemm] : [];
  if (!native.isNativeAvailable()) {
    context.log(`native backend unavailable: ${native.nativeBuildInfo().reason}`);
    return;
  }
  await native.registerNativeBackend({ threads, ...(gemm ? { gemm: gemm as 'builtin' } : {}) });
  const info = native.nativeBuildInfo().addon!;
  context.log(`native: ${info.isa} (CPU supports ${info.detectedIsa}), ${info.gemm} GEMM, ${info.threads} thread(s), ${info.compiler}; OpenBLAS: ${info.openblas}`);
  context.log(`OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'} OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? '(unset)'}; every backend and PyTorch run ${threads} thread(s)`);

  // 1. GEMM GFLOP/s.
  const allShapes = bench.vitGemmShapes();
  const shapes = context.quick ? allShapes.filter((s) => ['qkv forward', 'fc1 dW', 'attn q@k^T (tB)'].includes(s.name)) : allShapes;
  const minSeconds = context.quick ? 0.2 : 0.5;
  const maxRepeats = context.quick ? 3 : 10;
  const gemmCommon = ['--mode', 'gemm', '--threads', String(threads), '--shapes', JSON.stringify(shapes), '--min-seconds', String(minSeconds), '--max-repeats', String(maxRepeats)];
  const columns: { label: string; gflops?: number[]; note?: string }[] = [];
  for (const [label, backend, extra] of [
    ['native', 'native', gemmArgs],
    ['wasm', 'wasm', []],
    ...(context.quick ? [] : [['cpu', 'cpu', ['--min-seconds', '0', '--max-repeats', '1']]]),
  ] as [string, string, string[]][]) {
    const outcome = await worker(context, `gemm ${label}`, [...gemmCommon, '--backend', backend, ...extra], false);
    columns.push({ label, gflops: outcome.json?.gflops as number[] | undefined, note: outcome.note });
  }
  const torchGemm = await bench.runTorchReference(['--threads', String(threads), 'gemm', '--shapes', JSON.stringify(shapes), '--min-seconds', String(minSeconds), '--max-repeats', String(maxRepeats)]);
  if (torchGemm.ok) {
    context.log(bench.describeTorch(torchGemm.json));
    columns.push({ label: 'PyTorch', gflops: ((torchGemm.json.results ?? []) as { gflops: number }[]).map((r) => r.gflops) });
  } else {
    columns.push({ label: 'PyTorch', note: torchGemm.note });
  }
  for (const c of columns) if (c.note) context.log(`note: GEMM on ${c.label} ${c.note}`);
  const nativeCol = columns[0]!;
  const torchCol = columns.find((c) => c.label === 'PyTorch');
  const wasmCol = columns.find((c) => c.label === 'wasm');
  context.log(`\nGEMM GFLOP/s on the matmul shapes of a ViT-Tiny step (best of up to ${maxRepeats} runs after a warm-up)${context.quick ? ' [quick: 3 shapes]' : ''}`);
  const nameWidth = Math.max(...shapes.map((s) => s.name.length)) + 2;
  context.log(pad('shape', nameWidth) + columns.map((c) => pad(c.label, 9, true)).join('') + pad('native/PyTorch', 16, true) + pad('native/wasm', 13, true));
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
  shapes.forEach((shape, i) => {
    context.log(
      pad(shape.name, nameWidth) +
        columns.map((c) => pad(fmt(c.gflops?.[i], 1), 9, true)).join('') +
        pad(ratio(nativeCol.gflops?.[i], torchCol?.gflops?.[i]), 16, true) +
        pad(ratio(nativeCol.gflops?.[i], wasmCol?.gflops?.[i]), 13, true),
    );
  });
  const totalFlop = shapes.reduce((sum, s) => sum + bench.gemmFlop(s), 0);
  const weighted = (g?: number[]) => (g && g.length === shapes.length ? totalFlop / shapes.reduce((sum, s, i) => sum + bench.gemmFlop(s) / g[i]!, 0) : undefined);
  context.log(
    pad('all (time-weighted)', nameWidth) +
      columns.map((c) => pad(fmt(weighted(c.gflops), 1), 9, true)).join('') +
      pad(ratio(weighted(nativeCol.gflops), weighted(torchCol?.gflops)), 16, true) +
      pad(ratio(weighted(nativeCol.gflops), weighted(wasmCol?.gflops)), 13, true),
  );

  // 2. The ViT-Tiny step.
  const batch = context.quick ? 16 : 64;
  const steps = context.quick ? 1 : 3;
  context.log(`\nViT-Tiny training step (dim 192, depth 12, 32x32x3, patch 4), batch ${batch}: forward + backward + AdamW; median of ${steps} step(s) after 1 warm-up${context.quick ? ' [quick]' : ''}`);
  const vitArgs = ['--mode', 'vit', '--threads', String(threads), '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
  const vitRows: TimedRow[] = [];
  vitRows.push(timedRow('tfjs native', await worker(context, 'vit native', [...vitArgs, '--backend', 'native', ...gemmArgs], true)));
  const model = Object.entries(VIT).flatMap(([key, value]) => [`--${key}`, String(value)]);
  const torchVit = await torchRow(
    context,
    'PyTorch',
    ['-c', RSS_WRAPPER, bench.TORCH_REFERENCE_SCRIPT, '--threads', String(threads), 'vit-step', ...model, '--batch', String(batch), '--warmup', '1', '--steps', String(steps)],
    (json) => ({ label: 'PyTorch', secondsPerStep: ((json.vitStep as { median?: { step?: number } } | undefined)?.median?.step), note: 'torch-reference.py vit-step' }),
    true,
  );
  vitRows.push(torchVit);
  const wasmVit = timedRow('tfjs wasm', await worker(context, 'vit wasm', [...vitArgs, '--backend', 'wasm'], true));
  vitRows.push(wasmVit);
  if (!context.quick) vitRows.push(timedRow('tfjs cpu', await worker(context, 'vit cpu', ['--mode', 'vit', '--threads', '1', '--batch', String(batch), '--warmup', '0', '--steps', '1', '--backend', 'cpu'], true)));
  printTimed(context, vitRows, torchVit, wasmVit);
  if (threads > 1 && !context.quick) {
    // On a machine shared with other work, threads that spin while they wait for each other (OpenMP,
    // OpenBLAS, our pool) lose their time slices to other processes, and PyTorch's two pools suffer
    // most. One thread each is the comparison such sharing cannot skew.
    context.log(`
the same step on one thread each (robust to other processes on the machine):`);
    const oneArgs = ['--mode', 'vit', '--threads', '1', '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
    const nativeOne = timedRow('tfjs native', await worker(context, 'vit native-1', [...oneArgs, '--backend', 'native', ...gemmArgs], true));
    const torchOne = await torchRow(
      context,
      'PyTorch',
      ['-c', RSS_WRAPPER, bench.TORCH_REFERENCE_SCRIPT, '--threads', '1', 'vit-step', ...model, '--batch', String(batch), '--warmup', '1', '--steps', String(steps)],
      (json) => ({ label: 'PyTorch', secondsPerStep: (json.vitStep as { median?: { step?: number } } | undefined)?.median?.step, note: 'torch-reference.py vit-step, 1 thread' }),
      true,
    );
    printTimed(context, [nativeOne, torchOne], torchOne, undefined);
  }

  // 3. The iBOT iteration.
  const ibotBatch = context.quick ? 8 : 32;
  context.log(
    `\niBOT training iteration, batch ${ibotBatch}: ViT-Tiny student + EMA teacher, shared head (${IBOT.hiddenDim} hidden, ${IBOT.bottleneckDim} bottleneck, ${IBOT.outDim} prototypes), ` +
      `${IBOT.globalCrops} global crops at ${IBOT.globalSize} with block masks + ${IBOT.localCrops} local at ${IBOT.localSize}; median of ${steps} after 1 warm-up`,
  );
  const ibotArgs = ['--mode', 'ibot', '--threads', String(threads), '--batch', String(ibotBatch), '--warmup', '1', '--steps', String(steps)];
  const ibotRows: TimedRow[] = [];
  ibotRows.push(timedRow('tfjs native', await worker(context, 'ibot native', [...ibotArgs, '--backend', 'native', ...gemmArgs], true)));
  const torchIbot = await torchRow(
    context,
    'PyTorch',
    ['-c', TORCH_IBOT, String(threads), String(ibotBatch), '1', String(steps), JSON.stringify({ ...VIT, ...IBOT })],
    (json) => ({ label: 'PyTorch', secondsPerStep: json.secondsPerStep as number, peakRssMb: json.peakRssMb as number, note: 'the iteration in plain torch (TORCH_IBOT)' }),
    true,
  );
  ibotRows.push(torchIbot);
  // wasm and cpu take minutes per iteration here; each gets at most 20 minutes.
  const wasmIbot = timedRow('tfjs wasm', await worker(context, 'ibot wasm', [...ibotArgs, '--backend', 'wasm'], true, 20));
  ibotRows.push(wasmIbot);
  if (!context.quick) ibotRows.push(timedRow('tfjs cpu', await worker(context, 'ibot cpu', ['--mode', 'ibot', '--threads', '1', '--batch', String(ibotBatch), '--warmup', '0', '--steps', '1', '--backend', 'cpu'], true, 20)));
  printTimed(context, ibotRows, torchIbot, wasmIbot);
  if (threads > 1 && !context.quick) {
    context.log(`\nthe same iteration on one thread each:`);
    const oneArgs = ['--mode', 'ibot', '--threads', '1', '--batch', String(ibotBatch), '--warmup', '1', '--steps', String(steps)];
    const nativeOne = timedRow('tfjs native', await worker(context, 'ibot native-1', [...oneArgs, '--backend', 'native', ...gemmArgs], true));
    const torchOne = await torchRow(
      context,
      'PyTorch',
      ['-c', TORCH_IBOT, '1', String(ibotBatch), '1', String(steps), JSON.stringify({ ...VIT, ...IBOT })],
      (json) => ({ label: 'PyTorch', secondsPerStep: json.secondsPerStep as number, peakRssMb: json.peakRssMb as number, note: 'the iteration in plain torch, 1 thread' }),
      true,
    );
    printTimed(context, [nativeOne, torchOne], torchOne, undefined);
  }

  // 4. Soak: tensor count and RSS over many steps.
  const soakSteps = context.quick ? 100 : 1000;
  const soak = await worker(context, 'soak native', ['--mode', 'soak', '--backend', 'native', '--threads', String(threads), '--batch', '4', '--steps', String(soakSteps), ...gemmArgs], false);
  if (!soak.json) {
    context.log(`\nsoak: ${soak.note}`);
  } else {
    const samples = soak.json.samples as { step: number; rssMb: number; tensors: number }[];
    const first = samples[1] ?? samples[0]!;
    const last = samples.at(-1)!;
    context.log(
      `\nsoak: ${soakSteps} ViT-Tiny steps (batch 4) on native, ${fmt(soak.json.secondsPerStep, 3)} s/step: tensors ${samples.map((s) => s.tensors).join(' ')}; ` +
        `RSS ${samples.map((s) => s.rssMb.toFixed(0)).join(' ')} MB (step ${first.step} -> ${last.step}: ${(last.rssMb - first.rssMb >= 0 ? '+' : '') + (last.rssMb - first.rssMb).toFixed(0)} MB)`,
    );
  }
  context.log(`'vs PyTorch' / 'vs wasm': wall time per step over theirs, measured in this run (< 1x: faster).`);
}
