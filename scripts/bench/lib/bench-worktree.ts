// Another commit of this repository, runnable from source beside this checkout, for benchmarks that
// compare two versions side by side: a detached `git worktree` in a temporary folder whose
// node_modules links to this checkout's installed dependencies, except the workspace packages
// (@selfsup/*), which link to the worktree's own packages. A native addon is linked from this
// checkout when its sources are the same at both commits, else built in the worktree.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A worktree of one commit, and how to remove it. */
export interface BenchWorktree {
  /** The worktree's root folder. */
  readonly root: string;
  /** The full commit id it holds. */
  readonly commit: string;
  /** Removes the worktree and its folder. */
  remove(): void;
}

function git(repoRoot: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** `commit` resolved to its full id (a branch, a tag, `HEAD~3`, `<id>^`). */
export function resolveCommit(repoRoot: string, commit: string): string {
  return git(repoRoot, ['rev-parse', '--verify', `${commit}^{commit}`]);
}

/** node_modules of `tree`: every installed dependency of `repoRoot` by link, @selfsup/* to the tree's own packages. */
function linkDependencies(repoRoot: string, tree: string): void {
  const modules = join(tree, 'node_modules');
  mkdirSync(join(modules, '@selfsup'), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry === '@selfsup') continue;
    symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry));
  }
  for (const folder of readdirSync(join(tree, 'packages'))) {
    const manifest = join(tree, 'packages', folder, 'package.json');
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
    symlinkSync(join('..', '..', 'packages', folder), join(modules, '@selfsup', name.replace('@selfsup/', '')));
  }
}

/** Each native addon of `tree`: this checkout's build when the sources match, else built there. */
function prepareAddons(repoRoot: string, tree: string, commit: string, log: (line: string) => void): void {
  for (const folder of readdirSync(join(tree, 'packages'))) {
    const packageDir = join(tree, 'packages', folder);
    if (!existsSync(join(packageDir, 'binding.gyp'))) continue;
    const sources = [`packages/${folder}/native`, `packages/${folder}/binding.gyp`];
    const built = join(repoRoot, 'packages', folder, 'build');
    const same = execFileSyncStatus('git', ['-C', repoRoot, 'diff', '--quiet', commit, '--', ...sources]) === 0;
    if (same && existsSync(built)) {
      symlinkSync(built, join(packageDir, 'build'));
      continue;
    }
    log(`  building ${folder}'s addon at ${commit.slice(0, 7)} (its sources differ from this checkout's)`);
    execFileSync(process.execPath, ['scripts/install.mjs', '--force'], { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/** The exit status of a command (its output ignored). */
function execFileSyncStatus(command: string, args: readonly string[]): number {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 1;
  }
}

/**
 * A detached worktree of `commit` in a temporary folder, ready to run from source
 * (`node --conditions=@selfsup/source --import tsx ...` with the worktree as the working folder).
 * Remove it with `remove()` (also on failure).
 *
 * @example
 * ```ts
 * const before = createBenchWorktree(repoRoot, 'acacaef', context.log);
 * try { ... } finally { before.remove(); }
 * ```
 */
export function createBenchWorktree(repoRoot: string, commit: string, log: (line: string) => void): BenchWorktree {
  const id = resolveCommit(repoRoot, commit);
  const folder = mkdtempSync(join(tmpdir(), 'selfsup-bench-worktree-'));
  const root = join(folder, 'tree');
  git(repoRoot, ['worktree', 'add', '--detach', root, id]);
  const remove = (): void => {
    execFileSyncStatus('git', ['-C', repoRoot, 'worktree', 'remove', '--force', root]);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    linkDependencies(repoRoot, root);
    prepareAddons(repoRoot, root, id, log);
  } catch (error) {
    remove();
    throw error;
  }
  return { root, commit: id, remove };
}
