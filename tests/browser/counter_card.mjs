// counter_card.mjs: the counter terminal's procedures that need the card, in
// a real browser, with the software card in the terminal's reader (pcscd +
// vpcd, driven by the server's PC/SC host side).  PHASE=issue: a clerk writes
// the card face, has a proxy's two visits issue both certificates (the form
// downloaded as a PDF), issues them again in person (the PINs typed into the page as
// the resident would), resets the authentication PIN and has a malformed
// signature password refused, and a renewal out of its window refused (N1);
// PHASE=renew (the server's clock inside the window): the certificates
// renewed onto the same card with the current PINs, kept; PHASE=loss: the
// card is reported lost.  axe-core checks each screen.  Results as
// counter.mjs writes them.
//
//   BASE=... ARTEFACTS=DIR RESULTS=FILE RESIDENT=ID PHASE=issue|renew|loss node counter_card.mjs
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, launch } from './lib.mjs';

const { BASE: base, ARTEFACTS: artefacts, RESULTS: results, RESIDENT: resident, PHASE: phase } = process.env;
if (!base || !artefacts || !results || !resident || !phase) {
  console.error('usage: BASE=... ARTEFACTS=DIR RESULTS=FILE RESIDENT=ID PHASE=issue|renew|loss node counter_card.mjs');
  process.exit(2);
}
const h = harness(results, artefacts);
const { check, accessible } = h;
async function done(page, what, timeout = 60000) {
  try {
    await page.waitForFunction(() => /\b(ok|bad)\b/.test(document.getElementById('status').className),
      null, { timeout });
  } catch (e) { /* judged below */ }
  const s = await page.locator('#status');
  const ok = (await s.getAttribute('class')).includes('ok');
  check(ok, what, await s.textContent());
  return await s.textContent();
}
async function go(page, pane) {
  await page.locator(`#menu a[href="#${pane}"]`).click();
  await page.locator(`#${pane}:not([hidden])`).waitFor();
  await page.evaluate(() => { const s = document.getElementById('status'); s.textContent = ''; s.className = 'status'; });
}

// the renewal screen filled as the resident would: the current PINs (the authentication PIN reset above)
async function renew(page) {
  await go(page, 'renew');
  await page.locator('#renew-resident').fill(resident);
  await page.locator('#renew-doc').fill('licence:123456789012');
  await page.locator('#renew-auth-pin').fill('5678');
  await page.locator('#renew-sign-pin').fill('ABC123');
  await page.locator('#renew-form button').click();
}

const browser = await launch();
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP' });
  const page = await context.newPage();
  page.on('requestfinished', async (r) => console.error('<', r.method(), r.url(), (await r.response()).status()));
  page.on('requestfailed', (r) => console.error('x', r.method(), r.url(), r.failure().errorText));
  page.on('console', (m) => console.error('console', m.type(), m.text()));
  await page.goto(`${base}/counter/`);
  await page.locator('#login-operator').fill('clerk1');
  await page.locator('#login-password').fill('clerk-one-password');
  await page.locator('#login-form button').click();
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 10000 });
  if (phase === 'issue') {
    await go(page, 'face');
    await page.locator('#face-resident').fill(resident);
    await page.locator('#face-doc').fill('licence:123456789012');
    await page.locator('#face-form button').click();
    await done(page, 'the card face is written from the record through the reader');
    await accessible(page, 'card face screen');
    // a proxy's two visits (D2-D4): the form printed, then answered with the card
    await go(page, 'proxy');
    await page.locator('#pr-resident').fill(resident);
    await page.locator('#pr-doc').fill('licence:PX1');
    await page.locator('#proxy-request-form button').click();
    await done(page, "a proxy's first visit makes the inquiry-and-answer form");
    const link = page.locator('#proxy-form-link');
    await link.waitFor({ timeout: 10000 });
    const code = (await page.locator('#status').textContent()).match(/P-[A-Z2-9]{12}-[A-Z2-9]{8}/);
    check(code !== null, 'the page gives the form code', await page.locator('#status').textContent());
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    await download.saveAs(join(artefacts, 'proxy-form.pdf'));
    appendFileSync(join(artefacts, 'proxy-form.code'), code ? code[0] : '');
    await accessible(page, 'proxy screen');
    await page.screenshot({ path: join(artefacts, '0-proxy.png'), fullPage: true });
    await page.locator('#pa-code').fill(code ? code[0] : 'none');
    await page.locator('#proxy-answer-form input[name=sealed]').check();
    await page.locator('#pa-doc').fill('licence:PX1');
    await page.locator('#pa-auth-pin').fill('1234');
    await page.locator('#pa-sign-pin').fill('ABC123');
    await page.locator('#proxy-answer-form button').click();
    await done(page, "the proxy's second visit: both certificates issued onto the card");
    await go(page, 'proxy');
    await page.locator('#pa-code').fill(code ? code[0] : 'none');
    await page.locator('#proxy-answer-form input[name=sealed]').check();
    await page.locator('#pa-doc').fill('licence:PX1');
    await page.locator('#pa-auth-pin').fill('1234');
    await page.locator('#proxy-answer-form button').click();
    const twice = await page.waitForFunction(() => document.getElementById('status').classList.contains('bad'),
      null, { timeout: 30000 }).then(() => true, () => false);
    check(twice && /D4/.test(await page.locator('#status').textContent()),
      'a form used once is refused the second time (D4)', await page.locator('#status').textContent());
    await go(page, 'issue');
    await page.locator('#issue-resident').fill(resident);
    await page.locator('#issue-doc').fill('licence:123456789012');
    await page.locator('#issue-reason').selectOption('damaged-not-own');
    await page.locator('#issue-auth-pin').fill('1234');
    await page.locator('#issue-sign-pin').fill('ABC123');
    await page.locator('#issue-form button').click();
    const s = await done(page, 'both certificates are issued onto the card in the reader');
    check(/利用者証明用電子証明書 [0-9A-F]+/.test(s) && /署名用電子証明書 [0-9A-F]+/.test(s), 'the page names both serials', s);
    check((await page.locator('#issue-auth-pin').inputValue()) === '' && (await page.locator('#issue-sign-pin').inputValue()) === '',
      'the PIN fields are emptied after the call');
    await accessible(page, 'issuance screen');
    await page.screenshot({ path: join(artefacts, '1-issued.png'), fullPage: true });
    await go(page, 'pin');
    await page.locator('#pin-resident').fill(resident);
    await page.locator('#pin-doc').fill('licence:123456789012');
    await page.locator('#pin-doc2').fill('health-insurance:HI-1');
    await page.locator('#pin-reset').selectOption('auth');
    await page.locator('#pin-auth-pin').fill('5678');
    await page.locator('#pin-form button').click();
    await done(page, 'the authentication PIN is reset on the card (rule P2)');
    await accessible(page, 'PIN reset screen');
    await go(page, 'pin');
    await page.locator('#pin-resident').fill(resident);
    await page.locator('#pin-doc').fill('licence:123456789012');
    await page.locator('#pin-reset').selectOption('sign');
    await page.locator('#pin-sign-pin').fill('abc');
    await page.locator('#pin-form button').click();
    const refused = await page.waitForFunction(() => document.getElementById('status').classList.contains('bad'),
      null, { timeout: 30000 }).then(() => true, () => false);
    check(refused, 'a signature password the card would not take is refused with the reason',
      await page.locator('#status').textContent());
    await renew(page);
    const early = await page.waitForFunction(() => document.getElementById('status').classList.contains('bad'),
      null, { timeout: 30000 }).then(() => true, () => false);
    check(early && /N1/.test(await page.locator('#status').textContent()),
      'a renewal five years before the expiry is refused (rule N1)', await page.locator('#status').textContent());
  } else if (phase === 'renew') {
    await renew(page);
    const s = await done(page, 'inside its window, both certificates are renewed onto the card with the PINs kept');
    check(/利用者証明用電子証明書 [0-9A-F]+/.test(s) && /署名用電子証明書 [0-9A-F]+/.test(s) && /0 円/.test(s),
      'the page names both new serials; a renewal is free (F1)', s);
    appendFileSync(join(artefacts, 'renewed.txt'), s);
    check((await page.locator('#renew-auth-pin').inputValue()) === '', 'the PIN fields are emptied after the call');
    await accessible(page, 'renewal screen');
    await page.screenshot({ path: join(artefacts, '3-renewed.png'), fullPage: true });
  } else {
    await go(page, 'loss');
    await page.locator('#loss-resident').fill(resident);
    await page.locator('#loss-form button').click();
    await done(page, 'the card reported lost: both certificates on hold');
    await page.screenshot({ path: join(artefacts, '2-loss.png'), fullPage: true });
  }
} catch (e) {
  check(false, 'the browser run', e.message.split('\n')[0]);
} finally {
  await browser.close();
}
process.exit(h.failures ? 1 : 0);
