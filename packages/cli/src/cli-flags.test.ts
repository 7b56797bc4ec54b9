import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { checkFlags, configOverrides, describeFlags, parseFlags, wrapWords, type FlagDeclaration } from './cli-flags.js';
import { exitCodeOf } from './usage-error.js';

const FLAGS = [
  { name: 'config', short: 'c', value: '<file>', description: 'the configuration' },
  { name: 'resume', description: 'continue the run' },
  { name: 'epochs', value: '<n>', read: 'yaml', configKey: 'epochs', description: '' },
  { name: 'out', value: '<folder>', configKey: 'run.outDir', description: 'where to write' },
  { name: 'threads', value: '<n>', read: 'count', description: 'threads' },
  { name: 'temperature', value: '<t>', read: 'positive', only: 'knn', description: 'vote temperature' },
  { name: 'rates', value: '<a,b>', read: 'positives', only: 'linear', description: 'rates' },
  { name: 'set', value: '<key=value>', repeatable: true, description: 'any key' },
  { name: 'names', value: '<names>', choices: ['timm', 'dino'], defaultText: 'timm', description: 'layer scale names' },
  { name: 'checkpoint', value: '<file>', required: true, description: 'a checkpoint' },
] as const satisfies readonly FlagDeclaration[];

/** The message of the usage error `fn` throws (exit code 2). */
function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(exitCodeOf(error)).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseFlags', () => {
  it('reads each flag as declared: text, YAML, counts, positive numbers, lists, repeats, switches and aliases', () => {
    const { values, positionals } = parseFlags(
      ['-c', 'a.yaml', '--resume', '--epochs', '3', '--out', '007', '--threads', '4', '--temperature', '0.5', '--rates', '0.1,1', '--set', 'a=1', '--set', 'b=2', '--names', 'dino', 'knn'],
      FLAGS,
      'demo',
      { positionals: true },
    );
    expect(values).toEqual({ config: 'a.yaml', resume: true, epochs: 3, out: '007', threads: 4, temperature: 0.5, rates: [0.1, 1], set: ['a=1', 'b=2'], names: 'dino' });
    expect(positionals).toEqual(['knn']);
    expect(parseFlags(['--help'], FLAGS, 'demo').values).toEqual({ help: true });
  });

  it('refuses unknown flags, missing values, bad numbers and values outside the choices with a usage error', () => {
    expect(usageMessage(() => parseFlags(['--epoch', '2'], FLAGS, 'demo'))).toMatch(/^selfsup demo: Unknown option '--epoch'\. Run `selfsup demo --help` for the flags\.$/);
    expect(usageMessage(() => parseFlags(['--config'], FLAGS, 'demo'))).toMatch(/^selfsup demo: Option '-c, --config <value>' argument missing/);
    expect(usageMessage(() => parseFlags(['--threads', '0'], FLAGS, 'demo'))).toBe('--threads: expected a positive integer, got "0".');
    expect(usageMessage(() => parseFlags(['--temperature=-1'], FLAGS, 'demo'))).toBe('--temperature: expected a positive number, got "-1".');
    expect(usageMessage(() => parseFlags(['--rates', '0.1,x'], FLAGS, 'demo'))).toBe('--rates: expected a positive number, got "x".');
    expect(usageMessage(() => parseFlags(['--names', 'torch'], FLAGS, 'demo'))).toBe('--names: expected one of timm, dino, got "torch".');
    expect(usageMessage(() => parseFlags(['extra'], FLAGS, 'demo'))).toMatch(/Unexpected argument 'extra'/);
  });
});

describe('checkFlags', () => {
  it('asks for required flags and refuses the flags of another sub-command', () => {
    expect(usageMessage(() => checkFlags({}, FLAGS, 'demo knn', 'knn'))).toBe('selfsup demo knn: expected --checkpoint <file>.');
    expect(usageMessage(() => checkFlags({ checkpoint: 'a', rates: [1] }, FLAGS, 'demo knn', 'knn'))).toBe('selfsup demo knn: --rates is a flag of demo linear.');
    expect(usageMessage(() => checkFlags({ checkpoint: 'a', temperature: 1 }, FLAGS, 'demo linear', 'linear'))).toBe('selfsup demo linear: --temperature is a flag of demo knn.');
    expect(() => checkFlags({ checkpoint: 'a', temperature: 1 }, FLAGS, 'demo knn', 'knn')).not.toThrow();
  });
});

describe('configOverrides', () => {
  it('turns the flags given that carry a config key into [key, value] pairs, in declaration order', () => {
    expect(configOverrides({ out: 'runs/a', epochs: 3, threads: 2 }, FLAGS)).toEqual([
      ['epochs', 3],
      ['run.outDir', 'runs/a'],
    ]);
  });
});

describe('describeFlags', () => {
  const keys = [
    { key: 'epochs', type: 'integer > 0', defaultValue: '100', description: 'Epochs to train' },
    { key: 'run.outDir', type: 'string', defaultValue: '(none)', description: 'The run folder' },
  ];

  it('writes one aligned line per flag from its declaration, and the config key, type, default and description from the schema', () => {
    const lines = describeFlags(FLAGS, { keys, width: 200 }).split('\n');
    expect(lines).toHaveLength(FLAGS.length + 2); // and --help, --verbose
    expect(lines[0]).toMatch(/^ {2}--config, -c <file> +the configuration$/);
    expect(lines[2]).toMatch(/^ {2}--epochs <n> +epochs \(integer > 0, default 100\): Epochs to train$/);
    expect(lines[3]).toMatch(/^ {2}--out <folder> +run\.outDir: The run folder; where to write$/);
    expect(lines[5]).toMatch(/--temperature <t> +knn: vote temperature$/);
    expect(lines[7]).toMatch(/--set <key=value> +any key \(repeatable\)$/);
    expect(lines[8]).toMatch(/--names <names> +layer scale names \(one of timm, dino; default timm\)$/);
    expect(lines[9]).toMatch(/--checkpoint <file> +a checkpoint \(required\)$/);
    expect(lines.at(-2)).toMatch(/^ {2}--help, -h +print this help$/);
    const descriptionColumn = lines.map((line) => line.search(/ {2}\S/g) + 2);
    expect(new Set(descriptionColumn).size).toBe(1);
  });

  it('wraps long descriptions under their column', () => {
    const text = describeFlags([{ name: 'long', description: 'word '.repeat(30).trim() }], { width: 40 });
    const lines = text.split('\n').filter((line) => line.includes('word'));
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    const column = lines[0]!.indexOf('word'); // after the longest head ('  --help, -h') and 2 spaces
    expect(column).toBe(14);
    for (const line of lines.slice(1)) expect(line.indexOf('word')).toBe(column);
  });
});

describe('wrapWords', () => {
  it('breaks at spaces, with a first-line prefix and an indent for the rest', () => {
    expect(wrapWords('aa bb cc dd', 7, '  ', '  ')).toBe('  aa bb\n  cc dd');
  });
});
