#!/usr/bin/env python3
"""PyTorch side of `npm run bench webgpu` and scripts/gpu-check.sh: the same two training
workloads as scripts/bench/webgpu-workloads.ts, on CUDA when torch sees a GPU, else on the CPU.

    python3 torch-webgpu-reference.py info [--device auto|cuda|cpu]
    python3 torch-webgpu-reference.py vit-step --dim 384 --depth 12 --heads 6 --image 224 --patch 16 \
        --batch 64 [--warmup 1] [--steps 5] [--max-seconds 60] [--device auto] [--tf32]
    python3 torch-webgpu-reference.py ibot --dim 192 --depth 12 --heads 3 --image 32 --patch 4 --batch 32 \
        [--global-crops 2 --global-size 32 --local-crops 4 --local-size 16] \
        [--out-dim 2048 --hidden-dim 1024 --bottleneck-dim 256] [--warmup 1] [--steps 5] ...

Every command takes --threads N (torch's intra-op CPU threads; default: the usable cores).

Every command prints one JSON object on stdout (progress goes to stderr).

vit-step: the ViT of torch-reference.py (timm layout, pre-norm, qkv bias, LayerNorm eps 1e-6, the
attention as two explicit matrix products), the loss mean(tokens ** 2) over every output token,
backward and AdamW (lr 1e-4, weight decay 0.05).

ibot: the iBOT iteration of native.bench.ts's tfjs rows (whose PyTorch row runs this command): student and EMA teacher ViTs with a
shared head (3 linear layers, GELU, L2-normalised bottleneck, weight-normalised last layer with its
gain fixed at 1), multi-crop views (random resized crops, bilinear), block-ratio masks on the
global crops, DINO [CLS] and iBOT patch losses with centring and sharpening, per-parameter
gradient clipping at 3, the last layer frozen (first epoch), AdamW (lr 5e-4, wd 0.04), EMA 0.996.

Float32 throughout: on CUDA, TF32 is turned off for matrix products and convolutions (WebGPU
computes in float32), unless --tf32. A step is timed until the GPU is idle (torch.cuda.synchronize).
Peak memory: torch.cuda.max_memory_allocated / max_memory_reserved during the timed steps on CUDA;
the peak RSS of the process on the CPU. With torch >= 2.1, one extra untimed step runs under
torch.utils.flop_counter.FlopCounterMode and its count is reported beside the benchmark's analytic
count (scripts/bench/training-flops.ts), as a cross-check.
"""

import argparse
import importlib.util
import json
import math
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_torch_reference():
    """torch-reference.py beside this file (its ViT is the one the other benchmarks use)."""
    spec = importlib.util.spec_from_file_location("torch_reference", os.path.join(HERE, "torch-reference.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_torch(args):
    threads = args.threads or default_threads()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import torch

    torch.set_num_threads(threads)
    if args.device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        device = args.device
    if device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("torch-webgpu-reference: --device cuda, but torch.cuda.is_available() is False")
        torch.backends.cuda.matmul.allow_tf32 = bool(args.tf32)
        torch.backends.cudnn.allow_tf32 = bool(args.tf32)
    return torch, torch.device(device)


def environment(torch, device):
    env = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "device": device.type,
        "threads": torch.get_num_threads(),
        "cudaAvailable": bool(torch.cuda.is_available()),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env.update(
            {
                "deviceName": props.name,
                "cuda": torch.version.cuda,
                "multiprocessors": props.multi_processor_count,
                "totalMemoryBytes": props.total_memory,
                "tf32": bool(torch.backends.cuda.matmul.allow_tf32),
            }
        )
    return env


def synchronize(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def flop_counter(torch):
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return None
    return FlopCounterMode


def count_flops(torch, step):
    """FLOPs torch counts for one call of `step` (None where torch has no FlopCounterMode)."""
    mode = flop_counter(torch)
    if mode is None:
        return None
    counter = mode(display=False)
    with counter:
        step()
    return int(counter.get_total_flops())


def time_steps(torch, device, step, args):
    """Warm-up steps, then timed steps until --steps or --max-seconds; each until the GPU is idle."""
    warmup_seconds, step_seconds, loss = [], [], float("nan")
    for i in range(args.warmup):
        t0 = time.perf_counter()
        loss = step()
        synchronize(torch, device)
        warmup_seconds.append(time.perf_counter() - t0)
        print(f"  warm-up step {i + 1}/{args.warmup}: {warmup_seconds[-1]:.3f} s, loss {loss:.4f}", file=sys.stderr)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    started = time.perf_counter()
    for i in range(args.steps):
        t0 = time.perf_counter()
        loss = step()
        synchronize(torch, device)
        step_seconds.append(time.perf_counter() - t0)
        print(f"  step {i + 1}/{args.steps}: {step_seconds[-1]:.3f} s, loss {loss:.4f}", file=sys.stderr)
        if time.perf_counter() - started >= args.max_seconds and i + 1 < args.steps:
            print(f"  stopping after {i + 1} timed step(s): --max-seconds {args.max_seconds} reached", file=sys.stderr)
            break
    if device.type == "cuda":
        memory = {
            "kind": "cuda",
            "peakBytesAllocated": int(torch.cuda.max_memory_allocated(device)),
            "peakBytesReserved": int(torch.cuda.max_memory_reserved(device)),
        }
    else:
        memory = {"kind": "rss", "peakRssBytes": int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024}
    return {
        "warmupSeconds": warmup_seconds,
        "stepSeconds": step_seconds,
        "secondsPerStep": statistics.median(step_seconds),
        "loss": loss,
        "memory": memory,
    }


def run_vit_step(torch, device, args):
    reference = load_torch_reference()
    torch.manual_seed(0)
    model = reference.build_vit(torch, args.dim, args.depth, args.heads, args.image, args.patch, 3, args.mlp_ratio).to(device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    images = torch.randn(args.batch, 3, args.image, args.image, device=device)  # NCHW for torch

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(images).pow(2).mean()
        loss.backward()
        optimizer.step()
        return float(loss.item())

    result = time_steps(torch, device, step, args)
    result["countedFlops"] = count_flops(torch, step)
    result["parameters"] = sum(p.numel() for p in model.parameters())
    return result


def build_ibot(torch, device, args):
    nn = torch.nn
    F = torch.nn.functional
    reference = load_torch_reference()
    D, patch = args.dim, args.patch

    class Backbone(nn.Module):
        """torch-reference.py's ViT, with iBOT's mask token and bicubic position resampling for local crops."""

        def __init__(self):
            super().__init__()
            self.vit = reference.build_vit(torch, D, args.depth, args.heads, args.global_size, patch, 3, args.mlp_ratio)
            self.mask_token = nn.Parameter(torch.zeros(1, 1, D))

        def forward(self, x, mask=None):
            vit = self.vit
            x = vit.patch_embed(x).flatten(2).transpose(1, 2)
            if mask is not None:
                x = torch.where(mask.unsqueeze(-1), self.mask_token.to(x.dtype), x)
            pos = vit.pos_embed
            if x.shape[1] + 1 != pos.shape[1]:
                g0 = int(math.sqrt(pos.shape[1] - 1))
                g = int(math.sqrt(x.shape[1]))
                grid = F.interpolate(pos[:, 1:].reshape(1, g0, g0, D).permute(0, 3, 1, 2), size=(g, g), mode="bicubic", align_corners=False)
                pos = torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, g * g, D)], 1)
            x = torch.cat([vit.cls_token.expand(x.shape[0], -1, -1), x], 1) + pos
            for block in vit.blocks:
                x = block(x)
            return vit.norm(x)

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            h, b = args.hidden_dim, args.bottleneck_dim
            self.mlp = nn.Sequential(nn.Linear(D, h), nn.GELU(), nn.Linear(h, h), nn.GELU(), nn.Linear(h, b))
            # weight-normalised last layer, gain fixed at 1 (norm_last_layer): W = V / ||V|| per row
            self.last_v = nn.Parameter(torch.randn(args.out_dim, b) * 0.02)

        def forward(self, x):
            v = self.last_v
            return F.linear(F.normalize(self.mlp(x), dim=-1), v / v.norm(dim=1, keepdim=True))

    def net():
        return nn.ModuleDict({"backbone": Backbone(), "head": Head()}).to(device)

    torch.manual_seed(0)
    student, teacher = net(), net()
    teacher.load_state_dict(student.state_dict())
    for p in teacher.parameters():
        p.requires_grad = False
    return student, teacher


def run_ibot(torch, device, args):
    F = torch.nn.functional
    student, teacher = build_ibot(torch, device, args)
    optimizer = torch.optim.AdamW([p for p in student.parameters() if p.requires_grad], lr=5e-4, weight_decay=0.04)
    G, L, gs, ls, S = args.global_crops, args.local_crops, args.global_size, args.local_size, args.image
    grid = (gs // args.patch) ** 2
    batch = args.batch
    images = torch.rand(batch, 3, S, S, device=device)
    state = {"center": torch.zeros(1, args.out_dim, device=device), "center2": torch.zeros(1, 1, args.out_dim, device=device)}

    def views():
        # random resized crops like the multi-crop augmentation (flips and colour jitter are cheap next to the network)
        def crop(size, scale):
            out = []
            for i in range(batch):
                s = max(int(S * math.sqrt(torch.empty(1).uniform_(*scale).item())), 4)
                y, x = torch.randint(0, S - s + 1, (2,)).tolist()
                out.append(F.interpolate(images[i : i + 1, :, y : y + s, x : x + s], size=(size, size), mode="bilinear", align_corners=False))
            return torch.cat(out)

        g = torch.cat([crop(gs, (0.25, 1.0)) for _ in range(G)])
        local = torch.cat([crop(ls, (0.05, 0.25)) for _ in range(L)]) if L > 0 else None
        masks = torch.rand(G * batch, grid, device=device) < (0.3 + 0.2 * (2 * torch.rand(G * batch, 1, device=device) - 1))
        return g, local, masks

    def step():
        g, local, masks = views()
        with torch.no_grad():
            t = teacher["head"](teacher["backbone"](g))
            t_cls = F.softmax((t[:, 0] - state["center"]) / 0.04, -1).chunk(G)
            t_patch = F.softmax((t[:, 1:] - state["center2"]) / 0.04, -1).chunk(G)
        s_g = student["head"](student["backbone"](g, masks))
        cls_views = [s_g[:, 0]]
        if local is not None:
            cls_views.append(student["head"](student["backbone"](local)[:, 0]))
        s_cls = (torch.cat(cls_views) / 0.1).chunk(G + L)
        s_patch = (s_g[:, 1:] / 0.1).chunk(G)
        m = masks.chunk(G)
        cls_loss, patch_loss, n1, n2 = 0, 0, 0, 0
        for q in range(G):
            for v in range(G + L):
                if v == q:
                    per = torch.sum(-t_patch[q] * F.log_softmax(s_patch[v], -1), -1)
                    per = torch.sum(per * m[v].float(), -1) / m[v].sum(-1).clamp(min=1.0)
                    patch_loss = patch_loss + per.mean()
                    n1 += 1
                else:
                    cls_loss = cls_loss + torch.sum(-t_cls[q] * F.log_softmax(s_cls[v], -1), -1).mean()
                    n2 += 1
        loss = patch_loss / n1 + (cls_loss / n2 if n2 else 0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for p in student.parameters():  # per-parameter clipping
            if p.grad is not None:
                torch.nn.utils.clip_grad_norm_(p, 3.0)
        student["head"].last_v.grad = None  # the last layer is frozen in the first epoch
        optimizer.step()
        with torch.no_grad():
            for ps, pt in zip(student.parameters(), teacher.parameters()):
                pt.mul_(0.996).add_(ps.detach(), alpha=0.004)
            state["center"] = state["center"] * 0.9 + t[:, 0].mean(0, keepdim=True) * 0.1
            state["center2"] = state["center2"] * 0.9 + t[:, 1:].mean((0, 1), keepdim=True) * 0.1
        return float(loss.item())

    result = time_steps(torch, device, step, args)
    result["countedFlops"] = count_flops(torch, step)
    result["parameters"] = sum(p.numel() for p in student.parameters())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="torch, the device and its name")
    vit = commands.add_parser("vit-step", help="time a ViT training step (forward, backward, AdamW)")
    ibot = commands.add_parser("ibot", help="time an iBOT iteration")
    for sub, defaults in (
        (vit, {"dim": 384, "depth": 12, "heads": 6, "image": 224, "patch": 16, "batch": 64}),
        (ibot, {"dim": 192, "depth": 12, "heads": 3, "image": 32, "patch": 4, "batch": 32}),
    ):
        for name, default in defaults.items():
            sub.add_argument(f"--{name}", type=int, default=default)
        sub.add_argument("--mlp-ratio", dest="mlp_ratio", type=int, default=4)
        sub.add_argument("--warmup", type=int, default=1)
        sub.add_argument("--steps", type=int, default=5)
        sub.add_argument("--max-seconds", dest="max_seconds", type=float, default=60.0)
    for name, default in (("global-crops", 2), ("global-size", 32), ("local-crops", 4), ("local-size", 16), ("out-dim", 2048), ("hidden-dim", 1024), ("bottleneck-dim", 256)):
        ibot.add_argument(f"--{name}", dest=name.replace("-", "_"), type=int, default=default)
    for sub in (info, vit, ibot):
        sub.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto")
        sub.add_argument("--tf32", action="store_true", help="allow TF32 matrix products on CUDA (default: strict float32)")
        sub.add_argument("--threads", type=int, default=None, help="torch's intra-op CPU threads (default: usable cores)")
    args = parser.parse_args()
    if args.command != "info" and (args.steps < 1 or args.warmup < 0):
        parser.error("--steps must be >= 1 and --warmup >= 0")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be >= 1")

    torch, device = import_torch(args)
    env = environment(torch, device)
    print(f"torch {env['torch']} on {env.get('deviceName', device.type)} ({env['threads']} CPU threads)", file=sys.stderr)
    output = {"command": args.command, "environment": env}
    if args.command == "vit-step":
        output["result"] = run_vit_step(torch, device, args)
    elif args.command == "ibot":
        output["result"] = run_ibot(torch, device, args)
    json.dump(output, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
