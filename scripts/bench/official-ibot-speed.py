#!/usr/bin/env python3
"""Speed of the official iBOT code (bytedance/ibot) on selfsup's reference configuration
(examples/configs/ibot-fashion-mnist.yaml; every value as resolved in
docs/results/ibot-fashion-mnist-reference-config.yaml), for the side-by-side comparison of
official-speed-ab.ts (issue 18):

    IBOT_DIR=/tmp/ibot-official /usr/bin/python3 scripts/bench/official-ibot-speed.py \
        [--ibot-dir DIR] [--threads 1] [--warmup 2] [--steps 20] [--data-dir /usr/share/datasets/fashion-mnist]

IBOT_DIR (or --ibot-dir) is a checkout of bytedance/ibot; with the mirror's bare repository:

    git --git-dir=/work/.mirror/bytedance+ibot/repo archive HEAD -- . ':(exclude)notebooks' | tar -x -C /tmp/ibot-official

(official-speed-ab.ts does this itself and passes the commit with --ibot-commit). It runs the
training iteration of main_ibot.py's train_one_epoch, with the official modules called directly
(not main_ibot's main(), which wants GPUs, a launcher and an ImageFolder on disk):

- models.vision_transformer.VisionTransformer: 28x28, 1 channel, patch 4, dim 128, depth 4, 4 heads,
  MLP ratio 4 and qkv bias (as the official vit_* constructors), drop path 0.1 and
  masked_im_modeling for the student, neither for the teacher, return_all_tokens, no layer scale;
- models.head.iBOTHead: 1024 prototypes, hidden 512, bottleneck 128, 3 layers, GELU, shared head
  (student and teacher), last layer weight-normalised with norm_last_layer;
- utils.MultiCropWrapper, utils.get_params_groups into torch.optim.AdamW (betas 0.9/0.999, eps
  1e-8), utils.cosine_scheduler for the learning rate (1e-3 x 128/256, 1 warm-up epoch, cosine to
  1e-6), the weight decay (0.04 to 0.4) and the teacher momentum (0.996 to 1) over the reference
  run's 2 epochs of 468 iterations, utils.clip_gradients(3.0), utils.cancel_gradients_last_layer
  (last layer frozen in epoch 1: the timed steps are the first iterations of epoch 0), the EMA
  teacher update of train_one_epoch, and its per-step statistics (loss.item(), the [CLS] argmax
  agreement through utils.concat_all_gather);
- main_ibot.iBOTLoss: student temperature 0.1, teacher 0.04, patch teacher 0.04 warming up to 0.07,
  centre momenta 0.9, lambda1 = lambda2 = 1. Its warm-up of 30 epochs is capped at the run's 2
  epochs (the official schedule needs nepochs >= warmup_teacher_temp_epochs, and selfsup caps it
  the same way); epoch 0, which is timed here, has 0.04 for both either way;
- loader.ImageFolderMask: the official block masking of every crop (pred_shape block, pred_ratio
  [0, 0.3], pred_ratio_var [0, 0.2], aspect ratio 0.3 to 1/0.3, patch 4, pred_start_epoch 0);
- main_ibot.DataAugmentationiBOT with 2 global crops (scale 0.25-1) and 4 local crops (0.05-0.25).

Adapted for 28x28 grayscale, and nothing else:
- DataAugmentationiBOT: after construction, its three RandomResizedCrop sizes 224/224/96 become
  28/28/16, and its Normalize's ImageNet RGB mean/std become Fashion-MNIST's (0.286,)/(0.353,).
  The images are PIL mode 'L', on which ColorJitter's saturation and hue and RandomGrayscale leave
  the pixels as they are (selfsup's smallGrayscalePreset does the same); every other transform,
  probability and the blur radius (0.1-2 px) are the official ones.
- ImageFolderMask reads the Fashion-MNIST idx files instead of an image folder: torchvision's
  DatasetFolder hooks find_classes and make_dataset list the first 128 x (warm-up + steps)
  training images, and its loader makes a PIL 'L' image of each (the official default loader
  would decode a file and convert it to RGB).
- The DataLoader has num_workers=0 (selfsup's pipeline augments in its own process too),
  pin_memory=False (no GPU) and the official DistributedSampler(shuffle=True) and drop_last.
- No GPU: no .cuda(), no DistributedDataParallel (one process), float32 (use_fp16 off: there is
  no GradScaler on the CPU; selfsup computes in float32 too). iBOTLoss's all_reduce and
  concat_all_gather run on a one-process gloo group (file:// rendezvous, no network).
- Debian packages: python3-torch, python3-torchvision, python3-pil, python3-sklearn and
  python3-munkres (main_ibot imports evaluation.unsupervised.unsup_cls). Two imports have no
  Debian package and get a few-line stand-in when missing (see install_import_stand_ins): timm
  (models/ imports `register_model`, an identity decorator here, and timm.models.layers for the
  Swin Transformer, which is not built here: its stand-ins raise if called) and tensorboardX
  (main_ibot's SummaryWriter, used only in main(); its stand-in raises if constructed).

--threads N sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS before torch loads, and
torch.set_num_threads(N). Each step is one loop iteration of train_one_epoch, from the end of the
previous one (so it includes loading, augmenting and masking its batch); the first --warmup steps
are left out. Prints one JSON object on stdout: images per second over the timed steps, their
median wall seconds, process CPU seconds (all threads) per step, threads, torch's version, build,
BLAS and threads (torch-reference.py's environment), the iBOT commit, and every step's losses.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
import warnings

BATCH = 128
ITERATIONS_PER_EPOCH = 60000 // BATCH  # the reference run: 468 steps per epoch over the 60,000 training images

# docs/results/ibot-fashion-mnist-reference-config.yaml, in the official code's terms
REFERENCE = {
    'seed': 0,
    'epochs': 2,
    'image_size': 28,
    'patch_size': 4,
    'in_chans': 1,
    'embed_dim': 128,
    'depth': 4,
    'num_heads': 4,
    'drop_path': 0.1,
    'init_values': 0,
    'out_dim': 1024,
    'hidden_dim': 512,
    'bottleneck_dim': 128,
    'nlayers': 3,
    'norm_last_layer': True,
    'shared_head': True,
    'shared_head_teacher': True,
    'global_crops_number': 2,
    'global_size': 28,
    'global_crops_scale': (0.25, 1.0),
    'local_crops_number': 4,
    'local_size': 16,
    'local_crops_scale': (0.05, 0.25),
    'mean': (0.286,),
    'std': (0.353,),
    'pred_shape': 'block',
    'pred_ratio': [0.0, 0.3],
    'pred_ratio_var': [0.0, 0.2],
    'pred_aspect_ratio': (0.3, 1 / 0.3),
    'pred_start_epoch': 0,
    'student_temp': 0.1,
    'warmup_teacher_temp': 0.04,
    'teacher_temp': 0.04,
    'warmup_teacher_patch_temp': 0.04,
    'teacher_patch_temp': 0.07,
    'warmup_teacher_temp_epochs': 30,
    'lambda1': 1.0,
    'lambda2': 1.0,
    'center_momentum': 0.9,
    'center_momentum2': 0.9,
    'lr': 0.001,
    'min_lr': 1e-6,
    'warmup_epochs': 1,
    'weight_decay': 0.04,
    'weight_decay_end': 0.4,
    'clip_grad': 3.0,
    'freeze_last_layer': 1,
    'betas': (0.9, 0.999),
    'eps': 1e-8,
    'momentum_teacher': 0.996,
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--ibot-dir', default=os.environ.get('IBOT_DIR'), help='checkout of bytedance/ibot (default: $IBOT_DIR)')
    parser.add_argument('--ibot-commit', default=None, help="the checkout's commit (default: git rev-parse HEAD in it, when it is a work tree)")
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=2, help='steps left out of the timing')
    parser.add_argument('--steps', type=int, default=20, help='timed steps')
    parser.add_argument('--data-dir', default='/usr/share/datasets/fashion-mnist', help='folder of the Fashion-MNIST idx .gz files')
    args = parser.parse_args()
    if not args.ibot_dir or not os.path.isfile(os.path.join(args.ibot_dir, 'main_ibot.py')):
        parser.error(f'--ibot-dir (or IBOT_DIR) must be a checkout of bytedance/ibot with main_ibot.py; got {args.ibot_dir!r}')
    if args.threads < 1 or args.steps < 1 or args.warmup < 0:
        parser.error(f'--threads and --steps must be >= 1 and --warmup >= 0; got {args.threads}, {args.steps}, {args.warmup}')
    return args


def set_thread_environment(threads):
    """OpenMP, OpenBLAS and MKL read their thread counts when torch loads: set them before."""
    for name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[name] = str(threads)


def install_import_stand_ins():
    """Stand-ins for the two imports of the official code that Debian does not package, only when
    they are missing: timm (register_model, and the layers of the Swin Transformer, not built here)
    and tensorboardX (SummaryWriter, used only by main_ibot's main())."""
    import importlib.util

    def refuse(what):
        def call(*args, **kwargs):
            raise RuntimeError(f'{what} is a stand-in (timm/tensorboardX are not installed): official-ibot-speed.py does not use it')
        return call

    if importlib.util.find_spec('timm') is None:
        timm, models, registry, layers = (types.ModuleType(n) for n in ('timm', 'timm.models', 'timm.models.registry', 'timm.models.layers'))
        registry.register_model = lambda fn: fn  # timm's also records the name in its registry
        for name in ('DropPath', 'to_2tuple', 'trunc_normal_'):
            setattr(layers, name, refuse(f'timm.models.layers.{name}'))
        timm.models, models.registry, models.layers = models, registry, layers
        sys.modules.update({'timm': timm, 'timm.models': models, 'timm.models.registry': registry, 'timm.models.layers': layers})
    if importlib.util.find_spec('tensorboardX') is None:
        tensorboard = types.ModuleType('tensorboardX')
        tensorboard.SummaryWriter = refuse('tensorboardX.SummaryWriter')
        sys.modules['tensorboardX'] = tensorboard


def import_official(ibot_dir):
    """The official modules, imported from the checkout (main_ibot, utils, loader, models)."""
    sys.path.insert(0, os.path.abspath(ibot_dir))
    install_import_stand_ins()
    # noise of the 2022 code on newer Python and torchvision: `is '*'` in swin_transformer.py, and
    # RandomResizedCrop(interpolation=Image.BICUBIC), which torchvision maps to InterpolationMode.BICUBIC
    warnings.filterwarnings('ignore', category=SyntaxWarning)
    warnings.filterwarnings('ignore', message="Argument 'interpolation' of type int is deprecated")
    try:
        import main_ibot
        import utils
        import loader
        from models.vision_transformer import VisionTransformer
        from models.head import iBOTHead
    except ImportError as error:
        raise SystemExit(
            f'cannot import the official iBOT code from {ibot_dir}: {error}. Install its Debian dependencies: '
            'apt-get install -y python3-torch python3-torchvision python3-pil python3-sklearn python3-munkres libopenblas0-pthread'
        )
    return types.SimpleNamespace(main_ibot=main_ibot, utils=utils, loader=loader, VisionTransformer=VisionTransformer, iBOTHead=iBOTHead)


def ibot_commit(ibot_dir, given):
    if given:
        return given
    try:
        out = subprocess.run(['git', '-C', ibot_dir, 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=30)
        return out.stdout.strip() if out.returncode == 0 else None
    except OSError:
        return None


def read_idx(path, magic, count):
    """The first `count` items of an idx .gz file (uint8 images [N, 28, 28] or labels [N])."""
    import numpy as np

    with gzip.open(path, 'rb') as f:
        data = f.read()
    header_magic, total = int.from_bytes(data[0:4], 'big'), int.from_bytes(data[4:8], 'big')
    if header_magic != magic:
        raise SystemExit(f'{path}: idx magic {header_magic}, expected {magic} (a Fashion-MNIST {"image" if magic == 2051 else "label"} file)')
    if count > total:
        raise SystemExit(f'{path} holds {total} items; {count} are needed (128 x (--warmup + --steps)): use fewer steps')
    if magic == 2051:
        rows, cols = int.from_bytes(data[8:12], 'big'), int.from_bytes(data[12:16], 'big')
        return np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, dtype=np.uint8, count=count, offset=8)


def fashion_mnist_mask_dataset(official, images, labels, transform):
    """The official ImageFolderMask over in-memory idx images (see the module docstring)."""
    from PIL import Image

    class FashionMnistMask(official.loader.ImageFolderMask):
        def find_classes(self, directory):
            names = [str(c) for c in range(10)]
            return names, {name: c for c, name in enumerate(names)}

        def make_dataset(self, directory, class_to_idx, extensions=None, is_valid_file=None):
            return [(index, int(labels[index])) for index in range(len(images))]

    def load(index):
        return Image.fromarray(images[index], mode='L')

    r = REFERENCE
    return FashionMnistMask(
        'fashion-mnist',
        loader=load,
        transform=transform,
        patch_size=r['patch_size'],
        pred_ratio=r['pred_ratio'],
        pred_ratio_var=r['pred_ratio_var'],
        pred_aspect_ratio=r['pred_aspect_ratio'],
        pred_shape=r['pred_shape'],
        pred_start_epoch=r['pred_start_epoch'],
    )


def grayscale_augmentation(official):
    """main_ibot.DataAugmentationiBOT with the reference's crop sizes and Fashion-MNIST normalisation."""
    from torchvision import transforms

    r = REFERENCE
    augmentation = official.main_ibot.DataAugmentationiBOT(r['global_crops_scale'], r['local_crops_scale'], r['global_crops_number'], r['local_crops_number'])
    sizes = ((augmentation.global_transfo1, r['global_size']), (augmentation.global_transfo2, r['global_size']), (augmentation.local_transfo, r['local_size']))
    for pipeline, size in sizes:
        crop = pipeline.transforms[0]
        if not isinstance(crop, transforms.RandomResizedCrop):
            raise SystemExit(f'DataAugmentationiBOT changed: expected RandomResizedCrop first, found {type(crop).__name__}')
        crop.size = (size, size)
    normalizes = {id(t): t for pipeline, _ in sizes for step in pipeline.transforms if isinstance(step, transforms.Compose) for t in step.transforms if isinstance(t, transforms.Normalize)}
    if len(normalizes) != 1:
        raise SystemExit(f'DataAugmentationiBOT changed: expected one shared Normalize, found {len(normalizes)}')
    for normalize in normalizes.values():
        normalize.mean, normalize.std = r['mean'], r['std']
    return augmentation


def build_networks(official):
    """Student and teacher as train_ibot builds them (ViT branch), the teacher loaded from the student."""
    r = REFERENCE

    def vit(**kwargs):
        return official.VisionTransformer(
            img_size=[r['image_size']], patch_size=r['patch_size'], in_chans=r['in_chans'], embed_dim=r['embed_dim'], depth=r['depth'],
            num_heads=r['num_heads'], mlp_ratio=4, qkv_bias=True, init_values=r['init_values'], return_all_tokens=True, **kwargs,
        )

    def head(**kwargs):
        return official.iBOTHead(
            r['embed_dim'], r['out_dim'], patch_out_dim=r['out_dim'], norm=None, act='gelu', nlayers=r['nlayers'],
            hidden_dim=r['hidden_dim'], bottleneck_dim=r['bottleneck_dim'], **kwargs,
        )

    student = official.utils.MultiCropWrapper(vit(drop_path_rate=r['drop_path'], masked_im_modeling=True), head(norm_last_layer=r['norm_last_layer'], shared_head=r['shared_head']))
    teacher = official.utils.MultiCropWrapper(vit(), head(shared_head=r['shared_head_teacher']))
    teacher.load_state_dict(student.state_dict(), strict=False)
    for p in teacher.parameters():
        p.requires_grad = False
    return student, teacher


def build_loss(official):
    r = REFERENCE
    warmup_epochs = min(r['warmup_teacher_temp_epochs'], r['epochs'])  # see the module docstring
    return official.main_ibot.iBOTLoss(
        r['out_dim'], r['out_dim'], r['global_crops_number'], r['local_crops_number'], r['warmup_teacher_temp'], r['teacher_temp'],
        r['warmup_teacher_patch_temp'], r['teacher_patch_temp'], warmup_epochs, r['epochs'], student_temp=r['student_temp'],
        center_momentum=r['center_momentum'], center_momentum2=r['center_momentum2'], lambda1=r['lambda1'], lambda2=r['lambda2'],
        mim_start_epoch=r['pred_start_epoch'],
    )


def build_schedules(official):
    """train_ibot's schedules over the reference run (2 epochs of 468 iterations)."""
    r, utils = REFERENCE, official.utils
    base_lr = r['lr'] * (BATCH * utils.get_world_size()) / 256.0
    return types.SimpleNamespace(
        lr=utils.cosine_scheduler(base_lr, r['min_lr'], r['epochs'], ITERATIONS_PER_EPOCH, warmup_epochs=r['warmup_epochs']),
        wd=utils.cosine_scheduler(r['weight_decay'], r['weight_decay_end'], r['epochs'], ITERATIONS_PER_EPOCH),
        momentum=utils.cosine_scheduler(r['momentum_teacher'], 1, r['epochs'], ITERATIONS_PER_EPOCH),
    )


def common_parameters(student, teacher):
    """train_one_epoch's EMA pairs: the parameters both networks name (masked_embed is the student's only)."""
    q = dict(student.named_parameters())
    k = dict(teacher.named_parameters())
    names = [name for name in q if name in k]
    return [q[n] for n in names], [k[n] for n in names]


def train_iteration(official, nets, batch, it, epoch):
    """The body of main_ibot.train_one_epoch for one batch (fp16 off, one process); returns its losses."""
    import math
    import torch

    r, utils = REFERENCE, official.utils
    student, teacher, loss_fn, optimizer, schedules, params_q, params_k = nets
    images, labels, masks = batch
    ng = r['global_crops_number']
    for i, group in enumerate(optimizer.param_groups):
        group['lr'] = schedules.lr[it]
        if i == 0:  # only the first group is regularized
            group['weight_decay'] = schedules.wd[it]

    teacher_output = teacher(images[:ng])
    student_output = student(images[:ng], mask=masks[:ng])
    student.backbone.masked_im_modeling = False
    student_local_cls = student(images[ng:])[0] if len(images) > ng else None
    student.backbone.masked_im_modeling = True
    all_loss = loss_fn(student_output, teacher_output, student_local_cls, masks, epoch)
    loss = all_loss.pop('loss')
    if not math.isfinite(loss.item()):
        raise SystemExit(f'iteration {it}: the loss is {loss.item()}')

    # train_one_epoch's statistics: agreement of the teacher's and student's [CLS] argmax
    probs1 = teacher_output[0].chunk(ng)
    probs2 = student_output[0].chunk(ng)
    pred1 = utils.concat_all_gather(probs1[0].max(dim=1)[1])
    pred2 = utils.concat_all_gather(probs2[1].max(dim=1)[1])
    acc = (pred1 == pred2).sum() / pred1.size(0)

    optimizer.zero_grad()
    loss.backward()
    utils.clip_gradients(student, r['clip_grad'])
    utils.cancel_gradients_last_layer(epoch, student, r['freeze_last_layer'])
    optimizer.step()

    with torch.no_grad():
        m = schedules.momentum[it]
        for param_q, param_k in zip(params_q, params_k):
            param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)

    return {'iteration': it, 'loss': loss.item(), **{name: value.item() for name, value in all_loss.items()}, 'acc': float(acc)}


def init_single_process_group():
    """iBOTLoss.update_center and concat_all_gather need a process group: one process, gloo, a file rendezvous."""
    import torch.distributed as dist

    rendezvous = tempfile.NamedTemporaryFile(prefix='ibot-speed-', delete=False)
    rendezvous.close()
    os.unlink(rendezvous.name)
    dist.init_process_group(backend='gloo', init_method=f'file://{rendezvous.name}', rank=0, world_size=1)
    return rendezvous.name


def load_torch_reference():
    """torch-reference.py (its environment(): torch's build, BLAS and threads) as a module; its file name has a hyphen."""
    import importlib.util

    spec = importlib.util.spec_from_file_location('torch_reference', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torch-reference.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(args):
    set_thread_environment(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    official = import_official(args.ibot_dir)
    rendezvous = init_single_process_group()
    try:
        official.utils.fix_random_seeds(REFERENCE['seed'])
        total = args.warmup + args.steps
        images = read_idx(os.path.join(args.data_dir, 'train-images-idx3-ubyte.gz'), 2051, BATCH * total)
        labels = read_idx(os.path.join(args.data_dir, 'train-labels-idx1-ubyte.gz'), 2049, BATCH * total)
        dataset = fashion_mnist_mask_dataset(official, images, labels, grayscale_augmentation(official))
        sampler = torch.utils.data.DistributedSampler(dataset, shuffle=True)
        data_loader = torch.utils.data.DataLoader(dataset, sampler=sampler, batch_size=BATCH, num_workers=0, pin_memory=False, drop_last=True)
        student, teacher = build_networks(official)
        loss_fn = build_loss(official)
        optimizer = torch.optim.AdamW(official.utils.get_params_groups(student), betas=REFERENCE['betas'], eps=REFERENCE['eps'])
        nets = (student, teacher, loss_fn, optimizer, build_schedules(official), *common_parameters(student, teacher))

        epoch = 0
        data_loader.sampler.set_epoch(epoch)
        data_loader.dataset.set_epoch(epoch)
        wall, cpu, losses = [time.perf_counter()], [time.process_time()], []
        for it, batch in enumerate(data_loader):
            losses.append(train_iteration(official, nets, batch, len(data_loader) * epoch + it, epoch))
            wall.append(time.perf_counter())
            cpu.append(time.process_time())
            print(f'step {it + 1}/{total}: {wall[-1] - wall[-2]:.3f} s, loss {losses[-1]["loss"]:.4f}', file=sys.stderr, flush=True)
    finally:
        if os.path.exists(rendezvous):
            os.unlink(rendezvous)

    step_seconds = [b - a for a, b in zip(wall[args.warmup:-1], wall[args.warmup + 1:])]
    step_cpu = [b - a for a, b in zip(cpu[args.warmup:-1], cpu[args.warmup + 1:])]
    timed = wall[-1] - wall[args.warmup]
    return {
        'side': 'official',
        'imagesPerSecond': BATCH * args.steps / timed,
        'medianStepSeconds': statistics.median(step_seconds),
        'cpuSecondsPerStep': (cpu[-1] - cpu[args.warmup]) / args.steps,
        'medianCpuSecondsPerStep': statistics.median(step_cpu),
        'cpuSeconds': cpu[-1] - cpu[args.warmup],
        'stepSeconds': step_seconds,
        'stepCpuSeconds': step_cpu,
        'batch': BATCH,
        'warmup': args.warmup,
        'steps': args.steps,
        'threads': args.threads,
        'torch': torch.__version__,
        'environment': load_torch_reference().environment(torch),
        'ibotCommit': ibot_commit(args.ibot_dir, args.ibot_commit),
        'losses': losses,
    }


def main():
    args = parse_args()
    print(json.dumps(run(args)), flush=True)


if __name__ == '__main__':
    main()
