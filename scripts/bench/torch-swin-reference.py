#!/usr/bin/env python3
"""PyTorch reference of selfsup's Swin benchmark (CPU only, standalone): the official iBOT Swin
Transformer (bytedance/ibot models/swin_transformer.py, itself Microsoft's Swin) written out in
plain torch with the official module and parameter names, so its state dicts are the official ones.

    python3 torch-swin-reference.py [--threads N] swin-step --image 28 --patch 2 --channels 1 \
        --embed-dim 64 --depths 2,2 --heads 2,4 --window 7 --batch 64 --steps 3 [--warmup 1]
    python3 torch-swin-reference.py parity [--fixture fixtures/reference/swin.json.gz] [--tolerance 1e-4]

swin-step times one training step (wall and process CPU time) like torch-reference.py's vit-step: the loss is the mean square
of every output token (the mean-pooled token and the last stage's normalised tokens, as iBOT's
`return_all_tokens`), then backward and AdamW (lr 1e-4, weight decay 0.05). `parity` checks this
module against the official outputs of the reference fixture (a masked crop, the same crop
unmasked, and a smaller crop that needs padding); it exits 1 when they differ by more than the
tolerance. Both print one JSON object on stdout.

The model: patch embedding (a conv with kernel = stride = patch) with LayerNorm; stages of
`SwinTransformerBlock`s (pre-norm window attention with a learned relative position bias; every
other block rolls the grid by half a window and masks scores across regions with -100; grids are
padded with zeros to a multiple of the window; a window larger than the stage shrinks to it and
stops shifting); `PatchMerging` between stages (odd grids padded, x0..x3 concatenated, LayerNorm,
a linear map to 2C without bias); a final LayerNorm; the mean of the last tokens. Masked image
modelling: a mask at the last stage's grid is repeated to the patch grid and the masked patch
embeddings (after the patch norm) are replaced by `masked_embed`. LayerNorm eps 1e-6, exact GELU.
"""

import argparse
import gzip
import importlib.util
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_torch_reference():
    """torch-reference.py (threads, BLAS description) as a module; its file name has a hyphen."""
    spec = importlib.util.spec_from_file_location("torch_reference", os.path.join(HERE, "torch-reference.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_swin(torch, image, patch, channels, embed_dim, depths, heads, window, mlp_ratio=4.0, eps=1e-6):
    nn = torch.nn
    F = torch.nn.functional

    def window_partition(x, w):
        b, h, wd, c = x.shape
        x = x.view(b, h // w, w, wd // w, w, c)
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, w, w, c)

    def window_reverse(windows, w, h, wd):
        b = int(windows.shape[0] / (h * wd / w / w))
        x = windows.view(b, h // w, wd // w, w, w, -1)
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, wd, -1)

    class WindowAttention(nn.Module):
        def __init__(self, dim, w, num_heads):
            super().__init__()
            self.num_heads = num_heads
            self.scale = (dim // num_heads) ** -0.5
            self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * w - 1) * (2 * w - 1), num_heads))
            coords = torch.stack(torch.meshgrid([torch.arange(w), torch.arange(w)], indexing="ij"))  # 2, w, w
            flat = torch.flatten(coords, 1)
            relative = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
            relative[:, :, 0] += w - 1
            relative[:, :, 1] += w - 1
            relative[:, :, 0] *= 2 * w - 1
            self.register_buffer("relative_position_index", relative.sum(-1))
            self.qkv = nn.Linear(dim, dim * 3, bias=True)
            self.proj = nn.Linear(dim, dim)
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

        def forward(self, x, mask=None):
            b_, n, c = x.shape
            qkv = self.qkv(x).reshape(b_, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
            attn = q @ k.transpose(-2, -1)
            bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
            attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
            if mask is not None:
                nw = mask.shape[0]
                attn = attn.view(b_ // nw, nw, self.num_heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
                attn = attn.view(-1, self.num_heads, n, n)
            attn = attn.softmax(dim=-1)
            return self.proj((attn @ v).transpose(1, 2).reshape(b_, n, c))

    class Mlp(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.fc1 = nn.Linear(dim, int(dim * mlp_ratio))
            self.fc2 = nn.Linear(int(dim * mlp_ratio), dim)

        def forward(self, x):
            return self.fc2(F.gelu(self.fc1(x)))

    class SwinTransformerBlock(nn.Module):
        def __init__(self, dim, resolution, num_heads, w, shift):
            super().__init__()
            if min(resolution) <= w:  # the window covers the stage: no shift, smaller window
                shift, w = 0, min(resolution)
            self.window_size, self.shift_size = w, shift
            self.norm1 = nn.LayerNorm(dim, eps=eps)
            self.attn = WindowAttention(dim, w, num_heads)
            self.norm2 = nn.LayerNorm(dim, eps=eps)
            self.mlp = Mlp(dim)
            self.attn_mask_dict = {}

        def create_attn_mask(self, h, wd):
            w, s = self.window_size, self.shift_size
            hp, wp = -(-h // w) * w, -(-wd // w) * w
            img_mask = torch.zeros((1, hp, wp, 1))
            cnt = 0
            for hs in (slice(0, -w), slice(-w, -s), slice(-s, None)):
                for ws in (slice(0, -w), slice(-w, -s), slice(-s, None)):
                    img_mask[:, hs, ws, :] = cnt
                    cnt += 1
            windows = window_partition(img_mask, w).view(-1, w * w)
            mask = windows.unsqueeze(1) - windows.unsqueeze(2)
            return mask.masked_fill(mask != 0, float(-100.0)).masked_fill(mask == 0, float(0.0))

        def forward(self, x, h, wd):
            b, _, c = x.shape
            w, s = self.window_size, self.shift_size
            shortcut = x
            x = self.norm1(x).view(b, h, wd, c)
            pad_r, pad_b = (w - wd % w) % w, (w - h % w) % w
            x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
            _, hp, wp, _ = x.shape
            if s > 0:
                x = torch.roll(x, shifts=(-s, -s), dims=(1, 2))
                if (h, wd) not in self.attn_mask_dict:
                    self.attn_mask_dict[(h, wd)] = self.create_attn_mask(h, wd).to(x.device)
                mask = self.attn_mask_dict[(h, wd)]
            else:
                mask = None
            windows = self.attn(window_partition(x, w).view(-1, w * w, c), mask)
            x = window_reverse(windows.view(-1, w, w, c), w, hp, wp)
            if s > 0:
                x = torch.roll(x, shifts=(s, s), dims=(1, 2))
            if pad_r > 0 or pad_b > 0:
                x = x[:, :h, :wd, :].contiguous()
            x = shortcut + x.view(b, h * wd, c)
            return x + self.mlp(self.norm2(x))

    class PatchMerging(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
            self.norm = nn.LayerNorm(4 * dim, eps=eps)

        def forward(self, x, h, wd):
            b, _, c = x.shape
            x = x.view(b, h, wd, c)
            if h % 2 == 1 or wd % 2 == 1:
                x = F.pad(x, (0, 0, 0, wd % 2, 0, h % 2))
            x0, x1, x2, x3 = x[:, 0::2, 0::2, :], x[:, 1::2, 0::2, :], x[:, 0::2, 1::2, :], x[:, 1::2, 1::2, :]
            x = torch.cat([x0, x1, x2, x3], -1).view(b, -1, 4 * c)
            return self.reduction(self.norm(x))

    class BasicLayer(nn.Module):
        def __init__(self, dim, resolution, depth, num_heads, last):
            super().__init__()
            self.blocks = nn.ModuleList([SwinTransformerBlock(dim, resolution, num_heads, window, 0 if j % 2 == 0 else window // 2) for j in range(depth)])
            self.downsample = None if last else PatchMerging(dim)

    class PatchEmbed(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Conv2d(channels, embed_dim, kernel_size=patch, stride=patch)
            self.norm = nn.LayerNorm(embed_dim, eps=eps)

    class SwinTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = PatchEmbed()
            grid = image // patch
            self.layers = nn.ModuleList()
            for i, depth in enumerate(depths):
                resolution = (-(-grid // 2 ** i), -(-grid // 2 ** i))
                self.layers.append(BasicLayer(embed_dim * 2 ** i, resolution, depth, heads[i], i == len(depths) - 1))
            self.norm = nn.LayerNorm(embed_dim * 2 ** (len(depths) - 1), eps=eps)
            self.masked_embed = nn.Parameter(torch.zeros(1, embed_dim))
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    nn.init.trunc_normal_(module.weight, std=0.02)
                    if module.bias is not None:
                        nn.init.zeros_(module.bias)

        def forward(self, images, mask=None):
            """images [B, C, H, W] -> [B, 1 + L, D]: the mean-pooled token, then the last stage's tokens."""
            x = self.patch_embed.proj(images)  # [B, D, h, w]
            h, wd = x.shape[-2:]
            x = self.patch_embed.norm(x.flatten(2).transpose(1, 2))  # [B, h*w, D]
            if mask is not None:
                # the mask at the last stage's grid, repeated to the patch grid (the official mask_model)
                rh, rw = h // mask.shape[-2], wd // mask.shape[-1]
                patch_mask = mask.repeat_interleave(rh, -2).repeat_interleave(rw, -1).flatten(1)  # [B, h*w]
                x = torch.where(patch_mask[..., None], self.masked_embed.to(x.dtype).expand_as(x), x)
            for layer in self.layers:
                for block in layer.blocks:
                    x = block(x, h, wd)
                if layer.downsample is not None:
                    x = layer.downsample(x, h, wd)
                    h, wd = -(-h // 2), -(-wd // 2)
            tokens = self.norm(x)
            return torch.cat([tokens.mean(1, keepdim=True), tokens], dim=1)

    return SwinTransformer()


def training_phases(model, optimizer, images):
    """One training step as its timed phases, in order; each takes the previous one's result (the loss)."""

    def forward(_):
        optimizer.zero_grad(set_to_none=True)
        return model(images).pow(2).mean()

    def backward(loss):
        loss.backward()
        return loss

    def update(loss):
        optimizer.step()
        return loss

    return {"forward": forward, "backward": backward, "update": update}


def time_steps(phases, warmup, steps):
    """Runs `warmup + steps` steps of `phases` (see training_phases); returns the records of the steps after the
    warm-up (each phase's wall seconds, the step's wall and process CPU seconds, the loss) and their medians.
    time.perf_counter is called once at the start of a step and once after each phase, as torch-process-usage.py
    expects of a three-phase step (marks 4i and 4i+3 bound step i)."""
    records = []
    for step in range(warmup + steps):
        c0 = time.process_time()
        marks = [time.perf_counter()]
        result = None
        for run in phases.values():
            result = run(result)
            marks.append(time.perf_counter())
        record = {name: marks[i + 1] - marks[i] for i, name in enumerate(phases)}
        record.update({"step": marks[-1] - marks[0], "cpu": time.process_time() - c0, "loss": float(result.item())})
        if step >= warmup:
            records.append(record)
        split = ", ".join(f"{name} {record[name]:.3f}" for name in phases)
        print(f"  step {step}{' (warm-up)' if step < warmup else ''}: {record['step']:.3f} s, CPU {record['cpu']:.3f} s ({split})", file=sys.stderr)
    median = {key: statistics.median(r[key] for r in records) for key in (*phases, "step", "cpu")}
    return records, median


def run_swin_step(torch, args):
    torch.manual_seed(0)
    depths = [int(d) for d in args.depths.split(",")]
    heads = [int(h) for h in args.heads.split(",")]
    model = build_swin(torch, args.image, args.patch, args.channels, args.embed_dim, depths, heads, args.window)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    images = torch.randn(args.batch, args.channels, args.image, args.image)  # NCHW for torch
    records, median = time_steps(training_phases(model, optimizer, images), args.warmup, args.steps)
    return {
        "config": {"image": args.image, "patch": args.patch, "channels": args.channels, "embedDim": args.embed_dim, "depths": depths,
                   "heads": heads, "window": args.window, "batch": args.batch, "steps": args.steps, "warmup": args.warmup},
        "parameters": sum(p.numel() for p in model.parameters()),
        "loss": "mean(tokens ** 2) over the pooled token and the last stage's tokens; AdamW lr 1e-4, weight decay 0.05",
        "steps": records,
        "median": median,
        "imagesPerSecond": args.batch / median["step"],
    }


def tensor_of(torch, entry):
    return torch.tensor(entry["data"], dtype=torch.float32).reshape(entry["shape"])


def run_parity(torch, args):
    opener = gzip.open if args.fixture.endswith(".gz") else open
    with opener(args.fixture, "rt") as f:
        fixture = json.load(f)
    c = fixture["config"]
    model = build_swin(torch, c["img_size"], c["patch_size"], c["in_chans"], c["embed_dim"], c["depths"], c["num_heads"], c["window_size"], c["mlp_ratio"], c["layer_norm_eps"])
    state = {name: tensor_of(torch, entry) for name, entry in fixture["state_dict"].items()}
    state = {name: value.long() if name.endswith("relative_position_index") else value for name, value in state.items()}
    model.load_state_dict(state)
    model.eval()
    cases = []
    with torch.no_grad():
        for case in fixture["cases"]:
            mask = tensor_of(torch, case["mask"]).bool() if "mask" in case else None
            tokens = model(tensor_of(torch, case["images"]), mask)
            difference = (tokens - tensor_of(torch, case["tokens"])).abs().max().item()
            cases.append({"name": case["name"], "maxAbsDifference": difference})
            print(f"  {case['name']:<20} max |difference| {difference:.2e}", file=sys.stderr)
    worst = max(case["maxAbsDifference"] for case in cases)
    return {"fixture": args.fixture, "cases": cases, "maxAbsDifference": worst, "tolerance": args.tolerance, "ok": worst <= args.tolerance}


def main():
    reference = load_torch_reference()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=reference.default_threads(), help="intra-op threads (default: usable cores)")
    commands = parser.add_subparsers(dest="command", required=True)
    step = commands.add_parser("swin-step", help="time a Swin training step (forward, backward, AdamW)")
    for name, default in (("image", 28), ("patch", 2), ("channels", 1), ("embed-dim", 64), ("window", 7), ("batch", 64), ("steps", 3), ("warmup", 1)):
        step.add_argument(f"--{name}", type=int, default=default)
    step.add_argument("--depths", default="2,2", help="blocks per stage, comma-separated")
    step.add_argument("--heads", default="2,4", help="heads per stage, comma-separated")
    parity = commands.add_parser("parity", help="compare with the official outputs of the swin.json fixture")
    parity.add_argument("--fixture", default=os.path.join(HERE, "..", "..", "fixtures", "reference", "swin.json.gz"))
    parity.add_argument("--tolerance", type=float, default=1e-4)
    for sub in (step, parity):
        sub.add_argument("--threads", dest="threads_after", type=int, default=None)
    args = parser.parse_args()
    threads = getattr(args, "threads_after", None) or args.threads
    if threads < 1:
        parser.error("--threads must be >= 1")

    torch = reference.import_torch(threads)
    env = reference.environment(torch)
    reference.print_header(env)
    output = {"command": args.command, "environment": env}
    if args.command == "swin-step":
        output["swinStep"] = run_swin_step(torch, args)
    else:
        output["parity"] = run_parity(torch, args)
    json.dump(output, sys.stdout)
    sys.stdout.write("\n")
    if args.command == "parity" and not output["parity"]["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
