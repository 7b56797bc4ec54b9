// `npm run gpu-bundle [-- --out DIR]`: builds the self-contained folder scripts/gpu-check.sh runs
// on a borrowed GPU machine that has no npm, no Debian packages and no Node.js (only its GPU
// driver and Python with PyTorch). Linux x64 only. The folder (default .gpu-bundle/, git-ignored):
//
//   MANIFEST.json        what is inside: versions, sizes and SHA-256 of every file
//   gpu-check.sh         a copy of scripts/gpu-check.sh (`bash .gpu-bundle/gpu-check.sh` works too)
//   node.xz              this machine's Node.js executable (process.execPath), xz-compressed
//   dawn.node.xz         Dawn's linux-x64 Node.js binding from node_modules/webgpu/dist/, xz-compressed
//   debs/*.deb           Debian's Vulkan loader and GL dispatch libraries (apt-get download
//                        libvulkan1 libegl1 libglvnd0 libgles2 libglx0 libgl1 libopengl0),
//                        unpacked with dpkg -x by the check
//   app/selfsup-gpu.mjs  one ES module bundled by esbuild from scripts/gpu-bundle/bundle-entry.ts:
//                        tfjs-core, tfjs-backend-cpu, tfjs-backend-webgpu, selfsup's packages and
//                        the check and benchmark (scripts/bench/webgpu-cli.ts)
//   app/run.mjs          starts it: node app/run.mjs <adapter | check | worker | bench | gpu-check>
//   app/node_modules/    what @selfsup/backend imports by name at run time: `webgpu` (its own
//                        index.js; gpu-check.sh puts dawn.node beside it) and a
//                        `@tensorflow/tfjs-backend-webgpu` that re-exports the bundled copy
//   app/*.py             the PyTorch side (torch-webgpu-reference.py and torch-reference.py)
//
// At most 60 MiB (the device tool carries 64 MiB with the repository). Compressed files are cached
// in .cache/gpu-bundle/ by the SHA-256 of their source, and the .deb files by name, so a rebuild
// takes seconds; the first build spends about a minute compressing Node.js.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');
const CACHE = join(ROOT, '.cache', 'gpu-bundle');
const MAX_BYTES = 60 * 2 ** 20;
/**
 * The Vulkan loader and the GL dispatch libraries (glvnd) an NVIDIA driver's Vulkan ICD and EGL
 * vendor library load through: the set that ran Vulkan and EGL on the device machines
 * (/work/.library/device/README.md), from Debian 12, about 0.3 MiB in all.
 */
const DEBIAN_PACKAGES = ['libvulkan1', 'libegl1', 'libglvnd0', 'libgles2', 'libglx0', 'libgl1', 'libopengl0'] as const;

function log(line: string): void {
  console.log(`gpu-bundle: ${line}`);
}

function fail(message: string): never {
  console.error(`gpu-bundle: ${message}`);
  process.exit(1);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function run(command: string, args: readonly string[], cwd = ROOT): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${String(result.status)}):\n${result.stderr}`);
  return result.stdout;
}

/** `source` xz-compressed into `target`, from the cache when the same source was compressed before. */
function compressed(source: string, target: string): void {
  mkdirSync(CACHE, { recursive: true });
  const cached = join(CACHE, `${sha256(source)}.xz`);
  if (!existsSync(cached)) {
    const started = performance.now();
    log(`compressing ${source} (${(statSync(source).size / 2 ** 20).toFixed(1)} MiB) with xz...`);
    const result = spawnSync('sh', ['-c', 'xz -T0 -6 -c "$1" > "$2.partial" && mv "$2.partial" "$2"', 'sh', source, cached], { stdio: 'inherit' });
    if (result.status !== 0) fail(`xz failed on ${source} (is xz installed? apt-get install xz-utils)`);
    log(`  ${(statSync(cached).size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  copyFileSync(cached, target);
}

/** The .deb files of DEBIAN_PACKAGES, downloaded with apt-get into the cache once. */
function debianPackages(target: string): string[] {
  const cache = join(CACHE, 'debs');
  mkdirSync(cache, { recursive: true });
  const have = () => DEBIAN_PACKAGES.map((name) => readdirSync(cache).find((f) => f.startsWith(`${name}_`) && f.endsWith('_amd64.deb')));
  if (have().some((f) => f === undefined)) {
    log(`apt-get update, then apt-get download ${DEBIAN_PACKAGES.join(' ')}`);
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    if (update.status !== 0) log('apt-get update failed (not root?); trying the download with the package lists there are');
    run('apt-get', ['download', ...DEBIAN_PACKAGES], cache);
  }
  mkdirSync(target, { recursive: true });
  return have().map((file) => {
    if (file === undefined) fail(`apt-get download left no amd64 .deb for one of ${DEBIAN_PACKAGES.join(', ')} in ${cache}`);
    copyFileSync(join(cache, file), join(target, file));
    return file;
  });
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

async function bundleJavaScript(appDir: string): Promise<void> {
  const outfile = join(appDir, 'selfsup-gpu.mjs');
  const result = await build({
    entryPoints: [join(ROOT, 'scripts', 'gpu-bundle', 'bundle-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // our packages from their TypeScript source; tfjs from its ES modules (one tfjs-core for all)
    conditions: ['@selfsup/source'],
    mainFields: ['module', 'main'],
    // loaded by name at run time (from app/node_modules), or not used by the check
    external: ['webgpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@selfsup/backend-native', '@selfsup/backend-native-*'],
    // tfjs's Node.js platform code calls require(); give the ES module one
    banner: { js: "import { createRequire as __selfsupCreateRequire } from 'node:module'; const require = __selfsupCreateRequire(import.meta.url);" },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    sourcemap: false,
    logLevel: 'error',
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs).length;
  log(`esbuild: ${relative(ROOT, outfile)} (${(statSync(outfile).size / 2 ** 20).toFixed(1)} MiB, ${inputs} modules)`);
}

function writeShims(appDir: string): void {
  // `import('@tensorflow/tfjs-backend-webgpu')` in @selfsup/backend: the bundled copy
  const tfjsWebgpu = join(appDir, 'node_modules', '@tensorflow', 'tfjs-backend-webgpu');
  mkdirSync(tfjsWebgpu, { recursive: true });
  writeFileSync(
    join(tfjsWebgpu, 'package.json'),
    `${JSON.stringify({ name: '@tensorflow/tfjs-backend-webgpu', version: packageVersion('@tensorflow/tfjs-backend-webgpu'), type: 'module', main: 'index.mjs', description: 'The GPU bundle: re-exports the copy bundled in selfsup-gpu.mjs' }, null, 2)}\n`,
  );
  writeFileSync(join(tfjsWebgpu, 'index.mjs'), "export * from '../../../selfsup-gpu.mjs';\n");
  // `import('webgpu')`: Dawn's package as published (its index.js requires dist/<platform>/dawn.node)
  const dawn = join(appDir, 'node_modules', 'webgpu');
  mkdirSync(join(dawn, 'dist', 'linux-x64'), { recursive: true });
  for (const file of ['package.json', 'index.js', 'LICENSE.md']) {
    const source = join(ROOT, 'node_modules', 'webgpu', file);
    if (existsSync(source)) copyFileSync(source, join(dawn, file));
  }
  writeFileSync(join(appDir, 'run.mjs'), "// Runs the bundled webgpu CLI (scripts/bench/webgpu-cli.ts): node run.mjs <command> [flags]\nimport { runAndExit } from './selfsup-gpu.mjs';\nawait runAndExit(process.argv.slice(2));\n");
}

/** Every file under `dir`, with its size. */
function listFiles(dir: string, base = dir): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path, base);
    return [{ path: relative(base, path), bytes: statSync(path).size }];
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, '.gpu-bundle') } } });
  const out = resolve(values.out!);
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`the GPU bundle is for linux-x64 (Node.js and dawn.node are copied from this machine), and this is ${process.platform}-${process.arch}`);
  const dawnNode = join(ROOT, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node');
  if (!existsSync(dawnNode)) fail(`${relative(ROOT, dawnNode)} is missing: run npm ci (webgpu is a root devDependency)`);
  const started = performance.now();
  rmSync(out, { recursive: true, force: true });
  const appDir = join(out, 'app');
  mkdirSync(appDir, { recursive: true });

  await bundleJavaScript(appDir);
  writeShims(appDir);
  for (const file of ['torch-webgpu-reference.py', 'torch-reference.py']) copyFileSync(join(ROOT, 'scripts', 'bench', file), join(appDir, file));
  copyFileSync(join(ROOT, 'scripts', 'gpu-check.sh'), join(out, 'gpu-check.sh'));
  compressed(dawnNode, join(out, 'dawn.node.xz'));
  compressed(process.execPath, join(out, 'node.xz'));
  const debs = debianPackages(join(out, 'debs'));

  const files = listFiles(out);
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const manifest = {
    kind: 'selfsup-gpu-bundle',
    builtAt: new Date().toISOString(),
    commit,
    run: 'bash scripts/gpu-check.sh (from the repository root, with this folder as .gpu-bundle), or bash .gpu-bundle/gpu-check.sh; --software on a machine without a GPU',
    node: { version: process.version, source: process.execPath },
    packages: {
      '@tensorflow/tfjs-core': packageVersion('@tensorflow/tfjs-core'),
      '@tensorflow/tfjs-backend-cpu': packageVersion('@tensorflow/tfjs-backend-cpu'),
      '@tensorflow/tfjs-backend-webgpu': packageVersion('@tensorflow/tfjs-backend-webgpu'),
      webgpu: packageVersion('webgpu'),
    },
    debs,
    totalBytes: total,
    files: files.map((f) => ({ ...f, sha256: sha256(join(out, f.path)) })),
  };
  writeFileSync(join(out, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const mib = (total / 2 ** 20).toFixed(1);
  if (total > MAX_BYTES) fail(`${relative(ROOT, out)} is ${mib} MiB, over the 60 MiB limit`);
  log(`${relative(ROOT, out) || out}: ${files.length + 1} files, ${mib} MiB, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  for (const f of [...files].sort((a, b) => b.bytes - a.bytes).slice(0, 6)) log(`  ${(f.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB  ${f.path}`);
}

await main();
