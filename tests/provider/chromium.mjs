#!/usr/bin/env node
// A real browser for tok's tests of what the user sees: Debian's headless Chromium driven by
// playwright-core, set as $BROWSER. It opens the URL it is given (tok's start link), lets the
// test provider's self-approving interactions run, and waits for tok's closing page (/done or
// /failed on the loopback listener).
//
// Writes one JSON object to $TOK_TEST_CHROMIUM_LOG:
//   { final_url, title, text, navigated: [every committed main-frame URL],
//     pages: [every HTML document body loaded, for token searches], history_length }
// Exit status: 0 reached a closing page; 1 otherwise.
//
// Environment: TOK_TEST_CHROMIUM_LOG (required), TOK_TEST_CHROMIUM=/usr/bin/chromium (default).

import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const url = process.argv[2];
const out = process.env.TOK_TEST_CHROMIUM_LOG;
const result = { argv: process.argv.slice(2), navigated: [], pages: [] };
let browser;
let code = 1;
try {
  browser = await chromium.launch({
    executablePath: process.env.TOK_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) result.navigated.push(f.url());
  });
  page.on('response', async (r) => {
    if ((r.headers()['content-type'] ?? '').includes('text/html')) {
      try {
        result.pages.push(await r.text());
      } catch {
        // A redirect has no body.
      }
    }
  });
  await page.goto(url);
  await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/(done|failed)$/, { timeout: 30_000 });
  result.final_url = page.url();
  result.title = await page.title();
  result.text = await page.innerText('body');
  result.history_length = await page.evaluate(() => history.length);
  code = 0;
} catch (err) {
  result.error = String(err?.message ?? err).slice(0, 2000);
} finally {
  await browser?.close();
  writeFileSync(out, JSON.stringify(result));
}
process.exit(code);
