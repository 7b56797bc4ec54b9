import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { downloadIdxDataset, FASHION_MNIST_SOURCE } from './download-idx-dataset.js';
import { writeIdx } from './idx.js';
import { loadIdxDataset } from './idx-dataset.js';

// A loopback HTTP server on 127.0.0.1 serving files made here: no test contacts the internet.
const content = {
  images: writeIdx({ dtype: 'uint8', shape: [2, 2, 2], data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }),
  labels: writeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(3, 9) }),
};
const served = new Map<string, Uint8Array>([
  ['/data/train-images-idx3-ubyte.gz', writeIdx({ dtype: 'uint8', shape: [2, 2, 2], data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }, { gzip: true })],
  ['/data/train-labels-idx1-ubyte.gz', writeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(3, 9) }, { gzip: true })],
]);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const files = [
  { name: 'train-images-idx3-ubyte.gz', sha256: sha256(content.images) },
  { name: 'train-labels-idx1-ubyte.gz', sha256: sha256(content.labels) },
];
const requests: string[] = [];
let server: Server;
let baseUrl = '';
const root = mkdtempSync(join(tmpdir(), 'selfsup-download-'));

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body = served.get(request.url ?? '');
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('downloadIdxDataset', () => {
  it('downloads once, verifies the checksums, and leaves files loadIdxDataset reads', async () => {
    const cacheDir = join(root, 'cache');
    requests.length = 0;
    const folder = await downloadIdxDataset({ cacheDir, baseUrl, files });
    expect(folder).toBe(cacheDir);
    expect(requests).toEqual(['/data/train-images-idx3-ubyte.gz', '/data/train-labels-idx1-ubyte.gz']);
    const dataset = await loadIdxDataset({ folder, split: 'train' });
    expect([...dataset.labels]).toEqual([3, 9]);
    expect(readdirSync(cacheDir).sort()).toEqual(files.map((f) => f.name).sort()); // no partial files left

    // a second call finds verified files and fetches nothing
    requests.length = 0;
    await downloadIdxDataset({ cacheDir, baseUrl, files });
    expect(requests).toEqual([]);

    // a damaged cached file is fetched anew
    writeFileSync(join(cacheDir, files[1]!.name), Uint8Array.of(1, 2, 3));
    await downloadIdxDataset({ cacheDir, baseUrl, files });
    expect(requests).toEqual(['/data/train-labels-idx1-ubyte.gz']);
    expect(sha256(new Uint8Array(readFileSync(join(cacheDir, files[1]!.name))))).toBe(sha256(served.get('/data/train-labels-idx1-ubyte.gz')!));
  });

  it('rejects a checksum mismatch naming the URL, and writes nothing', async () => {
    const cacheDir = join(root, 'bad-sum');
    const wrong = [{ name: files[0]!.name, sha256: '0'.repeat(64) }];
    const error = await rejection(downloadIdxDataset({ cacheDir, baseUrl, files: wrong }));
    expect(isSslError(error, 'DATA_CORRUPT')).toBe(true);
    expect(error.message).toContain(`${baseUrl}train-images-idx3-ubyte.gz`);
    expect(error.message).toContain(files[0]!.sha256);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('rejects a server error and a file that is not IDX, naming the URL', async () => {
    const cacheDir = join(root, 'missing');
    const error = await rejection(downloadIdxDataset({ cacheDir, baseUrl, files: [{ name: 'nope.gz' }] }));
    expect(error.message).toMatch(/nope\.gz.*HTTP 404/);
    served.set('/data/junk.gz', Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2));
    const junk = await rejection(downloadIdxDataset({ cacheDir, baseUrl, files: [{ name: 'junk.gz' }] }));
    expect(isSslError(junk, 'DATA_CORRUPT')).toBe(true);
    expect(junk.message).toMatch(/junk\.gz: not a valid gzip file/);
    expect(existsSync(join(cacheDir, 'junk.gz'))).toBe(false);
  });

  it('checks its options', async () => {
    await expect(downloadIdxDataset({ cacheDir: root, baseUrl: 'not a url', files })).rejects.toThrow(/baseUrl/);
    await expect(downloadIdxDataset({ cacheDir: root, baseUrl, files: [{ name: '../escape' }] })).rejects.toThrow(/plain file name/);
    await expect(downloadIdxDataset({ cacheDir: root, baseUrl, files: [{ name: 'a', sha256: 'xyz' }] })).rejects.toThrow(/64 hex/);
  });
});

describe('FASHION_MNIST_SOURCE', () => {
  const debian = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(join(debian, 't10k-labels-idx1-ubyte.gz')))('holds the content checksum of Debian\'s copy (test labels)', async () => {
    // a cache holding Debian's file verifies against the recorded checksum, so nothing is fetched
    const cacheDir = join(root, 'fashion');
    mkdirSync(cacheDir);
    const labels = FASHION_MNIST_SOURCE.files.find((f) => f.name.startsWith('t10k-labels'))!;
    writeFileSync(join(cacheDir, labels.name), readFileSync(join(debian, labels.name)));
    await downloadIdxDataset({ cacheDir, baseUrl, files: [labels], fetch: () => Promise.reject(new Error('must not fetch')) });
  });
});
