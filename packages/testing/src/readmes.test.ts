import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README of every publishable package is what an npm user reads first, in the tarball and on
// npmjs.com: it must start with an install line naming every package its first example imports,
// and send the user nowhere only a clone of the repository has. (The packed-install CI step also
// runs each README's first ```ts block from the packed tarballs.)

const packagesDir = join(import.meta.dirname, '..', '..');
const REPOSITORY_SECTION = '## Developing in the repository';

interface CodeBlock {
  readonly language: string;
  readonly code: string;
  /** The `<!-- ... -->` comment on the line right before the fence, if any. */
  readonly note: string | undefined;
  readonly offset: number;
}

function publishablePackages(): string[] {
  return readdirSync(packagesDir).filter((name) => {
    const manifest = join(packagesDir, name, 'package.json');
    return existsSync(manifest) && !(JSON.parse(readFileSync(manifest, 'utf8')) as { private?: boolean }).private;
  });
}

function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/(?:^|\n)(<!--[^\n]*-->\n)?```(\w*)\n([\s\S]*?)\n```/g)].map((match) => ({
    note: match[1],
    language: match[2]!,
    code: match[3]!,
    offset: match.index,
  }));
}

/** The packages an `npm install a b c  # comment` line installs. */
function installedPackages(line: string): Set<string> {
  return new Set(line.replace(/#.*/, '').trim().split(/\s+/).slice(2).filter((word) => !word.startsWith('-')));
}

/** The npm package of an import specifier (`@scope/name/sub` -> `@scope/name`), or undefined for `node:` and relative ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || specifier.startsWith('.')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

interface ImportStatement {
  readonly specifier: string;
  /** The imported names (`a` of `{ a as b }`), without `type` modifiers; empty for namespace and side-effect imports. */
  readonly names: readonly string[];
}

function importStatements(code: string): ImportStatement[] {
  const statements: ImportStatement[] = [];
  for (const match of code.matchAll(/import\s+(?:type\s+)?(?:([\s\S]*?)\s+from\s+)?'([^']+)'/g)) {
    const clause = match[1] ?? '';
    const braces = /\{([\s\S]*)\}/.exec(clause);
    const names = braces
      ? braces[1]!
          .split(',')
          .map((part) => part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!)
          .filter((name) => name.length > 0)
      : [];
    statements.push({ specifier: match[2]!, names });
  }
  return statements;
}

/** The names a workspace package's `src/index.ts` exports. */
function exportedNames(packageName: string): Set<string> {
  const index = readFileSync(join(packagesDir, packageName.replace('@selfsup/', ''), 'src', 'index.ts'), 'utf8');
  const names = new Set<string>();
  for (const list of index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of list[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).at(-1)!;
      if (name) names.add(name);
    }
  }
  for (const declaration of index.matchAll(/export\s+(?:async\s+)?(?:function|const|class|interface|type)\s+(\w+)/g)) names.add(declaration[1]!);
  return names;
}

/** What an npm user following `readme` of `name` would trip on, one line each. */
function readmeProblems(name: string, readme: string, peers: readonly string[]): string[] {
  const problems: string[] = [];
  const blocks = codeBlocks(readme);
  const firstTs = blocks.find((block) => block.language === 'ts');
  const install = blocks.find((block) => block.language === 'sh' && /^npm install /m.test(block.code));
  if (!firstTs) return ['no ```ts example'];
  if (!install || install.offset > firstTs.offset) return ['no ```sh block with an `npm install` line before the first ```ts example'];
  const installed = installedPackages(install.code.split('\n').find((line) => line.startsWith('npm install '))!);
  for (const required of [name, ...peers]) {
    if (!installed.has(required)) problems.push(`the install line lacks ${required}`);
  }
  for (const { specifier, names } of importStatements(firstTs.code)) {
    const imported = packageOf(specifier);
    if (imported === undefined) continue;
    if (!installed.has(imported)) problems.push(`the first example imports ${imported}, which the install line lacks (ERR_MODULE_NOT_FOUND)`);
    if (imported.startsWith('@selfsup/') && specifier === imported) {
      const exported = exportedNames(imported);
      for (const missing of names.filter((importedName) => !exported.has(importedName))) problems.push(`${imported} does not export ${missing}`);
    }
  }
  const repositoryPart = readme.indexOf(REPOSITORY_SECTION);
  const userPart = repositoryPart < 0 ? readme : readme.slice(0, repositoryPart);
  for (const [pattern, what] of [
    [/\]\(\.\.?\//g, 'a relative link (use https://github.com/selfsup/selfsup/blob/main/...)'],
    [/--conditions=@selfsup\/source/g, 'the @selfsup/source condition'],
    [/npm run /g, `an \`npm run\` script of the repository (move it under "${REPOSITORY_SECTION}")`],
    [/(?<![\w/.])docs\/[\w./-]+\.md/g, 'a docs/ path (link it by URL)'],
  ] as const) {
    for (const match of userPart.matchAll(pattern)) {
      const line = userPart.slice(0, match.index).split('\n').length;
      problems.push(`line ${line}: ${what}: ${match[0]}`);
    }
  }
  return problems;
}

describe('package READMEs (for npm users)', () => {
  it.each(publishablePackages())('%s: an install line with what the first example imports, nothing repository-only', (directory) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, directory, 'package.json'), 'utf8')) as {
      name: string;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
    const readme = readFileSync(join(packagesDir, directory, 'README.md'), 'utf8');
    expect(readmeProblems(manifest.name, readme, requiredPeers)).toEqual([]);
  });

  it('reports what the READMEs got wrong before (checks that can fail)', () => {
    const broken = [
      '# @selfsup/heads',
      '```sh\nnpm install @selfsup/heads @selfsup/core\n```',
      "```ts\nimport { useBackend } from '@selfsup/backend';\nimport { createIbotHead, createHead } from '@selfsup/heads';\n```",
      'Run it with `node --conditions=@selfsup/source --import tsx x.ts`; `npm run bench heads`; see [heads](../../docs/concepts/heads.md).',
    ].join('\n\n');
    expect(readmeProblems('@selfsup/heads', broken, ['@tensorflow/tfjs-core'])).toEqual([
      'the install line lacks @tensorflow/tfjs-core',
      'the first example imports @selfsup/backend, which the install line lacks (ERR_MODULE_NOT_FOUND)',
      '@selfsup/heads does not export createHead',
      'line 12: a relative link (use https://github.com/selfsup/selfsup/blob/main/...): ](../',
      'line 12: the @selfsup/source condition: --conditions=@selfsup/source',
      `line 12: an \`npm run\` script of the repository (move it under "${REPOSITORY_SECTION}"): npm run `,
    ]);
    expect(readmeProblems('@selfsup/heads', '# @selfsup/heads\n\nThe heads.\n', [])).toEqual(['no ```ts example']);
  });
});
