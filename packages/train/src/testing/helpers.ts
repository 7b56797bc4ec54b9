// Small helpers shared by the tests of @selfsup/train.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportStateDict, type Module } from '@selfsup/core';

const made: string[] = [];

/** A new empty temporary folder, removed by {@link removeTempDirs}. */
export function tempDir(label = 'train'): string {
  const dir = mkdtempSync(join(tmpdir(), `selfsup-${label}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Every module tensor of a recipe, by `<module>.<name>`, copied to the host. */
export async function snapshotModules(recipe: { modules(): Readonly<Record<string, Module>> }): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, module] of Object.entries(recipe.modules())) {
    for (const [key, value] of await exportStateDict(module, `${name}.`)) out.set(key, value.data);
  }
  return out;
}
