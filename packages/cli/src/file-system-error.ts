/**
 * A Node.js error of a file-system call: an errno `code` (`ENOSPC`, `EACCES`, ...), the call
 * (`syscall`) and, for most calls, the `path` (and `dest` of a rename or link).
 */
export interface FileSystemError extends Error {
  readonly code: string;
  readonly errno?: number;
  readonly syscall?: string;
  path?: string;
  readonly dest?: string;
}

/** What an errno code means, and what to do about it. */
const CAUSES: Readonly<Record<string, { readonly cause: string; readonly advice: string }>> = {
  ENOSPC: {
    cause: 'no space left on the device',
    advice: 'Free some space on that disk, or write elsewhere (--out <folder>); a run continues from its last checkpoint with --resume.',
  },
  EDQUOT: {
    cause: 'disk quota exceeded',
    advice: 'Free some of your space on that disk, or write elsewhere (--out <folder>); a run continues from its last checkpoint with --resume.',
  },
  EFBIG: { cause: 'the file is larger than this file system allows', advice: 'Write to another file system (--out <folder>).' },
  EACCES: { cause: 'permission denied', advice: 'Check the permissions of the file and of its folder, or choose another path.' },
  EPERM: { cause: 'operation not permitted', advice: 'Check the permissions of the file and of its folder, or choose another path.' },
  EROFS: { cause: 'the file system is read-only', advice: 'Choose a folder on a writable file system (--out <folder>).' },
  EISDIR: { cause: 'this is a folder, where a file was expected', advice: 'Pass the path of a file, e.g. <folder>/backbone.safetensors.' },
  ENOTDIR: { cause: 'a part of this path is a file, not a folder', advice: 'Check the path, or choose another one.' },
  EEXIST: { cause: 'it already exists', advice: 'Remove it, or choose another path.' },
  ENOENT: { cause: 'no such file or folder', advice: 'Check the path.' },
  ENOTEMPTY: { cause: 'the folder is not empty', advice: 'Empty it, or choose another path.' },
  EMFILE: { cause: 'too many open files in this process', advice: 'Raise the limit (ulimit -n) and run again.' },
  ENFILE: { cause: 'too many open files on this system', advice: 'Close other programs, or raise the system limit, and run again.' },
  ENAMETOOLONG: { cause: 'the path is too long', advice: 'Choose a shorter path.' },
  ELOOP: { cause: 'too many symbolic links in the path (a loop?)', advice: 'Check the links of the path.' },
  EBUSY: { cause: 'the file or device is busy', advice: 'Stop the program using it, and run again.' },
  EIO: { cause: 'an input/output error of the device', advice: 'Check the disk (dmesg), and run again.' },
  EXDEV: { cause: 'a rename across file systems', advice: 'Keep the file and its destination on one file system.' },
};

/** True when `error` is a Node.js file-system error (an `Error` with an errno code such as `ENOSPC`). */
export function isFileSystemError(error: unknown): error is FileSystemError {
  if (!(error instanceof Error)) return false;
  const { code, syscall, errno } = error as Partial<FileSystemError>;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && (typeof syscall === 'string' || typeof errno === 'number');
}

/**
 * The file-system error behind `error`: `error` itself, or the first one in its `cause` chain.
 *
 * @example
 * ```ts
 * fileSystemErrorOf(new Error('save failed', { cause: enospc })); // enospc
 * ```
 */
export function fileSystemErrorOf(error: unknown): FileSystemError | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    if (isFileSystemError(current)) return current;
  }
  return undefined;
}

/**
 * Names `path` on the file-system error behind `error` when Node.js did not (a `write` on an open
 * file carries no path), so that the message says where it happened: the file, or the `folder`
 * it happened in when the file is not known. Returns `error`.
 */
export function withFileSystemPath<E>(error: E, path: string, kind: 'file' | 'folder' = 'file'): E {
  const found = fileSystemErrorOf(error);
  if (found && found.path === undefined && found.dest === undefined) {
    found.path = path;
    if (kind === 'folder') inFolder.add(found);
  }
  return error;
}

/** Errors whose `path` is the folder they happened in, not the file (see {@link withFileSystemPath}). */
const inFolder = new WeakSet<FileSystemError>();

/**
 * One line for a file-system error: the path, the cause in words, the code and call, and what to
 * do, e.g. `runs/a/config.yaml: no space left on the device (ENOSPC, write). Free some space ...`.
 *
 * @param show - how a path is shown (e.g. relative to the working folder).
 */
export function describeFileSystemError(error: FileSystemError, show: (path: string) => string = (p) => p): string {
  const known = CAUSES[error.code];
  const where = error.path === undefined ? 'a file' : inFolder.has(error) ? `a file in ${show(error.path)}` : show(error.path);
  const destination = error.dest !== undefined ? ` -> ${show(error.dest)}` : '';
  const call = error.syscall !== undefined ? `, ${error.syscall}` : '';
  const cause = known?.cause ?? firstLineOf(error.message);
  const advice = known?.advice ?? 'Check the path and the disk, and run again.';
  return `${where}${destination}: ${cause} (${error.code}${call}). ${advice}`;
}

function firstLineOf(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/^E[A-Z0-9]+: /, '').replace(/, [a-z]+ '.*'$/, '');
}
