import { BACKEND_NAMES } from '@selfsup/backend';
import type { FlagDeclaration } from './cli-flags.js';

/** The flags of `selfsup visualize`. */
export const VISUALIZE_FLAGS = [
  {
    name: 'checkpoint',
    value: '<file|folder>',
    required: true,
    description: 'a checkpoint written by selfsup pretrain, or a run folder (its latest checkpoint)',
  },
  {
    name: 'images',
    value: '<source>',
    defaultText: "the run's held-out images",
    description:
      'fashion-mnist (the bundled subset, test split), an IDX images file (.gz or not), one PNG/JPEG file, a folder of them, or a folder of class folders',
  },
  { name: 'count', short: 'n', value: '<n>', read: 'count', defaultText: '8', description: 'how many images (the first ones of the source)' },
  { name: 'out', short: 'o', value: '<folder>', defaultText: 'visualize/ in the run folder', description: 'where the PNG files go' },
  { name: 'which', value: '<backbone>', choices: ['teacher', 'student'], description: 'teacher (default when the method has one) or student' },
  { name: 'seed', value: '<n>', read: 'yaml', defaultText: '0', description: "the random masks of MAE's reconstructions" },
  { name: 'backend', value: '<name>', choices: ['auto', ...BACKEND_NAMES], defaultText: "the run's", description: 'the TensorFlow.js backend' },
  { name: 'threads', value: '<n>', read: 'count', description: 'threads of the backend' },
] as const satisfies readonly FlagDeclaration[];

/** The help of `selfsup visualize`, with its flags. */
export const visualizeHelp = (flags: string): string => `Usage: selfsup visualize --checkpoint <file|run folder> [--images <source>] [--count N] [--out <folder>]

Draws what a checkpoint's backbone learned, as PNG files (docs/concepts/visualization.md):
  attention.png        per image: the image, then the last block's [CLS] attention over the
                       patches for each head (DINO's attention maps; ViT only)
  pca.png              the images (top row) and their patch features coloured by the first three
                       principal components of all the patches (DINOv2's PCA pictures)
  reconstructions.png  MAE-style checkpoints: per image the image, the visible patches, the
                       reconstruction and the visible patches with the reconstruction pasted in
Images are resized to the run's crop size and normalised as in training. One line per file written.

Flags:
${flags}
`;
