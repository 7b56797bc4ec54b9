import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SslError } from '@selfsup/core';
import { describeProblem, type ConfigProblem } from '@selfsup/ibot';
import type { CliConfig } from './cli-config-schema.js';
import type { MethodDefinition } from './method-registry.js';

/** Why the file at `path` cannot be read, or undefined when it can. */
async function unreadable(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return 'a folder or another non-file';
    await access(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : (code ?? String(error));
  }
}

/**
 * Refuses a configuration that names a file `create` would read (the method's
 * {@link MethodDefinition.files}: BEiT's `tokenizer.weights`) that is missing or unreadable, before
 * the backend and the data start: one `INVALID_CONFIG` line per file, naming the key, the path as
 * written and where it was looked for (relative paths from `cwd`).
 *
 * @param source - the configuration's file (or `'the configuration'`), for the message.
 */
export async function checkNamedFiles(method: MethodDefinition, config: CliConfig, cwd: string, source: string): Promise<void> {
  if (!method.files) return;
  const { method: _method, data: _data, run: _run, ...keys } = config;
  const problems: ConfigProblem[] = [];
  for (const { key, path } of method.files(keys)) {
    const where = resolve(cwd, path);
    const why = await unreadable(where);
    if (why !== undefined) problems.push({ key, expected: `a file that can be read (looked for at ${where}: ${why})`, actual: path });
  }
  if (problems.length > 0) {
    throw new SslError('INVALID_CONFIG', `${source} is invalid:\n  - ${problems.map(describeProblem).join('\n  - ')}`, { details: { problems } });
  }
}
