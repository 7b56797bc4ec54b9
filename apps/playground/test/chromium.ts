import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), or the one `SELFSUP_CHROMIUM` names. */
export function chromiumPath(): string {
  return process.env.SELFSUP_CHROMIUM ?? '/usr/bin/chromium';
}

/**
 * Why the browser tests cannot run here, or undefined when they can. With `SELFSUP_REQUIRE_BROWSER=1`
 * (CI's browser step sets it) a missing Chromium is an error instead of a reason to skip.
 */
export function whyNoChromium(): string | undefined {
  const path = chromiumPath();
  if (existsSync(path)) return undefined;
  const reason = `no Chromium at ${path} (apt-get install chromium, or set SELFSUP_CHROMIUM to a Chromium executable)`;
  if (process.env.SELFSUP_REQUIRE_BROWSER === '1') throw new Error(`SELFSUP_REQUIRE_BROWSER=1, but ${reason}`);
  return reason;
}

/** A headless Chromium with a fresh profile, driven by playwright-core. */
export interface HeadlessChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium on a fresh `--user-data-dir`, no GPU, no background networking. With
 * `webgpu`, `--enable-unsafe-webgpu` gives it a WebGPU adapter even without a GPU (SwiftShader, a
 * software adapter computing on the CPU).
 */
export async function launchChromium(options: { webgpu: boolean; downloads?: boolean }): Promise<HeadlessChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'selfsup-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    ...(options.webgpu ? ['--enable-unsafe-webgpu'] : []),
  ];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args,
    acceptDownloads: options.downloads ?? true,
    viewport: { width: 1280, height: 1800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
