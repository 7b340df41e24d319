#!/usr/bin/env node
// The README's pictures, taken in a real browser from the one-process mode with demo data:
// docs/img/dashboard.png (an alert's page with its two-week price chart) and
// docs/img/insight-email.png (that alert's insight email, as a mail client shows it).
//
//   scripts/screenshots.sh      (starts `ebay-alerts --demo` on a free port, then runs this)
//
// Environment: E2E_BASE_URL (required), CHROMIUM_PATH (default /usr/bin/chromium),
// SCREENSHOT_DIR (default docs/img), SCREENSHOT_ALERT (default "lego 42100").

import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { mailboxFor } from './mailbox.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = process.env.E2E_BASE_URL;
if (!baseUrl) {
  console.error('E2E_BASE_URL is required');
  process.exit(2);
}
const base = new URL(baseUrl);
const at = (path) => new URL(path, base).toString();
const outDir = process.env.SCREENSHOT_DIR ?? join(here, '..', '..', 'docs', 'img');
const phrase = process.env.SCREENSHOT_ALERT ?? 'lego 42100';
const email = 'demo@example.com';

/** The dev outbox's insight email for the phrase, waiting for analytics to send it. */
async function insightEmail() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const response = await fetch(at('/api/v1/dev/outbox'));
    if (response.ok) {
      const { items } = await response.json();
      const found = items.find((m) => m.subject.startsWith('Price insights') && m.subject.includes(phrase) && m.html);
      if (found) return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`no insight email for "${phrase}" in the dev outbox after two minutes`);
}

async function main() {
  await mkdir(outDir, { recursive: true });
  const mailbox = await mailboxFor({ baseUrl });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);

    // Sign in as the demo account through the dev outbox, as a newcomer would.
    const before = await mailbox.snapshot(email);
    await page.goto(at('/sign-in'));
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const link = new URL(await mailbox.waitForNewLink(email, before, { timeoutMs: 30_000 }));
    await page.goto(at(`${link.pathname}${link.search}`));
    await page.getByRole('heading', { level: 1, name: 'Your alerts', exact: true }).waitFor();

    await page.getByRole('link', { name: phrase }).first().click();
    await page.getByRole('heading', { level: 1, name: phrase }).waitFor();
    // The chart is drawn once the insights answer; the demo has 14 days of history.
    await page.locator('svg[role="img"]').first().waitFor();
    await page.waitForLoadState('networkidle');
    const dashboard = join(outDir, 'dashboard.png');
    await page.screenshot({ path: dashboard });
    console.log(`  wrote ${dashboard}`);

    const insight = await insightEmail();
    const mail = await context.newPage();
    await mail.setViewportSize({ width: 760, height: 900 });
    await mail.setContent(insight.html, { waitUntil: 'load' });
    const emailShot = join(outDir, 'insight-email.png');
    await mail.screenshot({ path: emailShot, fullPage: true });
    console.log(`  wrote ${emailShot} ("${insight.subject}")`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`screenshots failed: ${error.stack ?? error}`);
  process.exit(1);
});
