import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PageRecordData } from '../src/page-record.js';

/** What `window.playground` holds, as plain data (see src/page-record.ts). */
export type PageSnapshot = PageRecordData;

/** Reads the page's record. */
export async function snapshot(page: Page): Promise<PageSnapshot> {
  return page.evaluate(() => {
    const p = window.playground;
    if (!p) throw new Error('the page published no window.playground');
    return JSON.parse(
      JSON.stringify({ session: p.session, steps: p.steps, knn: p.knn, collapse: p.collapse, pictures: p.pictures, problems: p.problems, saved: p.saved }),
    ) as PageSnapshot;
  });
}

/**
 * Waits until `done(snapshot)` holds, reading the record every second; fails with the page's
 * problems (a worker error) as soon as one appears, unless `allowProblems`.
 */
export async function waitFor(page: Page, what: string, done: (s: PageSnapshot) => boolean, options: { timeoutMs: number; allowProblems?: boolean }): Promise<PageSnapshot> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const s = await snapshot(page);
    if (!options.allowProblems && s.problems.length > 0) {
      throw new Error(`while waiting for ${what}, the page reported: ${s.problems.map((p) => p.message).join(' | ')}`);
    }
    if (done(s)) return s;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}; the page had ${s.steps.length} steps, ${s.knn.length} k-NN results, status "${await page.locator('#status').textContent()}"`);
    }
    await page.waitForTimeout(1000);
  }
}

/** How a canvas is painted: its size and how many distinct colours it holds (1: blank). */
export async function canvasColours(page: Page, id: string): Promise<{ width: number; height: number; colours: number; hidden: boolean }> {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const context = canvas.getContext('2d')!;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return { width: canvas.width, height: canvas.height, colours: colours.size, hidden: canvas.hidden };
  }, id);
}

/** Where the tests leave screenshots: `SELFSUP_ARTIFACT_DIR` (CI keeps it), else a temporary folder. */
export function artifactDir(): string {
  const dir = process.env.SELFSUP_ARTIFACT_DIR ?? join(tmpdir(), 'selfsup-playground-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Collects what the page and its worker print, to show when a test fails. */
export function collectConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => lines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`[pageerror] ${error.message}`));
  return lines;
}

/** Pauses training with the page's own button and waits until the worker says it stopped. */
export async function pause(page: Page, options: { allowProblems?: boolean } = {}): Promise<PageSnapshot> {
  const s = await snapshot(page);
  if (s.session?.running) await page.click('#run');
  return waitFor(page, 'the pause', (x) => x.session?.running === false, { timeoutMs: 300_000, ...options });
}

/** The mean of some numbers. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
