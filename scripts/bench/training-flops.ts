// Floating-point operations of the training steps the webgpu benchmark times, counted
// analytically, so that GFLOP/s compares backends on the same work (the same count divides the
// tfjs time and PyTorch's).
//
// What is counted: the matrix products and convolutions, 2 FLOPs per multiply-add (2·m·n·k for
// [m, k] x [k, n]), which are nearly all of a ViT's arithmetic. Left out: LayerNorm, softmax, GELU,
// residual adds, the losses' log-softmax over the prototypes, AdamW and the EMA update (element-wise
// work, a few percent of the step), and the augmentation. This is the usual convention (timm's
// GMACs x 2; the "6 x parameters x tokens" rule of thumb for transformers).
//
// ViT forward, per image, with N tokens ([CLS] + g patches), width D, depth L, MLP ratio r, patch P
// and C channels:
//   patch embedding       2 · g · (P²·C) · D
//   per block             qkv 2·N·D·3D + scores 2·N·N·D + attention x values 2·N·N·D
//                         + projection 2·N·D·D + fc1 2·N·D·rD + fc2 2·N·rD·D
//                         = (8 + 4r)·N·D² + 4·N²·D
// (ViT-S/16 at 224: N = 197, D = 384, L = 12: 9.20 GFLOP per image, timm's 4.6 GMACs.)
//
// Backward: each product's two gradients (dX = dY·Wᵀ and dW = Xᵀ·dY) cost what its forward did,
// so backward = 2 x forward, except the patch embedding, whose input (the images) needs no
// gradient: a training step is 3 x forward - 2·g·(P²·C)·D per image.
//
// The iBOT iteration (selfsup's recipe, and scripts/bench/torch-webgpu-reference.py's `ibot`):
// the teacher encodes the global crops and projects every token through its head (forward only);
// the student encodes the global crops (masked patches replaced by the mask token: the same work)
// and the local crops, projects every token of the global crops and the [CLS] token of the local
// crops through the head, and back-propagates through all of it. The head (3 linear layers D -> h ->
// h -> b, then the weight-normalised b -> K prototypes) costs 2·(D·h + h·h + h·b + b·K) per token.

/** The sizes of a ViT that its FLOP count depends on. */
export interface VitFlopShape {
  /** Token width D. */
  readonly dim: number;
  /** Transformer blocks L. */
  readonly depth: number;
  /** MLP width as a multiple of D. */
  readonly mlpRatio: number;
  /** Patch side P, in pixels. */
  readonly patch: number;
  /** Image channels C. */
  readonly channels: number;
}

/** The sizes of an iBOT/DINO projection head. */
export interface HeadFlopShape {
  /** Hidden width h of the MLP. */
  readonly hiddenDim: number;
  /** Bottleneck width b. */
  readonly bottleneckDim: number;
  /** Prototypes K (the last layer's outputs). */
  readonly outDim: number;
  /** Linear layers before the bottleneck's output (iBOT: 3). */
  readonly layerCount: number;
}

/** One iBOT iteration's sizes. */
export interface IbotFlopShape {
  readonly vit: VitFlopShape;
  readonly head: HeadFlopShape;
  /** Images per batch. */
  readonly batch: number;
  readonly globalCrops: number;
  readonly globalSize: number;
  readonly localCrops: number;
  readonly localSize: number;
}

/** Patches of a square image of side `imageSize` cut into `patch`-pixel patches (the [CLS] token not counted). */
export function patchCount(imageSize: number, patch: number): number {
  const side = Math.floor(imageSize / patch);
  return side * side;
}

/** FLOPs of the patch embedding of one image: a `patch`-strided convolution, i.e. g products of [P²C] x [P²C, D]. */
export function patchEmbeddingFlops(vit: VitFlopShape, imageSize: number): number {
  return 2 * patchCount(imageSize, vit.patch) * vit.patch * vit.patch * vit.channels * vit.dim;
}

/** FLOPs of one transformer block on N tokens: (8 + 4r)·N·D² + 4·N²·D (see the file's header). */
export function blockForwardFlops(vit: VitFlopShape, tokens: number): number {
  const d = vit.dim;
  return (8 + 4 * vit.mlpRatio) * tokens * d * d + 4 * tokens * tokens * d;
}

/** FLOPs of a ViT's forward pass over one square image of side `imageSize` ([CLS] + patches). */
export function vitForwardFlops(vit: VitFlopShape, imageSize: number): number {
  const tokens = patchCount(imageSize, vit.patch) + 1;
  return patchEmbeddingFlops(vit, imageSize) + vit.depth * blockForwardFlops(vit, tokens);
}

/**
 * FLOPs of one ViT training step (forward, backward, optimizer) on `batch` images: 3 x forward,
 * less the patch embedding's input gradient, which is never computed.
 */
export function vitTrainingStepFlops(vit: VitFlopShape, imageSize: number, batch: number): number {
  return batch * (3 * vitForwardFlops(vit, imageSize) - patchEmbeddingFlops(vit, imageSize));
}

/** FLOPs of the projection head's forward pass for one token of width `dim`. */
export function headForwardFlopsPerToken(head: HeadFlopShape, dim: number): number {
  const widths = [dim, ...Array.from({ length: head.layerCount - 1 }, () => head.hiddenDim), head.bottleneckDim, head.outDim];
  let flops = 0;
  for (let i = 0; i + 1 < widths.length; i++) flops += 2 * widths[i]! * widths[i + 1]!;
  return flops;
}

/** FLOPs of one iBOT iteration, split into teacher (forward only) and student (forward and backward). */
export function ibotIterationFlops(shape: IbotFlopShape): { teacher: number; student: number; total: number } {
  const { vit, head, batch } = shape;
  const globalImages = shape.globalCrops * batch;
  const localImages = shape.localCrops * batch;
  const globalTokens = patchCount(shape.globalSize, vit.patch) + 1;
  const headPerToken = headForwardFlopsPerToken(head, vit.dim);
  const teacher = globalImages * (vitForwardFlops(vit, shape.globalSize) + globalTokens * headPerToken);
  const student =
    globalImages * vitTrainingStepFlops(vit, shape.globalSize, 1) +
    localImages * vitTrainingStepFlops(vit, shape.localSize, 1) +
    3 * (globalImages * globalTokens + localImages) * headPerToken;
  return { teacher, student, total: teacher + student };
}
