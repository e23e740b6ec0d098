import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';

/** Debian's Chromium, installed by scripts/setup-tools.sh. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without a network: without the background
 * networking ones it keeps opening connections that the closed network refuses.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh Chromium profile per browser, deleted on close. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab that records console errors, page errors and every request's URL. */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  readonly page: Page;
  /** Console messages of type error and uncaught exceptions, in order. */
  readonly errors: string[];
  /** Every URL the page requested (documents, scripts, fetches, WebSockets, workers). */
  readonly requests: string[];
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'fin-line-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 1000 },
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      page.on('websocket', (ws) => requests.push(ws.url()));
      return { page, errors, requests };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The requested URLs that would leave the machine (not loopback, not data:/blob:/about:). */
export function offMachine(urls: readonly string[]): string[] {
  return urls.filter((u) => {
    const url = new URL(u);
    if (['data:', 'blob:', 'about:', 'chrome-extension:'].includes(url.protocol)) return false;
    return !LOOPBACK.has(url.hostname) && !url.hostname.startsWith('127.');
  });
}

/**
 * Where screenshots go: docs/images when FIN_LINE_SCREENSHOTS=docs (`npm run docs:screenshots`
 * refreshes the ones the docs link), else the test run's log folder, so a plain test run
 * leaves the work tree as it was.
 */
export function screenshotDir(): string {
  const dir =
    process.env.FIN_LINE_SCREENSHOTS === 'docs'
      ? join(PROJECT_ROOT, 'docs', 'images')
      : join(process.env.FIN_LINE_TEST_LOG_DIR ?? tmpdir(), 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
