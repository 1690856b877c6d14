// counter.mjs: the counter terminal in a real browser (docs/counter-ui.md).
// Debian's Chromium, driven by playwright-core: a clerk logs in with the
// keyboard alone, searches a resident (the purpose required), reports a loss
// with the keyboard alone, revokes a certificate and asks for an approval; a
// supervisor approves it from the queue (the clerk corrects the record with it
// later, once), registers a security key (Chrome's
// virtual authenticator) and is asked for it at the next log-in; the screen
// locks after 5 idle minutes (the page's clock run forward) and unlocks with
// the password; the
// English switch relabels the page; axe-core checks every screen (WCAG 2.1
// AA).  Each check goes to RESULTS as "ok<TAB>what" or "fail<TAB>what";
// screenshots go to ARTEFACTS.
//
//   BASE=https://localhost:PORT ARTEFACTS=DIR RESULTS=FILE YAMADA=ID SATO=ID node counter.mjs
import { join } from 'node:path';
import { harness, launch } from './lib.mjs';

const base = process.env.BASE;
const artefacts = process.env.ARTEFACTS;
const results = process.env.RESULTS;
const yamada = process.env.YAMADA;
const sato = process.env.SATO;
const noticeMonth = process.env.NOTICE_MONTH;
const satoSerials = (process.env.SATO_SERIALS || '').trim();
if (!base || !artefacts || !results || !yamada || !sato || !noticeMonth || !satoSerials) {
  console.error('usage: BASE=https://host:port ARTEFACTS=DIR RESULTS=FILE YAMADA=ID SATO=ID NOTICE_MONTH=YYYY-MM SATO_SERIALS="S1 S2" node counter.mjs');
  process.exit(2);
}
const h = harness(results, artefacts);
const { check, accessible, shot } = h;

async function status(page, want, what) {
  try {
    await page.waitForFunction((w) => document.getElementById('status').textContent.includes(w), want,
      { timeout: 10000 });
    check(true, what);
  } catch (e) {
    check(false, what, await page.locator('#status').textContent());
  }
}

// Empty the status line before an action, so the next status() waits for that action's answer
async function clear(page) {
  await page.evaluate(() => { const s = document.getElementById('status'); s.textContent = ''; s.className = 'status'; });
}

async function typeKeys(page, text) { await page.keyboard.type(text, { delay: 5 }); }

const browser = await launch();
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP', acceptDownloads: true });
  const page = await context.newPage();
  await page.clock.install();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // refused requests are logged by Chromium as "Failed to load resource": the test makes some
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  const front = await page.goto(`${base}/`);
  check(front.status() === 200 && (await page.locator('a[href$="/counter/"]').count()) === 1,
    'the front door links to the counter terminal');

  const res = await page.goto(`${base}/counter/`);
  const h = res.headers();
  check(res.status() === 200, 'the counter page answers 200', String(res.status()));
  check(/script-src 'self'/.test(h['content-security-policy'] || '') && !/unsafe-inline/.test(h['content-security-policy'] || '') &&
        /frame-ancestors 'none'/.test(h['content-security-policy'] || ''),
    "its Content-Security-Policy: script only from 'self', no inline, no framing", h['content-security-policy']);
  check(h['x-content-type-options'] === 'nosniff', 'nosniff');
  await page.locator('#login-view:not([hidden])').waitFor();
  check(await page.evaluate(() => document.documentElement.lang) === 'ja', 'the page is in Japanese');
  await accessible(page, 'login screen');
  await shot(page, '1-login');

  // the clerk logs in with the keyboard alone
  check(await page.evaluate(() => document.activeElement.id) === 'login-operator', 'the operator field has the focus');
  await typeKeys(page, 'clerk1');
  await page.keyboard.press('Tab');
  await typeKeys(page, 'clerk-one-password');
  await page.keyboard.press('Tab'); // the counter
  await page.keyboard.press('Tab'); // the button
  await page.keyboard.press('Enter');
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 10000 });
  check(true, 'a clerk logs in with the keyboard alone');
  const cookies = await context.cookies();
  const c = cookies.find((k) => k.name === '__Host-jpki_counter');
  check(c && c.httpOnly && c.secure && c.sameSite === 'Strict', 'the session cookie is HttpOnly, Secure, SameSite=Strict');
  check(await page.evaluate(() => document.cookie.includes('jpki_counter')) === false, 'page script cannot read it');
  const menu = await page.locator('#menu li:not([hidden]) a').allTextContents();
  check(menu.length === 14 && !menu.includes('監査ログ') && !menu.includes('操作者'),
    "a clerk's menu offers only what a clerk may do", menu.join(', '));
  await accessible(page, 'menu');

  // a search without a purpose is refused by the page; with one, it finds yamada
  await page.locator('#search-family').fill('山田');
  await page.locator('#search-form button').click();
  await status(page, '目的', 'a search without a purpose is refused (rule S1)');
  await page.locator('#search-purpose').selectOption('application');
  await page.locator('#search-form button').click();
  await page.locator('#search-results table').waitFor({ timeout: 10000 });
  const row = await page.locator('#search-results tbody tr').first().textContent();
  check(row.includes(yamada) && row.includes('太郎'), 'the search finds the resident', row);
  await status(page, '監査記録 #', 'the search says its audit entry');
  await accessible(page, 'search results');
  await shot(page, '2-search');

  // the month's renewal notices (rule N2), and yamada's printed from the list
  await page.locator('#menu a[href="#notices"]').click();
  await page.locator('#notices-month').fill(noticeMonth);
  await page.locator('#notices-form button').click();
  await status(page, '作成 ', 'the notices of the month are made');
  const notice = page.locator('#notice-list tbody tr', { hasText: '太郎' });
  check((await notice.count()) === 1, "yamada's notice is listed");
  await notice.locator('button').click();
  await page.locator('#notice-link').waitFor({ timeout: 10000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#notice-link').click()]);
  await download.saveAs(join(artefacts, 'notice.pdf'));
  check(true, 'the notice is handed out as a PDF for printing');
  await accessible(page, 'notices screen');
  await shot(page, '7-notices');
  await page.locator('#notices-form button').click();
  await status(page, '作成 0', 'the month again sends nothing twice');

  // a loss report with the keyboard alone
  await page.locator('#menu a[href="#loss"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('#loss:not([hidden])').waitFor();
  await page.locator('#loss-resident').focus();
  await typeKeys(page, yamada);
  await clear(page);
  await page.keyboard.press('Enter');
  await status(page, '完了', 'a loss reported with the keyboard alone puts the certificates on hold');
  check((await page.locator('#status').textContent()).includes('監査記録 #'), 'with its audit entry');
  await accessible(page, 'loss screen');
  await shot(page, '3-loss');

  // a revocation at the holder's request
  await page.locator('#menu a[href="#revoke"]').click();
  await page.locator('#revoke-resident').fill(sato);
  await page.locator('#revoke-doc').fill('licence:123456789012');
  await page.locator('#revoke-form input[name=auth]').uncheck();
  await page.locator('#revoke-form button').click();
  await status(page, '完了: 1', "sato's signature certificate is revoked");
  await accessible(page, 'revocation screen');
  await page.locator('#revoke-doc').fill('');
  await page.locator('#revoke-resident').fill(yamada);
  await page.locator('#revoke-doc').fill('nothing:1');
  await page.locator('#revoke-form button').click();
  await status(page, 'TYPE:NUMBER', 'an unknown document type is refused with the reason');

  // an approval request, then the clerk's idle screen locks
  await page.locator('#menu a[href="#approvals"]').click();
  await page.locator('#request-kind').selectOption('correction');
  await page.locator('#request-what').fill(`resident ${yamada}: 住所の誤記`);
  await page.locator('#request-form button').click();
  await status(page, '完了: #', 'the clerk asks for a correction');
  const correction = ((await page.locator('#status').textContent()).match(/#([0-9]+)/) || [])[1];
  await page.locator('#approval-list tbody tr').first().waitFor({ timeout: 10000 });
  check((await page.locator('#approval-list button').count()) === 0, 'a clerk is offered no approve button');
  // a mass revocation of sato's certificates asked for (rule M1)
  await page.locator('#menu a[href="#mass"]').click();
  await page.locator('#mass-serials').fill(satoSerials.split(' ').join('\n'));
  await page.locator('#mass-what').fill('鍵の漏えいの届出');
  await page.locator('#mass-request-form button').click();
  await status(page, '承認を依頼しました: #', 'the clerk asks for the list to be approved');
  const massRequest = ((await page.locator('#mass-request-out').textContent()).match(/#([0-9]+)/) || [])[1];
  await page.locator('#mass-serials2').fill(satoSerials.split(' ').join('\n'));
  await page.locator('#mass-approval').fill(massRequest || '0');
  await page.locator('#mass-form button').click();
  await status(page, 'M1', 'the list is not revoked before its approval (M1)');
  await accessible(page, 'mass revocation screen');
  await page.locator('#menu a[href="#approvals"]').click();
  await accessible(page, 'approvals screen');
  await page.clock.fastForward(5 * 60 * 1000 + 1000);
  await page.locator('#locked-view:not([hidden])').waitFor({ timeout: 10000 });
  check(await page.locator('#main-view').isHidden(), 'after 5 idle minutes the screen locks, nothing of the case shown');
  await accessible(page, 'lock screen');
  await shot(page, '4-locked');
  await page.locator('#unlock-password').fill('clerk-one-password');
  await page.keyboard.press('Enter');
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 10000 });
  check(true, 'the password unlocks it');

  // the English switch
  await page.locator('#lang').click();
  check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the English switch sets lang=en');
  check((await page.locator('h1').textContent()) === 'JPKI counter terminal', 'and relabels the page');
  await accessible(page, 'English screen');
  await shot(page, '5-english');
  await page.locator('#lang').click();
  await page.locator('#logout').click();
  await page.locator('#login-view:not([hidden])').waitFor();
  check(true, 'the clerk logs out');

  // the supervisor approves from the queue
  await page.locator('#login-operator').fill('sup1');
  await page.locator('#login-password').fill('supervisor-password');
  await page.locator('#login-form button').click();
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 10000 });
  const supMenu = await page.locator('#menu li:not([hidden]) a').allTextContents();
  check(supMenu.includes('監査ログ') && !supMenu.includes('操作者'), "a supervisor's menu adds the audit log", supMenu.join(', '));
  await page.locator('#menu a[href="#approvals"]').click();
  await page.locator('#approval-list button').first().waitFor({ timeout: 10000 });
  check((await page.locator('#approval-list button').count()) === 2, 'two requests wait for the supervisor');
  await clear(page);
  await page.locator('#approval-list button').first().click();
  await status(page, '完了', 'the supervisor approves the request');
  await page.waitForFunction(() => document.querySelectorAll('#approval-list button').length === 1, null, { timeout: 10000 });
  await page.locator('#approval-list button').first().click();
  await status(page, '完了', 'and the mass revocation');
  await page.waitForFunction(() => document.querySelectorAll('#approval-list button').length === 0, null, { timeout: 10000 });
  await page.locator('#menu a[href="#audit"]').click();
  await page.locator('#audit-form button').click();
  await page.locator('#audit-list tbody tr').first().waitFor({ timeout: 10000 });
  const entries = await page.locator('#audit-list tbody tr').count();
  check(entries > 5, 'the audit viewer lists the entries', String(entries));
  check((await page.locator('#audit-checkpoint').textContent()).includes('/audit'), 'with a signed checkpoint');
  await accessible(page, 'audit viewer');
  await shot(page, '6-audit');

  // a security key (Chrome's virtual authenticator, CTAP2): registered, then asked for at log-in
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
    protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: false,
    automaticPresenceSimulation: true } });
  await page.locator('#menu a[href="#keys"]').click();
  await page.locator('#key-label').fill('係長のキー');
  await page.locator('#key-password').fill('supervisor-password');
  await page.locator('#key-form button').click();
  await status(page, '完了', 'the supervisor registers a security key');
  await page.locator('#key-list tbody tr').first().waitFor({ timeout: 10000 });
  check((await page.locator('#key-list tbody tr').first().textContent()).includes('係長のキー'), 'it is listed');
  await accessible(page, 'security keys screen');
  await page.locator('#logout').click();
  await page.locator('#login-view:not([hidden])').waitFor();
  await page.locator('#login-operator').fill('sup1');
  await page.locator('#login-password').fill('supervisor-password');
  await page.locator('#login-form button').click();
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 15000 });
  check(true, 'the log-in asks for the key after the password, and the key answers');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  check(credentials.length === 1 && credentials[0].signCount >= 1, 'the key signed (its counter moved)',
    JSON.stringify(credentials.map((c) => c.signCount)));
  await page.locator('#menu a[href="#keys"]').click();
  await page.locator('#key-list tbody tr').first().waitFor({ timeout: 10000 });
  const uses = await page.locator('#key-list tbody tr td').nth(2).textContent();
  check(Number(uses) >= 1, 'the registry recorded the sign counter', uses);
  await page.locator('#logout').click();
  await page.locator('#login-view:not([hidden])').waitFor();
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  await page.locator('#login-operator').fill('sup1');
  await page.locator('#login-password').fill('supervisor-password');
  await page.locator('#login-form button').click();
  await page.locator('#key-view:not([hidden])').waitFor({ timeout: 10000 });
  check(await page.locator('#main-view').isHidden(),
    'without the key, the password alone does not log in: the page waits for the key');
  await accessible(page, 'security key step');
  const r = await page.evaluate(async () => (await fetch('/api/v1/session')).json());
  check(r.keyDue === true, 'the half-done session says the key is due', JSON.stringify(r));
  const blocked = await page.evaluate(async () => (await fetch('/api/v1/approvals')).status);
  check(blocked === 401, 'and it reaches nothing else (401)', String(blocked));
  // back to the clerk: the record corrected on the strength of the supervisor's approval (A1)
  await page.locator('#logout').click();
  await page.locator('#login-view:not([hidden])').waitFor();
  await page.locator('#login-operator').fill('clerk1');
  await page.locator('#login-password').fill('clerk-one-password');
  await page.locator('#login-form button').click();
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 10000 });
  await page.locator('#menu a[href="#correct"]').click();
  await page.locator('#correct-resident').fill(yamada);
  await page.locator('#correct-approval').fill(correction || '0');
  await page.locator('#correct-address').fill('東京都立川市錦町1-1');
  await page.locator('#correct-form button').click();
  await status(page, '錦町1-1', "the record is corrected with the supervisor's approval (A1)");
  await accessible(page, 'correction screen');
  await page.locator('#correct-resident').fill(yamada);
  await page.locator('#correct-approval').fill(correction || '0');
  await page.locator('#correct-address').fill('東京都立川市泉町1156-9');
  await page.locator('#correct-form button').click();
  await status(page, 'A1', 'the approval is used once');
  await page.locator('#menu a[href="#mass"]').click();
  await page.locator('#mass-serials2').fill(satoSerials.split(' ').join('\n'));
  await page.locator('#mass-approval').fill(massRequest || '0');
  await page.locator('#mass-form button').click();
  await status(page, '失効 1', "the approved list is revoked: sato's certificate that was still valid");
  check((await page.locator('#status').textContent()).includes('失効済み 1'), 'the one revoked before is said so');
  await shot(page, '8-mass');
  // the hold resolved at the counter: revoked for good (H1)
  await page.locator('#menu a[href="#lift"]').click();
  await page.locator('#lift-resident').fill(yamada);
  await page.locator('#lift-doc').fill('licence:123456789012');
  await clear(page);
  await page.locator('#lift-form button').click();
  await status(page, '完了: ', "yamada's hold is resolved: revoked for good");
  await accessible(page, 'hold-resolved screen');
  // a CA officer adds an operator
  await page.locator('#logout').click();
  await page.locator('#login-view:not([hidden])').waitFor();
  await page.locator('#login-operator').fill('officer1');
  await page.locator('#login-password').fill('officer-one-password');
  await page.locator('#login-form button').click();
  await page.locator('#main-view:not([hidden])').waitFor({ timeout: 10000 });
  const offMenu = await page.locator('#menu li:not([hidden]) a').allTextContents();
  check(offMenu.includes('操作者') && !offMenu.includes('住民検索'), "a CA officer's menu: operators, no resident search",
    offMenu.join(', '));
  await page.locator('#menu a[href="#operators"]').click();
  await page.locator('#op-id').fill('clerk3');
  await page.locator('#op-name').fill('窓口 三郎');
  await page.locator('#op-role').selectOption('clerk');
  await page.locator('#op-password').fill('clerk-three-password');
  await clear(page);
  await page.locator('#operator-form button').click();
  await status(page, '完了', 'the CA officer adds a clerk');
  await page.locator('#operator-list tbody tr', { hasText: 'clerk3' }).waitFor({ timeout: 10000 });
  check(true, 'the new clerk is listed');
  await accessible(page, 'operators screen');
  await shot(page, '9-operators');
  check(errors.length === 0, 'no script error or CSP violation on any screen', errors.join(' | '));
} catch (e) {
  check(false, 'the browser run', e.message.split('\n')[0]);
} finally {
  await browser.close();
}
process.exit(h.failures ? 1 : 0);
