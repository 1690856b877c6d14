// portal.mjs: the demo portal in a real browser (docs/login.md, "The demo
// portal").  Debian's Chromium, driven by playwright-core, logs in with the
// software card through the holder's helper, sees the account page, signs a
// filing and downloads its signature; axe-core checks every screen against
// WCAG 2.1 AA.  Each check is written to RESULTS as "ok<TAB>what" or
// "fail<TAB>what" for the shell test to count; screenshots and the download
// go to ARTEFACTS.
//
//   PORTAL=https://localhost:PORT ARTEFACTS=DIR RESULTS=FILE node portal.mjs
// (DEBUG_TIMES=1: each check and request on stderr, with the seconds since the start)
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const portal = process.env.PORTAL;
const artefacts = process.env.ARTEFACTS;
const results = process.env.RESULTS;
const account = process.env.ACCOUNT || 'A-000001';
if (!portal || !artefacts || !results) {
  console.error('usage: PORTAL=https://host:port ARTEFACTS=DIR RESULTS=FILE node portal.mjs');
  process.exit(2);
}
mkdirSync(artefacts, { recursive: true });

let failures = 0;
const t0 = Date.now();
function check(ok, what, detail) {
  if (process.env.DEBUG_TIMES) console.error(((Date.now() - t0) / 1000).toFixed(1), what);
  appendFileSync(results, `${ok ? 'ok' : 'fail'}\t${what}${ok || !detail ? '' : ': ' + detail}\n`);
  if (!ok) failures++;
}

async function accessible(page, name) {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const found = r.violations.map((v) => `${v.id} (${v.nodes.length})`).join(', ');
  check(r.violations.length === 0, `axe-core: no WCAG 2.1 AA violation on the ${name}`, found);
}

// An element's text now, or null when the page has none (no waiting).
function text(page, selector) {
  return page.evaluate((s) => {
    const el = document.querySelector(s);
    return el ? el.textContent : null;
  }, selector);
}

async function shot(page, name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true,
                                             locale: 'ja-JP' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env.DEBUG_TIMES) {
    page.on('request', (r) => console.error(((Date.now() - t0) / 1000).toFixed(1), '>', r.method(), r.url()));
    page.on('requestfinished', (r) => console.error(((Date.now() - t0) / 1000).toFixed(1), '<', r.method(), r.url()));
    page.on('requestfailed', (r) => console.error(((Date.now() - t0) / 1000).toFixed(1), 'x', r.method(), r.url(), r.failure().errorText));
  }
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  // the front door, which links to the portal
  const front = await page.goto(`${portal}/`);
  check(front.status() === 200, 'the front door answers 200', String(front.status()));
  check((await page.locator('a[href$="/demo/portal/"]').count()) === 1,
        'the front door links to the demo portal');
  await accessible(page, 'front door');
  await shot(page, '0-front');

  // the login page
  const resp = await page.goto(`${portal}/demo/portal/`);
  check(resp.status() === 200, 'the login page answers 200', String(resp.status()));
  const csp = resp.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'),
        'its Content-Security-Policy allows no inline script', csp);
  check((await page.getAttribute('html', 'lang')) === 'ja', 'the page is in Japanese');
  await accessible(page, 'login page');
  await shot(page, '1-login');

  // log in: the page asks the helper, the helper signs the browser's Origin
  await page.click('#login');
  await page.waitForSelector('#account', { timeout: 60000 }).catch(() => {});
  const status = await text(page, '#status');
  const shown = await text(page, '#account');
  check(shown === account, `logged in, the account page shows ${account}`,
        `account ${shown}, status ${status}`);
  check(await page.isVisible('#account-new'), 'the first login says the account is new');
  const cookies = await context.cookies();
  const c = cookies.find((k) => k.name === 'jpki_portal');
  check(c && c.httpOnly && c.secure && c.sameSite === 'Strict' && c.path === '/demo/portal',
        'the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/demo/portal',
        JSON.stringify(c));
  const seen = await page.evaluate(() => document.cookie);
  check(!seen.includes('jpki_portal'), 'page script cannot read the session cookie', seen);
  await accessible(page, 'account page');
  await shot(page, '2-account');

  // sign a filing: the certificate and the signature from the card, through the helper
  await page.fill('#filing-text', '転入届\n新住所: 東京都千代田区千代田1-1\n');
  await page.click('#sign');
  await page.waitForSelector('#filing-result:not([hidden])', { timeout: 90000 }).catch(() => {});
  const summary = await text(page, '#filing-summary');
  const fstatus = await text(page, '#filing-status');
  check(/TOTAL-PASSED/.test(summary) && /B-LT/.test(summary),
        'the filing is signed, time-stamped and verified (TOTAL-PASSED, B-LT)',
        `${summary} / ${fstatus}`);
  await accessible(page, 'account page after signing');
  await shot(page, '3-signed');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30000 }),
    page.click('#filing-download'),
  ]);
  const file = join(artefacts, 'filing.p7s');
  await download.saveAs(file);
  check(download.suggestedFilename() === 'filing-1.p7s', 'the signature downloads as filing-1.p7s',
        download.suggestedFilename());

  // a reload lists it; log out
  await page.goto(`${portal}/demo/portal/`);
  check((await page.locator('a[href="/demo/portal/filing/1.p7s"]').count()) === 1,
        'the account page lists the filing');
  check(!(await page.isVisible('#account-new')), 'a reload no longer says the account is new');
  await page.click('#logout');
  await page.waitForSelector('#login', { timeout: 30000 }).catch(() => {});
  check(await page.isVisible('#login'), 'after logout the login page is back');
  await shot(page, '4-logged-out');
  check(errors.length === 0, 'no script error in the page', errors.join(' | '));
  await context.close();
} catch (e) {
  check(false, 'the browser run', e.stack || String(e));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
