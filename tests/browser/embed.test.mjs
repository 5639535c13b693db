// Real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against a running
// `dialtone serve`: a CRM page embeds the bridge's /embed page in a hidden iframe, asks it
// to dial through postMessage, and receives the phone's events back.
//
// Run by tests/tests/bridge_browser.rs, which starts Kamailio, a baresip that answers,
// Dialtone with its bridge, and two CRM page servers, and passes:
//   CRM_URL     a page on an approved origin
//   OTHER_URL   the same page on an origin that was never approved
//   SHOTS       a folder for screenshots (test artefacts)
//   CHROMIUM    the browser (default /usr/bin/chromium)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through tests/tests/bridge_browser.rs)`);
  return v;
};
const CRM_URL = env('CRM_URL');
const OTHER_URL = env('OTHER_URL');
const SHOTS = env('SHOTS');
const WAIT = 20_000;

// A fresh profile every run (playwright wants it as launchPersistentContext's argument).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'dialtone-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
after(() => browser.close());

// The CRM page records every message from the phone in window.phoneEvents.
const typesSeen = (page) => page.evaluate(() => window.phoneEvents.map((e) => e.type));
const waitForType = (page, type) =>
  page.waitForFunction((t) => window.phoneEvents.some((e) => e.type === t), type, {
    timeout: WAIT,
  });

test('a CRM page on an approved origin dials through /embed and hears answered and hangup', async () => {
  const page = await browser.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(m.text()));
  await page.goto(CRM_URL);
  await waitForType(page, 'registered');
  await page.screenshot({ path: join(SHOTS, 'crm-embed-ready.png') });

  await page.click('#call');
  await waitForType(page, 'answered');
  await page.screenshot({ path: join(SHOTS, 'crm-embed-answered.png') });
  const answered = await page.evaluate(() => window.phoneEvents.find((e) => e.type === 'answered'));
  assert.ok(answered.callId, `answered carries the call id: ${JSON.stringify(answered)}`);

  await page.click('#hangup');
  await waitForType(page, 'hangup');
  const hangup = await page.evaluate(() => window.phoneEvents.find((e) => e.type === 'hangup'));
  assert.equal(hangup.callId, answered.callId);
  const types = await typesSeen(page);
  assert.ok(types.indexOf('answered') < types.indexOf('hangup'), `order: ${types}`);
  assert.ok(!types.includes('error'), `no error events: ${types}; console: ${console_.join(' | ')}`);
  await page.close();
});

test('the same page on an origin that was never approved is refused', async () => {
  const page = await browser.newPage();
  const refused = new Promise((resolve) => {
    page.on('console', (m) => {
      if (/frame-ancestors/i.test(m.text())) resolve(m.text());
    });
  });
  await page.goto(OTHER_URL);
  const message = await Promise.race([
    refused,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no frame-ancestors refusal logged')), WAIT)),
  ]);
  assert.match(message, /frame-ancestors/);
  // The refused frame cannot relay anything, and a dial request from this page goes nowhere.
  await page.click('#call');
  await page.screenshot({ path: join(SHOTS, 'crm-embed-refused.png') });
  assert.deepEqual(await typesSeen(page), []);
  await page.close();
});
