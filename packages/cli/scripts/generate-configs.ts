// Regenerates what @selfsup/cli derives from the method schemas and presets of @selfsup/ibot:
//   packages/cli/schema/selfsup-config.schema.json   (the JSON Schema of config files)
//   examples/configs/<method>-fashion-mnist.yaml      (each method's reference preset as a config file)
// Run from the repository root after changing a schema or a preset (the cli tests check both):
//   node --conditions=@selfsup/source --import tsx packages/cli/scripts/generate-configs.ts
import { writeFileSync } from 'node:fs';
import { Document, visit } from 'yaml';
import { configJsonSchema, getMethod, methodNames } from '@selfsup/cli';

function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

writeFileSync('packages/cli/schema/selfsup-config.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);

for (const name of methodNames()) {
  const method = getMethod(name);
  const preset = method.presets?.['fashion-mnist-reference'];
  if (preset === undefined) continue;
  const document = new Document({
    method: name,
    ...(preset as object),
    data: { dataset: 'fashion-mnist', download: false, heldOut: 'test' },
    run: { outDir: `runs/${name}-fashion-mnist`, checkpointEverySteps: 100, knnEveryEpochs: 1, backend: 'auto' },
  });
  // lists of numbers on one line: [0.25, 1]
  visit(document, {
    Seq(_, node) {
      if (node.items.every((item) => typeof (item as { value?: unknown }).value !== 'object')) node.flow = true;
    },
  });
  const scale =
    name === 'ibot'
      ? 'the run compared with the official iBOT implementation.'
      : 'at the scale of the iBOT reference run (ibot-fashion-mnist.yaml), so that the methods compare directly.';
  const header = [
    '# yaml-language-server: $schema=../../packages/cli/schema/selfsup-config.schema.json',
    '#',
    ...wrap(
      `The ${method.title} reference configuration on the full Fashion-MNIST (60,000 training images, k-NN on the 10,000 test ` +
        `images): the fashion-mnist-reference preset of ${method.title} in @selfsup/ibot, ${scale} The images are read from ` +
        "Debian's /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist) or the download cache; add " +
        '--set data.download=true to fetch them once.',
    ),
    '#',
    `#   npm run selfsup -- pretrain --config examples/configs/${name}-fashion-mnist.yaml`,
  ];
  writeFileSync(`examples/configs/${name}-fashion-mnist.yaml`, `${header.join('\n')}\n${document.toString({ flowCollectionPadding: false })}`);
  console.log(`wrote examples/configs/${name}-fashion-mnist.yaml`);
}
console.log('wrote packages/cli/schema/selfsup-config.schema.json');
