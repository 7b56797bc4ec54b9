import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { SslError, checkInteger, checkOptions, invalidArgument } from '@selfsup/core';
import { DEFAULT_MAX_IMAGE_PIXELS, decodeImage } from './decode-image.js';
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
  /**
   * The most pixels (width x height) one image may have; each file's header is checked before it
   * is decoded.
   * @defaultValue `DEFAULT_MAX_IMAGE_PIXELS` (2^26, 64 megapixels)
   */
  maxPixels?: number;
  /**
   * The classes and their order, when the labels must follow another folder's (a test split read
   * with the training split's `classNames`): each class folder's label is its index in this list,
   * a class folder the list does not have is refused, and a listed class may have no folder.
   * @defaultValue the class folders' names, sorted
   */
  classNames?: readonly string[];
}

/** A directory entry {@link loadImageFolder} did not read, and why. */
export interface SkippedEntry {
  /** The entry's path (under `root`). */
  readonly path: string;
  /** Why it was skipped, in words: `a broken symbolic link`, `not an image (".txt")`, ... */
  readonly reason: string;
}

/** An {@link ImageDataset} read from a folder, with what was left out of it. */
export interface ImageFolderDataset extends ImageDataset {
  /**
   * Every entry of the root and class folders that was not read: files at the root, files whose
   * extension is not an image's, folders inside class folders, broken symbolic links and symbolic
   * link loops. Empty when every entry was used.
   */
  readonly skipped: readonly SkippedEntry[];
}

/** One of `options.extensions`, lower case; `png` without its dot would match no file, so it is refused. */
function checkExtension(extension: unknown, index: number): string {
  if (typeof extension !== 'string' || !/^\.[^./\\]+$/.test(extension)) {
    const fix = typeof extension === 'string' && /^[^./\\]+$/.test(extension) ? `Write it with its dot: ".${extension}".` : 'Give extensions such as ".png".';
    throw invalidArgument({ argument: `loadImageFolder(options.extensions[${index}])`, expected: 'a file extension with its dot, e.g. ".png"', actual: extension, fix });
  }
  return extension.toLowerCase();
}

/** `options.classNames`: distinct, non-empty names. */
function checkClassNames(classNames: unknown): readonly string[] {
  const ok =
    Array.isArray(classNames) &&
    classNames.length > 0 &&
    classNames.every((name) => typeof name === 'string' && name.length > 0) &&
    new Set(classNames).size === classNames.length;
  if (!ok) {
    throw invalidArgument({
      argument: 'loadImageFolder(options.classNames)',
      expected: 'distinct, non-empty class names (e.g. the classNames of the training split)',
      actual: classNames,
    });
  }
  return classNames as readonly string[];
}

/** A directory entry with symbolic links resolved: a folder, a file, or something skipped. */
type FolderEntry =
  | { readonly name: string; readonly path: string; readonly kind: 'folder' | 'file' }
  | { readonly name: string; readonly path: string; readonly kind: 'skipped'; readonly reason: string };

async function listDirectory(path: string, what: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (cause) {
    throw new SslError('INVALID_ARGUMENT', `loadImageFolder: cannot read the ${what} ${path} (${(cause as Error).message}).`, { cause });
  }
}

/**
 * The entries of a folder, sorted by name, symbolic links followed to what they point at (a link
 * to a folder is a folder, a link to a file a file). A broken link, a link loop (`ELOOP`) or an
 * unreadable link is an entry skipped with its reason, never an error and never silent.
 */
async function listEntries(folder: string, what: string): Promise<FolderEntry[]> {
  const dirents = (await listDirectory(folder, what)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Promise.all(
    dirents.map(async (dirent): Promise<FolderEntry> => {
      const path = join(folder, dirent.name);
      const base = { name: dirent.name, path };
      if (!dirent.isSymbolicLink()) {
        if (dirent.isDirectory()) return { ...base, kind: 'folder' };
        if (dirent.isFile()) return { ...base, kind: 'file' };
        return { ...base, kind: 'skipped', reason: 'neither a file nor a folder' };
      }
      try {
        const target = await stat(path); // follows the link, through chains of links
        if (target.isDirectory()) return { ...base, kind: 'folder' };
        if (target.isFile()) return { ...base, kind: 'file' };
        return { ...base, kind: 'skipped', reason: 'a symbolic link to neither a file nor a folder' };
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        const reason =
          code === 'ELOOP'
            ? 'a symbolic link loop'
            : code === 'ENOENT'
              ? 'a broken symbolic link (its target does not exist)'
              : `an unreadable symbolic link (${(cause as Error).message})`;
        return { ...base, kind: 'skipped', reason };
      }
    }),
  );
}

/**
 * Loads a folder with one sub-folder per class, as torchvision's `ImageFolder`: classes are the
 * sub-folder names sorted, labels their indices, and images the PNG and JPEG files of each
 * sub-folder in sorted order. Symbolic links are followed, to class folders and to image files
 * alike. Every file is read and decoded before anything is returned; a missing folder, an
 * unreadable or damaged file, an empty class or images of different sizes throw an `SslError`
 * naming the file, so nothing half-read is trained on. Nothing is left out silently: entries not
 * read (other files, nested folders, broken links, link loops) are listed in `skipped`. Each
 * image's header is checked against `maxPixels` before it is decoded. A split read with another's
 * `classNames` gets that split's labels, so the two agree even when one lacks a class.
 *
 * @param root - The folder of class folders: `root/cat/001.png`, `root/dog/a.jpg`, ...
 * @example
 * ```ts
 * const dataset = await loadImageFolder('data/pets', { channels: 3 });
 * dataset.classNames; // ['cat', 'dog']
 * for (const { path, reason } of dataset.skipped) console.warn(`skipped ${path}: ${reason}`);
 * ```
 */
export async function loadImageFolder(root: string, options: LoadImageFolderOptions = {}): Promise<ImageFolderDataset> {
  if (typeof root !== 'string' || root.length === 0) {
    throw invalidArgument({ argument: 'loadImageFolder(root)', expected: 'a folder path', actual: root });
  }
  options = checkOptions('loadImageFolder(options)', options, true);
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) {
    throw invalidArgument({ argument: 'loadImageFolder(options.channels)', expected: '1 or 3', actual: channels });
  }
  const extensions = new Set((options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e, i) => checkExtension(e, i)));
  const concurrency = checkInteger('loadImageFolder(options.concurrency)', options.concurrency ?? 16, 1);
  const maxPixels = checkInteger('loadImageFolder(options.maxPixels)', options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS, 1);
  const givenClasses = options.classNames === undefined ? undefined : checkClassNames(options.classNames);

  const skipped: SkippedEntry[] = [];
  const skip = (path: string, reason: string) => skipped.push({ path, reason });
  const classFolders: FolderEntry[] = [];
  const rootReal = await realpath(root).catch(() => root);
  for (const entry of await listEntries(root, 'folder')) {
    if (entry.kind === 'skipped') skip(entry.path, entry.reason);
    else if (entry.kind === 'file') skip(entry.path, 'a file outside the class folders');
    else if (await leadsBackTo(entry.path, rootReal)) skip(entry.path, 'a symbolic link to the root folder or one above it (a loop)');
    else classFolders.push(entry);
  }
  if (classFolders.length === 0) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `loadImageFolder: ${root} has no sub-folders${describeSkipped(skipped)}. Put the images of each class in a sub-folder named after the class.`,
    );
  }
  const classNames = givenClasses ?? classFolders.map((entry) => entry.name);
  const unlisted = classFolders.filter((entry) => !classNames.includes(entry.name)).map((entry) => JSON.stringify(entry.name));
  if (unlisted.length > 0) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `loadImageFolder: ${root} has class folder(s) ${unlisted.join(', ')} that options.classNames (${classNames.join(', ')}) does not list, ` +
        'so their labels would mean nothing there. Give the other split (the training images) those classes too, or remove the folder(s).',
    );
  }
  const files: { path: string; label: number }[] = [];
  for (const classFolder of classFolders) {
    const label = classNames.indexOf(classFolder.name);
    const skippedBefore = skipped.length;
    let images = 0;
    for (const entry of await listEntries(classFolder.path, 'class folder')) {
      if (entry.kind === 'skipped') skip(entry.path, entry.reason);
      else if (entry.kind === 'folder') skip(entry.path, 'a folder inside a class folder (only the files of class folders are read)');
      else if (!extensions.has(extname(entry.name).toLowerCase())) skip(entry.path, `not an image (extension ${JSON.stringify(extname(entry.name))}; read: ${[...extensions].join(', ')})`);
      else {
        files.push({ path: entry.path, label });
        images++;
      }
    }
    if (images === 0) {
      throw new SslError(
        'INVALID_ARGUMENT',
        `loadImageFolder: the class folder ${classFolder.path} has no image (${[...extensions].join(', ')})${describeSkipped(skipped.slice(skippedBefore))}. ` +
          'Add images or remove the folder.',
      );
    }
  }

  async function decodeAt(index: number) {
    const file = files[index]!;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file.path));
    } catch (cause) {
      throw new SslError('INVALID_ARGUMENT', `loadImageFolder: cannot read ${file.path} (${(cause as Error).message}).`, { cause });
    }
    return decodeImage(bytes, file.path, channels, { maxPixels });
  }

  // the first image fixes the size; the others are read in parallel and must match it
  const first = await decodeAt(0);
  const { height, width } = first;
  const imageSize = height * width * channels;
  const images = allocateImages(files.length, imageSize, files[0]!.path, width, height, channels);
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
  return { images, labels, count: files.length, height, width, channels, classNames, skipped };
}

/** True when `folder` (a link, possibly) resolves to `rootReal` or a folder that contains it. */
async function leadsBackTo(folder: string, rootReal: string): Promise<boolean> {
  const real = await realpath(folder).catch(() => folder);
  return real === rootReal || rootReal.startsWith(real.endsWith(sep) ? real : real + sep);
}

/** Up to three skipped entries with their reasons, for an error message: `; skipped: a.png (a broken symbolic link)`. */
function describeSkipped(skipped: readonly SkippedEntry[]): string {
  if (skipped.length === 0) return '';
  const shown = skipped.slice(0, 3).map(({ path, reason }) => `${path} (${reason})`);
  return `; skipped: ${shown.join(', ')}${skipped.length > 3 ? `, and ${skipped.length - 3} more` : ''}`;
}

/** The array of all images, or an `SslError` saying how many bytes it needs when they cannot be had. */
export function allocateImages(count: number, imageSize: number, firstPath: string, width: number, height: number, channels: number): Uint8Array {
  const bytes = count * imageSize;
  try {
    return new Uint8Array(bytes);
  } catch (cause) {
    throw new SslError(
      'NOT_SUPPORTED',
      `loadImageFolder: ${count} images of ${width} x ${height} x ${channels} (the size of ${firstPath}) need ${bytes} bytes in memory, ` +
        `more than this process can allocate (${(cause as Error).message}). Resize the images or use fewer.`,
      { cause, details: { count, width, height, channels, bytes } },
    );
  }
}
