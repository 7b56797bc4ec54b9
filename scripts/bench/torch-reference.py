#!/usr/bin/env python3
"""PyTorch reference timings for selfsup's benchmarks (CPU only, standalone).

Run with the system Python that has Debian's torch:
    apt-get update && apt-get install -y python3-torch libopenblas0-pthread
(without OpenBLAS, Debian's torch falls back to the reference BLAS and is ~9x slower).

Commands (every one prints one JSON object on stdout; a human-readable header goes to stderr):
    python3 torch-reference.py info
    python3 torch-reference.py gemm [--threads N] [--shapes JSON] [--min-seconds S] [--max-repeats R]
    python3 torch-reference.py vit-step --dim 192 --depth 12 --heads 3 --image 32 --patch 4 \
        --channels 3 --batch 64 --steps 3 [--warmup 1] [--mlp-ratio 4] [--threads N]

GEMM shapes use selfsup's convention: C[batch?, m, n] = op(A) @ op(B), op(A) is [m, k] and op(B) is
[k, n]; A is stored [k, m] when transposeA (B stored [n, k] when transposeB), like tf.matMul's flags.
Each shape is timed as the best of several runs after one warm-up (peak, least disturbed by other
processes on a shared machine), reported in GFLOP/s = 2 * batch * m * n * k / seconds / 1e9.

vit-step times one training step of a timm-style pre-norm ViT written below in plain torch: patch
embedding (a conv with kernel = stride = patch), class token, learned position embedding, `depth`
blocks of x + Attn(LN(x)) then x + MLP(LN(x)) (qkv with bias, GELU, LayerNorm eps 1e-6), a final
LayerNorm, and the loss mean(tokens ** 2) over all output tokens; then backward and an AdamW update
(lr 1e-4, weight decay 0.05).
"""

import argparse
import json
import os
import re
import statistics
import sys
import time


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def import_torch(threads):
    # OpenBLAS sizes its own pthread pool when it loads; make it match torch's intra-op threads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import torch

    torch.set_num_threads(threads)
    return torch


def loaded_blas_libraries():
    """The BLAS/LAPACK/OpenMP shared libraries mapped into this process (Linux), by path."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if any(key in name for key in ("blas", "lapack", "mkl", "gomp", "iomp", "omp.so")) and path not in found:
                    found.append(path)
    except OSError:
        pass
    return found


def config_value(show, key):
    """A `KEY=value` setting from torch.__config__.show()."""
    match = re.search(re.escape(key) + r"=([^,\s]+)", show)
    return match.group(1) if match else None


def environment(torch):
    # A matmul first, so that the BLAS library is loaded and visible in /proc/self/maps.
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    show = torch.__config__.show()
    libraries = loaded_blas_libraries()
    blas_paths = [p for p in libraries if "blas" in os.path.basename(p).lower() or "mkl" in os.path.basename(p).lower()]
    if any("openblas" in p for p in blas_paths):
        blas = "OpenBLAS (" + ", ".join(os.path.basename(p) for p in blas_paths if "openblas" in p) + ")"
    elif any("mkl" in p for p in blas_paths):
        blas = "MKL"
    elif blas_paths:
        blas = "reference or unknown BLAS (" + ", ".join(blas_paths) + "): install libopenblas0-pthread"
    else:
        blas = "BLAS_INFO=" + str(config_value(show, "BLAS_INFO"))
    return {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "blas": blas,
        "blasInfo": config_value(show, "BLAS_INFO"),
        "lapackInfo": config_value(show, "LAPACK_INFO"),
        "loadedLibraries": libraries,
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "openblasNumThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "ompNumThreads": os.environ.get("OMP_NUM_THREADS"),
        "mklAvailable": bool(torch.backends.mkl.is_available()),
        "mkldnnAvailable": bool(torch.backends.mkldnn.is_available()),
        "openmpAvailable": bool(torch.backends.openmp.is_available()),
        "cpuCapability": next((line.split(":", 1)[1].strip() for line in show.splitlines() if "CPU capability usage" in line), None),
    }


def print_header(env):
    print(
        f"torch {env['torch']} | BLAS: {env['blas']} | threads {env['threads']} "
        f"(OPENBLAS_NUM_THREADS={env['openblasNumThreads']}, OMP_NUM_THREADS={env['ompNumThreads']}) | "
        f"mkl {env['mklAvailable']}, mkldnn {env['mkldnnAvailable']}, openmp {env['openmpAvailable']}",
        file=sys.stderr,
    )


# The matmuls of one ViT-Tiny training step (dim 192, 65 tokens per image, batch 64, 3 heads of 64):
# the four linear layers, the gradients of each (dX = dY W^T, dW = X^T dY), and the attention.
def vit_tiny_gemm_shapes(batch=64, tokens=65, dim=192, heads=3, mlp_ratio=4):
    rows = batch * tokens
    head_dim = dim // heads
    shapes = []
    for name, k, n in (("qkv", dim, 3 * dim), ("proj", dim, dim), ("fc1", dim, mlp_ratio * dim), ("fc2", mlp_ratio * dim, dim)):
        shapes.append({"name": f"{name} forward", "batch": 1, "m": rows, "n": n, "k": k, "transposeA": False, "transposeB": False})
        shapes.append({"name": f"{name} dX", "batch": 1, "m": rows, "n": k, "k": n, "transposeA": False, "transposeB": True})
        shapes.append({"name": f"{name} dW", "batch": 1, "m": k, "n": n, "k": rows, "transposeA": True, "transposeB": False})
    bh = batch * heads
    shapes += [
        {"name": "attn q@kT stored", "batch": bh, "m": tokens, "n": tokens, "k": head_dim, "transposeA": False, "transposeB": False},
        {"name": "attn q@k^T (tB)", "batch": bh, "m": tokens, "n": tokens, "k": head_dim, "transposeA": False, "transposeB": True},
        {"name": "attn p@v", "batch": bh, "m": tokens, "n": head_dim, "k": tokens, "transposeA": False, "transposeB": False},
        {"name": "attn dP (tB)", "batch": bh, "m": tokens, "n": tokens, "k": head_dim, "transposeA": False, "transposeB": True},
        {"name": "attn dV (tA)", "batch": bh, "m": tokens, "n": head_dim, "k": tokens, "transposeA": True, "transposeB": False},
    ]
    return shapes


def time_best(fn, min_seconds, max_repeats):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats and (len(times) < 2 or time.perf_counter() - start < min_seconds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), len(times)


def run_gemm(torch, args):
    shapes = json.loads(args.shapes) if args.shapes else vit_tiny_gemm_shapes()
    generator = torch.Generator().manual_seed(0)
    results = []
    for shape in shapes:
        batch, m, n, k = int(shape.get("batch", 1)), int(shape["m"]), int(shape["n"]), int(shape["k"])
        ta, tb = bool(shape.get("transposeA")), bool(shape.get("transposeB"))
        lead = (batch,) if batch > 1 else ()
        a = torch.randn(*lead, *((k, m) if ta else (m, k)), generator=generator)
        b = torch.randn(*lead, *((n, k) if tb else (k, n)), generator=generator)
        # Transposed views: torch passes the transpose to BLAS instead of copying.
        op_a = a.transpose(-1, -2) if ta else a
        op_b = b.transpose(-1, -2) if tb else b
        with torch.no_grad():
            seconds, repeats = time_best(lambda: torch.matmul(op_a, op_b), args.min_seconds, args.max_repeats)
        flop = 2.0 * batch * m * n * k
        results.append({**shape, "seconds": seconds, "repeats": repeats, "gflops": flop / seconds / 1e9})
        print(f"  {shape['name']:<18} {batch}x[{m},{k}]x[{k},{n}] {flop / seconds / 1e9:8.2f} GFLOP/s", file=sys.stderr)
    return results


def build_vit(torch, dim, depth, heads, image, patch, channels, mlp_ratio):
    nn = torch.nn
    F = torch.nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = heads
            self.head_dim = dim // heads
            self.scale = self.head_dim ** -0.5
            self.qkv = nn.Linear(dim, 3 * dim, bias=True)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            b, n, d = x.shape
            # [B, N, 3D] -> [3, B, H, N, Dh]
            qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            attn = (q * self.scale) @ k.transpose(-2, -1)  # [B, H, N, N]
            attn = attn.softmax(dim=-1)
            x = (attn @ v).transpose(1, 2).reshape(b, n, d)  # [B, H, N, Dh] -> [B, N, D]
            return self.proj(x)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=1e-6)
            self.attn = Attention()
            self.norm2 = nn.LayerNorm(dim, eps=1e-6)
            self.fc1 = nn.Linear(dim, mlp_ratio * dim)
            self.fc2 = nn.Linear(mlp_ratio * dim, dim)

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))

    class VisionTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            grid = image // patch
            self.patch_embed = nn.Conv2d(channels, dim, kernel_size=patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.randn(1, grid * grid + 1, dim) * 0.02)
            self.blocks = nn.ModuleList([Block() for _ in range(depth)])
            self.norm = nn.LayerNorm(dim, eps=1e-6)
            nn.init.trunc_normal_(self.cls_token, std=0.02)
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    nn.init.trunc_normal_(module.weight, std=0.02)
                    nn.init.zeros_(module.bias)

        def forward(self, images):
            x = self.patch_embed(images).flatten(2).transpose(1, 2)  # [B, C, h, w] -> [B, h*w, D]
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
            for block in self.blocks:
                x = block(x)
            return self.norm(x)

    return VisionTransformer()


def run_vit_step(torch, args):
    torch.manual_seed(0)
    model = build_vit(torch, args.dim, args.depth, args.heads, args.image, args.patch, args.channels, args.mlp_ratio)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    images = torch.randn(args.batch, args.channels, args.image, args.image)  # NCHW for torch
    parameters = sum(p.numel() for p in model.parameters())
    records = []
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = model(images).pow(2).mean()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        t3 = time.perf_counter()
        record = {"forward": t1 - t0, "backward": t2 - t1, "update": t3 - t2, "step": t3 - t0, "loss": float(loss.item())}
        if step >= args.warmup:
            records.append(record)
        print(f"  step {step}{' (warm-up)' if step < args.warmup else ''}: {record['step']:.3f} s "
              f"(forward {record['forward']:.3f}, backward {record['backward']:.3f}, update {record['update']:.3f})", file=sys.stderr)
    median = {key: statistics.median(r[key] for r in records) for key in ("forward", "backward", "update", "step")}
    return {
        "config": {key: getattr(args, key) for key in ("dim", "depth", "heads", "image", "patch", "channels", "batch", "mlp_ratio", "steps", "warmup")},
        "parameters": parameters,
        "tokens": (args.image // args.patch) ** 2 + 1,
        "loss": "mean(norm(tokens) ** 2); AdamW lr 1e-4, weight decay 0.05",
        "steps": records,
        "median": median,
        "imagesPerSecond": args.batch / median["step"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=default_threads(), help="intra-op threads (default: usable cores)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="print torch's BLAS and threads")
    gemm = commands.add_parser("gemm", help="GEMM GFLOP/s for the ViT-Tiny step's matmul shapes")
    gemm.add_argument("--shapes", help="JSON list of {name, batch, m, n, k, transposeA, transposeB} (default: ViT-Tiny's)")
    gemm.add_argument("--min-seconds", type=float, default=1.0, help="time each shape at least this long")
    gemm.add_argument("--max-repeats", type=int, default=20)
    vit = commands.add_parser("vit-step", help="time a ViT training step (forward, backward, AdamW)")
    for name, default in (("dim", 192), ("depth", 12), ("heads", 3), ("image", 32), ("patch", 4), ("channels", 3), ("batch", 64), ("steps", 3), ("warmup", 1)):
        vit.add_argument(f"--{name}", type=int, default=default)
    vit.add_argument("--mlp-ratio", dest="mlp_ratio", type=int, default=4)
    # Accept --threads after the command too.
    for sub in (gemm, vit):
        sub.add_argument("--threads", dest="threads_after", type=int, default=None)
    args = parser.parse_args()
    threads = getattr(args, "threads_after", None) or args.threads
    if threads < 1:
        parser.error("--threads must be >= 1")

    torch = import_torch(threads)
    env = environment(torch)
    print_header(env)
    output = {"command": args.command, "environment": env}
    if args.command == "gemm":
        output["results"] = run_gemm(torch, args)
    elif args.command == "vit-step":
        output["vitStep"] = run_vit_step(torch, args)
    json.dump(output, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
