import { describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { formatPretrainCommand, shellWord } from './format-pretrain-command.js';

describe('formatPretrainCommand', () => {
  it('writes the flags of the keys that have one, --set for the others, quoted for a shell', () => {
    expect(
      formatPretrainCommand({
        config: 'my configs/a.yaml',
        resumeFrom: 'runs/a/checkpoints/step-2.safetensors',
        overrides: [
          ['run.outDir', 'runs/a'],
          ['epochs', 4],
          ['optimizer.learningRate', 0.001],
          ['masking.ratio', [0, 0.3]],
          ['run.knnOf', 'teacher'],
          ['data.folder', "it's: here"],
        ],
      }),
    ).toBe(
      "selfsup pretrain --config 'my configs/a.yaml' --resume-from runs/a/checkpoints/step-2.safetensors --out runs/a --epochs 4 " +
        "--set optimizer.learningRate=0.001 --set 'masking.ratio=[0,0.3]' --set run.knnOf=teacher --set 'data.folder=\"it'\\''s: here\"'",
    );
    expect(formatPretrainCommand({ resume: true, overrides: [['run.outDir', 'runs/a']] })).toBe('selfsup pretrain --resume --out runs/a');
  });

  it('gives --set values that read back as the same values', () => {
    for (const value of ['teacher', '1e-3', 'true', 'a: b', '', [0, 0.3], { a: 1 }, 7, false]) {
      const command = formatPretrainCommand({ overrides: [['k', value]] });
      const word = /--set (.*)$/.exec(command)![1]!;
      const unquoted = word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word;
      const { values } = parseArgs({ args: ['--set', unquoted], options: { set: { type: 'string' } } });
      expect(parse(values.set!.slice('k='.length)) ?? '', JSON.stringify(value)).toEqual(value);
    }
    expect(shellWord("a'b")).toBe("'a'\\''b'");
  });
});
