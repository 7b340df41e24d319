#!/usr/bin/env node
// First-load cost of the dashboard in Chromium: bytes over the wire (encoded, headers excluded),
// requests, and time until the page's heading shows, each from a cold cache, as medians of RUNS.
//
//   E2E_BASE_URL=http://127.0.0.1:8080 node e2e/first-load.mjs [path ...]   (default: /sign-in)
//
// Environment: RUNS (default 7), CHROMIUM_PATH (default /usr/bin/chromium), THROTTLE=1 to also
// measure on an emulated slow link (1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT: Chrome's "Fast
// 3G" numbers), where bytes turn into seconds. Used for BENCHMARKS.md (first load of the dashboard).
import { chromium } from 'playwright-core';

const base = process.env.E2E_BASE_URL;
if (!base) {
  console.error('E2E_BASE_URL is required');
  process.exit(2);
}
const runs = Number(process.env.RUNS ?? 7);
const paths = process.argv.slice(2).length ? process.argv.slice(2) : ['/sign-in'];
const links = process.env.THROTTLE === '1' ? ['localhost', 'fast-3g'] : ['localhost'];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function once(browser, path, link) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  if (link === 'fast-3g') {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
  }
  const responses = [];
  page.on('requestfinished', (request) => responses.push(request));
  const started = Date.now();
  await page.goto(new URL(path, base).toString());
  await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: 60_000 });
  const shown = Date.now() - started;
  // Let requests the page starts after showing (the old outbox poll) finish and count too.
  await page.waitForLoadState('networkidle');
  let bytes = 0;
  const byPath = new Map();
  for (const request of responses) {
    const sizes = await request.sizes();
    bytes += sizes.responseBodySize;
    const key = new URL(request.url()).pathname.replace(/-[A-Za-z0-9_-]{8}\./, '-*.');
    byPath.set(key, (byPath.get(key) ?? 0) + sizes.responseBodySize);
  }
  await context.close();
  return { bytes, requests: responses.length, shown, byPath };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  for (const link of links) {
    for (const path of paths) {
      const results = [];
      for (let i = 0; i < runs; i += 1) results.push(await once(browser, path, link));
      const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
      console.log(
        `${path} [${link}] bytes ${kb(median(results.map((r) => r.bytes)))}, requests ${median(results.map((r) => r.requests))}, heading shown ${median(results.map((r) => r.shown))} ms (median of ${runs})`,
      );
      for (const [key, size] of [...results[0].byPath].sort((a, b) => b[1] - a[1]).slice(0, 6)) {
        console.log(`    ${key} ${kb(size)}`);
      }
    }
  }
} finally {
  await browser.close();
}
