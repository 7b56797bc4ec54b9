import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/** The file in a checkpoint folder that names its latest checkpoint. */
export const LATEST_FILE = 'latest.json';

/** The format tag of {@link LATEST_FILE}. */
export const LATEST_FORMAT = 'selfsup.latest.v1';

const CHECKPOINT_FILE = /^step-(\d+)\.safetensors$/;

/** The zod schema of `latest.json`. */
export const latestSchema = z.strictObject({
  format: z.literal(LATEST_FORMAT),
  file: z.string().regex(CHECKPOINT_FILE),
  step: z.int().min(0),
  epoch: z.int().min(0),
  createdAt: z.string(),
});

/** The content of `latest.json`. */
export type LatestCheckpointRecord = z.infer<typeof latestSchema>;

/**
 * The file name of the checkpoint after `step` optimizer steps.
 *
 * @example
 * ```ts
 * checkpointFileName(1000); // 'step-1000.safetensors'
 * ```
 */
export function checkpointFileName(step: number): string {
  return `step-${step}.safetensors`;
}

/**
 * The checkpoints of a folder as `{ step, path }`, newest (highest step) first; temporary files of
 * an interrupted save are not listed.
 *
 * @example
 * ```ts
 * for (const { step, path } of await listCheckpoints('runs/ibot')) console.log(step, path);
 * ```
 */
export async function listCheckpoints(dir: string): Promise<{ step: number; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => CHECKPOINT_FILE.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ step: Number(match[1]), path: join(dir, match[0]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * The path of the latest checkpoint of a folder written by `train` or `saveCheckpoint`: the one
 * `latest.json` names, or (when `latest.json` is missing or unreadable) the highest
 * `step-<n>.safetensors`; `undefined` when the folder holds none. Reads no checkpoint: loading
 * verifies it.
 *
 * @example
 * ```ts
 * const path = await latestCheckpoint('runs/ibot');
 * if (path) await loadCheckpoint(path, { recipe, optimizer });
 * ```
 */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  const checkpoints = await listCheckpoints(dir);
  try {
    const latest = latestSchema.parse(JSON.parse(await readFile(join(dir, LATEST_FILE), 'utf8')));
    const named = checkpoints.find((c) => c.path === join(dir, latest.file));
    if (named) return named.path;
  } catch {
    // no latest.json, or a damaged one: fall back to the file names
  }
  return checkpoints[0]?.path;
}
