// Real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) running the built
// Dialtone UI (ui/dist) against a running `dialtone serve`, through its localhost bridge.
//
// Run by tests/tests/ui_browser.rs, which starts Kamailio, a baresip that answers, Dialtone
// with its bridge, a static server for ui/dist on an approved origin, and passes:
//   UI_URL        the UI page with ?bridge=<bridge origin>#token=<token>
//   PEER_NUMBER   the number of the baresip that answers
//   DTMF_DIGITS   the digits to press on the in-call keypad
//   DTMF_HEARD    a file the Rust side writes once baresip received those digits
//   CALL_ME       a file this test writes to have baresip call the phone
//   SHOTS         a folder for screenshots (test artefacts)
//   CHROMIUM      the browser (default /usr/bin/chromium)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through tests/tests/ui_browser.rs)`);
  return v;
};
const UI_URL = env('UI_URL');
const PEER = env('PEER_NUMBER');
const DIGITS = env('DTMF_DIGITS');
const SHOTS = env('SHOTS');
const DTMF_HEARD = env('DTMF_HEARD');
const CALL_ME = env('CALL_ME');
const WAIT = 20_000;

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'dialtone-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 560, height: 820 },
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
after(() => browser.close());

/** Waits (bounded) for a file the harness writes when the other phone saw something. */
async function waitForFile(path, timeout) {
  const deadline = Date.now() + timeout;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100)); // polling for the harness's file
  }
  return readFileSync(path, 'utf8');
}

const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

test('the UI registers, dials, holds, sends DTMF, hangs up and shows the call in history', async () => {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  const why = () => `\nconsole:\n${logs.join('\n')}`;
  try {
    await page.goto(UI_URL);

    // Registered, and the event socket is open (the banner hides).
    const account = page.locator('[data-testid="account-state"]').first();
    await account.waitFor({ timeout: WAIT });
    await page.waitForSelector('[data-testid="account-state"][data-state="registered"]', { timeout: WAIT });
    await page.waitForSelector('[data-testid="connection"][data-state="open"]', { state: 'attached', timeout: WAIT });
    assert.equal(await account.getAttribute('role'), 'status');
    await shot(page, '01-registered-idle');

    // Dial from the number field.
    await page.fill('#dial-input', PEER);
    assert.equal(await page.getAttribute('#dial-input', 'aria-label'), 'Number to call');
    // Every state the call panel shows is recorded (the peer answers at once, so dialing and
    // ringing may last only a moment).
    await page.evaluate(() => {
      window.callStates = [];
      new MutationObserver(() => {
        const state = document.querySelector('[data-testid="active-call"]')?.getAttribute('data-state');
        if (state && window.callStates.at(-1) !== state) window.callStates.push(state);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    await page.click('[data-testid="dial-button"]');
    const call = page.locator('[data-testid="active-call"]');
    await call.waitFor({ timeout: WAIT });
    const callId = await call.getAttribute('data-call-id');
    assert.ok(callId, 'the panel names its call');
    await shot(page, '02-dialing');

    await page.waitForSelector('[data-testid="active-call"][data-state="active"]', { timeout: WAIT });
    const states = await page.evaluate(() => window.callStates);
    assert.ok(['dialing', 'ringing'].includes(states[0]), `the panel showed the call being placed first: ${states}`);
    assert.equal(states.at(-1), 'active', `${states}`);
    assert.equal(await page.inputValue('#dial-input'), '', 'the number field is cleared for the next call');
    // The timer runs: its text changes within a bounded time.
    const timer = call.locator('[data-testid="call-timer"]');
    const t0 = await timer.textContent();
    assert.match(t0, /^\d\d:\d\d$/);
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="call-timer"]')?.textContent !== before,
      t0,
      { timeout: 5_000 },
    );
    assert.match(await timer.textContent(), /^\d\d:\d\d$/);
    await shot(page, '03-active');

    // Hold and resume.
    await call.locator('[data-testid="hold"]').click();
    await page.waitForSelector('[data-testid="active-call"][data-held="true"]', { timeout: WAIT });
    assert.equal(await call.locator('[data-testid="hold"]').getAttribute('aria-pressed'), 'true');
    await shot(page, '04-on-hold');
    await call.locator('[data-testid="hold"]').click();
    await page.waitForSelector('[data-testid="active-call"][data-held="false"]', { timeout: WAIT });

    // DTMF from the in-call keypad: the phone reports each tone sent (call.dtmf).
    await call.locator('[data-testid="keypad-toggle"]').click();
    for (const digit of DIGITS) {
      const name = digit === '*' ? 'star' : digit === '#' ? 'hash' : digit;
      const key = call.locator(`[data-testid="dtmf-${name}"]`);
      await key.click();
    }
    await page.waitForFunction(
      (digits) => document.querySelector('[data-testid="dtmf-log"]')?.textContent?.includes(digits),
      DIGITS,
      { timeout: WAIT },
    );
    await shot(page, '05-dtmf');
    // Hang up only once the other phone heard them.
    const heard = await waitForFile(DTMF_HEARD, WAIT);
    assert.ok(heard.includes(DIGITS), `baresip heard ${heard}`);
    assert.equal(await page.textContent('[data-testid="error"]'), '', 'no command failed');

    // Hang up: the panel goes, the live region says so.
    await call.locator('[data-testid="hangup"]').click();
    await call.waitFor({ state: 'detached', timeout: WAIT });
    await page.waitForFunction(
      () => /ended/i.test(document.querySelector('[data-testid="announcer"]')?.textContent ?? ''),
      null,
      { timeout: WAIT },
    );

    // History: the call, completed.
    await page.click('[data-testid="nav-history"]');
    const row = page.locator(`[data-testid="history-row"][data-call-id="${callId}"]`);
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.getAttribute('data-cause'), 'completed');
    await shot(page, '06-history');

    // Keyboard: Ctrl+D brings the focus back to the number field.
    await page.keyboard.press('Control+d');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'dial-input');
    await shot(page, '07-idle-after-call');
    assert.ok(!logs.some((l) => l.startsWith('pageerror')), `no page errors${why()}`);
  } catch (e) {
    await shot(page, 'failure').catch(() => undefined);
    e.message += why();
    throw e;
  } finally {
    await page.close();
  }
});

test('an incoming call rings in both windows and is answered from the incoming-call window', async () => {
  const main = await browser.newPage();
  const incoming = await browser.newPage();
  await incoming.setViewportSize({ width: 360, height: 220 });
  const logs = [];
  for (const p of [main, incoming]) p.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await main.goto(UI_URL);
    await main.waitForSelector('[data-testid="account-state"][data-state="registered"]', { timeout: WAIT });
    await main.waitForSelector('[data-testid="connection"][data-state="open"]', { state: 'attached', timeout: WAIT });
    writeFileSync(CALL_ME, 'please');

    // The main window shows the ringing call with Answer and Decline.
    const call = main.locator('[data-testid="active-call"][data-state="incoming"]');
    await call.waitFor({ timeout: WAIT });
    const callId = await call.getAttribute('data-call-id');
    assert.ok(await call.locator('[data-testid="answer"]').isVisible());
    assert.ok(await call.locator('[data-testid="decline"]').isVisible());
    await main.waitForFunction(
      () => /incoming call/i.test(document.querySelector('[data-testid="announcer"]')?.textContent ?? ''),
      null,
      { timeout: WAIT },
    );
    await shot(main, '08-incoming-main');

    // The incoming window (no ?callId: the newest incoming call) names the caller.
    await incoming.goto(UI_URL.replace('/index.html', '/incoming.html'));
    await incoming.waitForFunction(
      (peer) => document.querySelector('[data-testid="incoming-caller"]')?.textContent?.includes(peer),
      PEER,
      { timeout: WAIT },
    );
    assert.equal(
      await incoming.evaluate(() => document.activeElement === document.body),
      true,
      'the incoming window takes no focus',
    );
    await shot(incoming, '09-incoming-window');
    await incoming.click('[data-testid="answer"]');

    await main.waitForSelector(`[data-testid="active-call"][data-call-id="${callId}"][data-state="active"]`, { timeout: WAIT });
    await shot(main, '10-incoming-answered');
    await main.locator('[data-testid="hangup"]').click();
    await main.locator('[data-testid="active-call"]').waitFor({ state: 'detached', timeout: WAIT });
    await main.click('[data-testid="nav-history"]');
    const row = main.locator(`[data-testid="history-row"][data-call-id="${callId}"]`);
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.getAttribute('data-cause'), 'completed');
    assert.equal(await main.locator('[data-testid="history-row"]').count(), 2, 'both calls listed');
    await shot(main, '11-history-two-calls');
    assert.deepEqual(logs, []);
  } catch (e) {
    await shot(main, 'failure-incoming-main').catch(() => undefined);
    await shot(incoming, 'failure-incoming-window').catch(() => undefined);
    throw e;
  } finally {
    await incoming.close();
    await main.close();
  }
});
