import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SslError, checkInteger, invalidArgument } from '@selfsup/core';
import { decodeImage } from './decode-image.js';
import type { ImageDataset } from './image-dataset.js';

/** Options of {@link loadImageFolder}. */
export interface LoadImageFolderOptions {
  /**
   * 3 for RGB, 1 for grayscale.
   * @defaultValue 3
   */
  channels?: 1 | 3;
  /**
   * File extensions read (lower case, with the dot); other files are ignored.
   * @defaultValue ['.png', '.jpg', '.jpeg']
   */
  extensions?: readonly string[];
  /**
   * Files read at once.
   * @defaultValue 16
   */
  concurrency?: number;
}

async function listDirectory(path: string, what: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (cause) {
    throw new SslError('INVALID_ARGUMENT', `loadImageFolder: cannot read the ${what} ${path} (${(cause as Error).message}).`, { cause });
  }
}

/**
 * Loads a folder with one sub-folder per class, as torchvision's `ImageFolder`: classes are the
 * sub-folder names sorted, labels their indices, and images the PNG and JPEG files of each
 * sub-folder in sorted order. Every file is read and decoded before anything is returned; a
 * missing folder, an unreadable or damaged file, an empty class or images of different sizes
 * throw an `SslError` naming the file, so nothing half-read is trained on.
 *
 * @param root - The folder of class folders: `root/cat/001.png`, `root/dog/a.jpg`, ...
 * @example
 * ```ts
 * const dataset = await loadImageFolder('data/pets', { channels: 3 });
 * dataset.classNames; // ['cat', 'dog']
 * ```
 */
export async function loadImageFolder(root: string, options: LoadImageFolderOptions = {}): Promise<ImageDataset> {
  if (typeof root !== 'string' || root.length === 0) {
    throw invalidArgument({ argument: 'loadImageFolder(root)', expected: 'a folder path', actual: root });
  }
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) {
    throw invalidArgument({ argument: 'loadImageFolder(options.channels)', expected: '1 or 3', actual: channels });
  }
  const extensions = new Set((options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase()));
  const concurrency = checkInteger('loadImageFolder(options.concurrency)', options.concurrency ?? 16, 1);

  const classNames = (await listDirectory(root, 'folder'))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (classNames.length === 0) {
    throw new SslError('INVALID_ARGUMENT', `loadImageFolder: ${root} has no sub-folders. Put the images of each class in a sub-folder named after the class.`);
  }
  const files: { path: string; label: number }[] = [];
  for (const [label, className] of classNames.entries()) {
    const folder = join(root, className);
    const names = (await listDirectory(folder, 'class folder'))
      .filter((entry) => entry.isFile() && extensions.has(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort();
    if (names.length === 0) {
      throw new SslError(
        'INVALID_ARGUMENT',
        `loadImageFolder: the class folder ${folder} has no image (${[...extensions].join(', ')}). Add images or remove the folder.`,
      );
    }
    for (const name of names) files.push({ path: join(folder, name), label });
  }

  async function decodeAt(index: number) {
    const file = files[index]!;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file.path));
    } catch (cause) {
      throw new SslError('INVALID_ARGUMENT', `loadImageFolder: cannot read ${file.path} (${(cause as Error).message}).`, { cause });
    }
    return decodeImage(bytes, file.path, channels);
  }

  // the first image fixes the size; the others are read in parallel and must match it
  const first = await decodeAt(0);
  const { height, width } = first;
  const imageSize = height * width * channels;
  const images = new Uint8Array(files.length * imageSize);
  const labels = Int32Array.from(files, (file) => file.label);
  images.set(first.data, 0);
  let next = 1;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const index = next++;
      const image = await decodeAt(index);
      if (image.height !== height || image.width !== width) {
        throw new SslError(
          'INVALID_ARGUMENT',
          `loadImageFolder: ${files[index]!.path} is ${image.width} x ${image.height} pixels, but ${files[0]!.path} is ${width} x ${height}. ` +
            'All images must have one size: resize them beforehand.',
        );
      }
      images.set(image.data, index * imageSize);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length - 1) }, () => worker()));
  return { images, labels, count: files.length, height, width, channels, classNames };
}
