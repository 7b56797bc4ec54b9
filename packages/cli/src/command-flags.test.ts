import { describe, expect, it } from 'vitest';
import { configKeys } from './describe-config.js';
import { methodNames } from './method-registry.js';
import { EVAL_FLAGS, EXPORT_FLAGS, PRETRAIN_FLAGS, SCHEMA_FLAGS } from './command-flags.js';
import { run, temporaryFolder } from './testing/cli-harness.js';

describe('command flags', () => {
  const folder = temporaryFolder('flags');

  it('are each listed by their command\'s --help, once', async () => {
    const commands = [
      ['pretrain', PRETRAIN_FLAGS],
      ['eval', EVAL_FLAGS],
      ['export', EXPORT_FLAGS],
      ['schema', SCHEMA_FLAGS],
    ] as const;
    for (const [command, flags] of commands) {
      const help = await run([command, '--help'], folder);
      expect(help.code).toBe(0);
      for (const flag of [...flags.map((f) => f.name), 'help', 'verbose']) {
        expect(help.out.match(new RegExp(`\\n {2}--${flag}(?=[ ,\\n])`, 'g')), `${command} --${flag}`).toHaveLength(1);
      }
    }
  });

  it('override config keys that every method has', () => {
    for (const method of methodNames()) {
      const keys = new Set(configKeys(method).map((k) => k.key));
      for (const flag of PRETRAIN_FLAGS) {
        if ('configKey' in flag) expect(keys.has(flag.configKey), `${method}: --${flag.name} sets ${flag.configKey}`).toBe(true);
      }
    }
  });
});
