// app.js: the counter terminal's page (docs/counter-ui.md).  It holds no rule
// of the counter: every action is one call of the REST API (/api/v1,
// docs/api.md), which answers what the counter library decided, with the
// audit entry it made.  Japanese labels, an English switch.  No inline
// script or style anywhere (the page's Content-Security-Policy forbids it).
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const IDLE_MS = 5 * 60 * 1000; // the server locks the session after 5 idle minutes, too

  const en = {
    'title': 'JPKI counter terminal', 'logout': 'Log out', 'login': 'Log in',
    'operator': 'Operator id', 'password': 'Password', 'counter': 'Counter',
    'city-hall': 'City hall', 'service-centre': 'Service centre', 'temporary': 'Temporary counter',
    'login-button': 'Log in', 'locked': 'Screen locked',
    'locked-why': 'The screen locked after 5 minutes without use. Enter your password.',
    'unlock': 'Unlock', 'menu': 'Procedures', 'menu-search': 'Resident search',
    'menu-loss': 'Loss report (hold)', 'menu-revoke': 'Revocation',
    'menu-lift': 'Hold resolved (revoke)', 'menu-approvals': 'Approvals',
    'menu-audit': 'Audit log', 'menu-operators': 'Operators', 'purpose': 'Purpose of the search',
    'choose': 'Choose', 'p-application': 'An application at the counter',
    'p-loss': 'A loss or revocation report', 'p-inquiry': "The resident's own inquiry",
    'p-correction': 'A record correction', 'family': 'Family name', 'given': 'Given name',
    'birth': 'Date of birth', 'record-id': 'Record number (instead of the name)',
    'record-id-plain': 'Record number', 'search': 'Search',
    'loss-why': 'Both certificates, signature and user authentication, go on hold at once (any hour, rule H1).',
    'hold': 'Put on hold', 'document': 'Identity document (TYPE:NUMBER)',
    'document2': 'A second document (optional)', 'kinds': 'Certificates to revoke',
    'sign': 'Signature certificate', 'auth': 'User authentication certificate',
    'reason': 'Reason', 'r-unspecified': "The holder's request", 'r-key': 'Key compromise',
    'revoke': 'Revoke', 'lift': 'Revoke and resolve the hold', 'kind': 'Kind',
    'k-correction': 'Record correction', 'k-fee-void': 'Fee void or refund',
    'k-mass': 'Mass revocation', 'k-hours': 'Outside office hours', 'k-ca': 'CA operation',
    'what': 'What', 'ask': 'Ask for approval', 'queue': 'Waiting for approval',
    'from-seq': 'From entry', 'show': 'Show', 'name': 'Name', 'role': 'Role',
    'clerk': 'Clerk', 'supervisor': 'Supervisor', 'ca-officer': 'CA officer', 'auditor': 'Auditor',
    'add': 'Add', 'approve': 'Approve', 'done': 'Done', 'audit-entry': 'audit entry',
    'no-results': 'No record found.', 'certificates': 'Certificates', 'state': 'State',
    'requester': 'Requester', 'approvals': 'Approvals', 'seq': 'No.', 'at': 'Time',
    'action': 'Action', 'decision': 'Decision', 'detail': 'Detail', 'id': 'No.',
    'held': 'On hold', 'revoked': 'Revoked', 'disable': 'Disable', 'disabled': 'disabled',
    'checkpoint': 'Signed checkpoint', 'record': 'Record', 'address': 'Address',
    'logged-in-as': 'Logged in', 'search-purpose-needed': 'Choose the purpose of the search (rule S1).',
    'valid': 'valid', 'menu-face': 'Card face', 'menu-issue': 'Issuance', 'menu-renew': 'Renewal',
    'menu-pin': 'PIN reset', 'card-why': "Place the card on the terminal's reader.",
    'reader': 'Card reader (optional)', 'write-face': 'Write', 'fee-reason': 'Re-issue reason (fee)',
    'first-issue': 'First issuance', 'f-lost': 'Lost', 'f-damaged': 'Damaged (own fault)',
    'f-damaged-not-own': 'Damaged (not own fault)',
    'auth-pin': 'User authentication PIN (4 digits, typed by the resident)',
    'sign-pin': 'Signature password (6-16 of A-Z 0-9, typed by the resident)',
    'do-issue': 'Issue', 'renew-why': 'Renewal opens 3 months before expiry; the PINs are kept (typed by the resident).',
    'cur-auth-pin': 'Current user authentication PIN', 'cur-sign-pin': 'Current signature password',
    'do-renew': 'Renew', 'pin-why': 'The card and one identity document are needed (rule P2); the resident types the new PINs.',
    'which-pin': 'PIN to reset', 'both': 'Both',
    'new-auth-pin': 'New user authentication PIN', 'new-sign-pin': 'New signature password',
    'do-reset': 'Reset', 'issued': 'issued', 'yen': 'yen', 'menu-keys': 'Security keys',
    'keys-why': 'A registered key is asked for after the password at every log-in.',
    'key-label': 'Name of the key', 'key-add': 'Register this key', 'key-step': 'Security key',
    'key-touch': 'Touch your security key.', 'key-retry': 'Try again', 'sign-count': 'Uses',
    'key-failed': 'The security key did not answer.', 'menu-proxy': 'By a proxy',
    'visit1': 'First visit: the inquiry-and-answer form', 'proxy-doc': "The proxy's photo ID (TYPE:NUMBER)",
    'make-form': 'Make the form', 'visit2': 'Second visit: the answered form and the card',
    'form-code': 'Form code', 'sealed': 'The envelope is still sealed',
    'form-auth-pin': 'User authentication PIN written on the form',
    'form-sign-pin': 'Signature password written on the form', 'form-pdf': 'The form (PDF) to print and mail',
    'valid-until': 'valid until', 'menu-correct': 'Record correction',
    'correct-why': 'The number of a correction request a supervisor approved ("resident N: what") is needed (rule A1); some corrections revoke the signature certificate (rule C5).',
    'approval-no': 'Approval number', 'do-correct': 'Correct', 'hours-approval': 'Approval number for outside office hours (only then)',
    'menu-mass': 'Mass revocation', 'serials': 'Serial numbers (one a line, at most 300)',
    'mass-why': 'Revokes a list of serial numbers at once, once a supervisor has approved that list ("list DIGEST", rule M1).',
    'mass-note': 'Why', 'r-ca': 'CA key compromise', 'r-superseded': 'Superseded',
    'r-cessation': 'Cessation of operation', 'do-mass': 'Revoke the list',
    'mass-asked': 'Approval asked for', 'already-revoked': 'already revoked',
    'menu-notices': 'Renewal notices', 'month': 'Month of the mailing (YYYY-MM)',
    'notices-why': 'The notices of the certificates expiring in the second month after this one, each with its inquiry-and-answer form (rules N2, N4). Running a month again sends nothing twice.',
    'do-notices': 'Make the notices', 'notice-again': 'Open a notice sent before',
    'notice-pdf': 'Notice (PDF)', 'sent': 'sent', 'skipped': 'skipped', 'expires': 'Expires',
  };
  const ja = { // the page's own Japanese is read from the markup; these only the script says
    'done': '完了', 'audit-entry': '監査記録', 'approve': '承認する', 'disable': '無効にする',
    'no-results': '該当する記録はありません。', 'certificates': '電子証明書', 'state': '状態',
    'requester': '依頼者', 'approvals': '承認数', 'seq': '番号', 'at': '日時', 'action': '操作',
    'decision': '結果', 'detail': '詳細', 'id': '番号', 'held': '一時停止', 'revoked': '失効',
    'valid': '有効', 'disabled': '無効', 'checkpoint': '署名付きチェックポイント', 'record': '記録番号',
    'address': '住所', 'logged-in-as': 'ログイン中',
    'search-purpose-needed': '検索の目的を選んでください（規則S1）。',
    'issued': '発行', 'yen': '円', 'mass-asked': '承認を依頼しました', 'already-revoked': '失効済み',
    'notice-pdf': '通知書（PDF）', 'sent': '作成', 'skipped': '対象外・送付済み', 'expires': '有効期限',
    'name': '氏名', 'form-pdf': '印刷して郵送する照会書（PDF）', 'valid-until': '有効期限', 'sign-count': '使用回数', 'key-failed': 'セキュリティキーが応答しませんでした。',
  };
  let lang = localStorage.getItem('jpki-lang') === 'en' ? 'en' : 'ja';
  let session = null;
  let idleTimer = null;

  function t(key) {
    if (lang === 'en' && en[key]) return en[key];
    return ja[key] || en[key] || key;
  }

  function translate() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-t]')) {
      if (!(el.dataset.t in ja)) ja[el.dataset.t] = el.textContent;
      el.textContent = t(el.dataset.t);
    }
    for (const el of document.querySelectorAll('[data-t-label]')) {
      const k = el.dataset.tLabel;
      if (!(k in ja)) ja[k] = el.getAttribute('aria-label');
      el.setAttribute('aria-label', t(k));
    }
    const b = $('lang');
    b.textContent = lang === 'ja' ? 'English' : '日本語';
    b.lang = lang === 'ja' ? 'en' : 'ja';
    document.title = t('title') + ' (jpki)';
    showWho();
  }

  function say(text, ok) {
    const s = $('status');
    s.textContent = text;
    s.className = 'status ' + (ok ? 'ok' : 'bad');
  }

  async function api(method, path, body) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (session && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
    const r = await fetch('/api/v1' + path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = null;
    try { json = await r.json(); } catch (e) { json = null; }
    touch();
    if (r.status === 401 && session && path !== '/session/unlock') {
      if (json && /locked/.test(json.error || '')) lock(); else loggedOut();
    }
    return { status: r.status, ok: r.ok, json: json || {} };
  }

  function auditNote(json) {
    return json.audit ? ` (${t('audit-entry')} #${json.audit.seq})` : '';
  }

  function report(r, okText) {
    if (r.ok) say(okText + auditNote(r.json), true);
    else say((r.json.error || String(r.status)) + auditNote(r.json), false);
  }

  // ---- views ----
  function view(name) {
    $('login-view').hidden = name !== 'login';
    $('key-view').hidden = name !== 'key';
    $('locked-view').hidden = name !== 'locked';
    $('main-view').hidden = name !== 'main';
    $('logout').hidden = name === 'login';
    $('who').hidden = name === 'login';
    const focus = { login: 'login-operator', locked: 'unlock-password' }[name];
    if (focus) $(focus).focus();
  }

  function showWho() {
    if (!session) return;
    $('who').textContent = `${t('logged-in-as')}: ${session.operator} (${t(session.role)}, ${t(session.counter)})`;
  }

  function may(rights) {
    return rights === '' || rights.split(' ').some((r) => session.rights.includes(r));
  }

  // ---- security keys (WebAuthn): the browser's fields as base64url, both ways ----
  const b64 = {
    bytes(s) {
      const t = s.replace(/-/g, '+').replace(/_/g, '/');
      return Uint8Array.from(atob(t + '='.repeat((4 - (t.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
    },
    text(buf) {
      let s = '';
      for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
      return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
  };

  let keyOptions = null;
  async function secondFactor() {
    view('key');
    const pk = keyOptions;
    try {
      const cred = await navigator.credentials.get({ publicKey: {
        challenge: b64.bytes(pk.challenge), rpId: pk.rpId, timeout: pk.timeout,
        userVerification: pk.userVerification,
        allowCredentials: pk.allowCredentials.map((c) => ({ type: c.type, id: b64.bytes(c.id) })) } });
      const r = await api('POST', '/session/key', {
        id: b64.text(cred.rawId), clientDataJSON: b64.text(cred.response.clientDataJSON),
        authenticatorData: b64.text(cred.response.authenticatorData),
        signature: b64.text(cred.response.signature),
        ...(cred.response.userHandle ? { userHandle: b64.text(cred.response.userHandle) } : {}) });
      if (r.status === 201) { started(r.json); say(t('done'), true); return; }
      loggedOut(); // the challenge is used: a refused key starts the log-in again
      report(r);
    } catch (e) {
      say(t('key-failed'), false);
    }
  }

  async function registerKey(label, password) {
    const o = await api('POST', '/session/keys/options');
    if (!o.ok) { report(o); return; }
    const pk = o.json.publicKey;
    let cred;
    try {
      cred = await navigator.credentials.create({ publicKey: {
        challenge: b64.bytes(pk.challenge), rp: pk.rp,
        user: { id: b64.bytes(pk.user.id), name: pk.user.name, displayName: pk.user.displayName },
        pubKeyCredParams: pk.pubKeyCredParams, timeout: pk.timeout, attestation: pk.attestation,
        authenticatorSelection: pk.authenticatorSelection,
        excludeCredentials: pk.excludeCredentials.map((c) => ({ type: c.type, id: b64.bytes(c.id) })) } });
    } catch (e) {
      say(t('key-failed'), false);
      return;
    }
    const r = await api('POST', '/session/keys', {
      clientDataJSON: b64.text(cred.response.clientDataJSON),
      attestationObject: b64.text(cred.response.attestationObject), password,
      ...(label ? { label } : {}) });
    report(r, t('done'));
    loadKeys();
  }

  async function loadKeys() {
    const r = await api('GET', '/session/keys');
    const out = $('key-list');
    out.replaceChildren();
    if (!r.ok) { report(r); return; }
    out.appendChild(table(['id', 'key-label', 'sign-count', 'state'],
      r.json.keys.map((k) => [k.id, k.label, k.signCount, k.disabled ? t('disabled') : ''])));
  }

  function menu() {
    for (const el of document.querySelectorAll('[data-right]')) el.hidden = !may(el.dataset.right);
    const first = document.querySelector('#menu li:not([hidden]) a');
    pane((location.hash || (first ? first.getAttribute('href') : '')).slice(1));
  }

  function pane(id) {
    let shown = null;
    for (const p of document.querySelectorAll('.pane')) {
      const item = document.querySelector(`#menu a[href="#${p.id}"]`);
      const allowed = item && !item.parentElement.hidden;
      p.hidden = !(allowed && p.id === id);
      if (!p.hidden) shown = p.id;
      if (item) {
        if (!p.hidden) item.setAttribute('aria-current', 'page');
        else item.removeAttribute('aria-current');
      }
    }
    if (shown === 'approvals') loadApprovals();
    if (shown === 'operators') loadOperators();
    if (shown === 'keys') loadKeys();
  }

  function touch() {
    clearTimeout(idleTimer);
    if (session && !session.locked) idleTimer = setTimeout(lock, IDLE_MS);
  }

  function lock() {
    if (!session) return;
    session.locked = true;
    clearTimeout(idleTimer);
    view('locked');
  }

  function loggedOut() {
    session = null;
    clearTimeout(idleTimer);
    view('login');
  }

  function started(s) {
    session = s;
    showWho();
    if (s.locked) { view('locked'); return; }
    view('main');
    menu();
    touch();
  }

  // ---- tables ----
  function table(headers, rows) {
    const tb = document.createElement('table');
    const head = tb.createTHead().insertRow();
    for (const h of headers) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = t(h);
      head.appendChild(th);
    }
    const body = tb.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const cell of row) {
        const td = tr.insertCell();
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = String(cell);
      }
    }
    return tb;
  }

  function when(s) {
    return new Date(s * 1000).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' });
  }

  function button(label, fn) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', fn);
    return b;
  }

  // ---- the panes' actions ----
  function int(v) { return /^[1-9][0-9]{0,14}$/.test(v) ? Number(v) : v; }

  async function search(form) {
    const f = new FormData(form);
    if (!f.get('purpose')) { say(t('search-purpose-needed'), false); return; }
    const body = { purpose: f.get('purpose') };
    if (f.get('id')) body.id = int(f.get('id'));
    else {
      body.family = f.get('family');
      if (f.get('given')) body.given = f.get('given');
      if (f.get('birth')) body.birth = f.get('birth');
    }
    const r = await api('POST', '/residents/search', body);
    const out = $('search-results');
    out.replaceChildren();
    if (!r.ok) { report(r); return; }
    if (!r.json.residents.length) out.textContent = t('no-results');
    else out.appendChild(table(['record', 'family', 'given', 'birth', 'address', 'certificates'],
      r.json.residents.map((p) => [p.id, p.family, p.given, p.birth, p.address,
        p.certificates.map((c) => `${t(c.kind)} ${c.serial} (${t(c.status)})`).join(' / ')])));
    report(r, t('done'));
  }

  async function procedure(path, body) {
    const r = await api('POST', path, body);
    report(r, r.ok ? `${t('done')}: ${r.json.serials.length} (case ${r.json.case})` : '');
  }

  function hoursOf(f, body) { // rule W1: an approved hours-override request's number
    if (f.get('hoursApproval')) body.hoursApproval = int(f.get('hoursApproval'));
    return body;
  }

  function docs(f) {
    return [f.get('document'), f.get('document2')].filter((d) => d);
  }

  async function loadApprovals() {
    const r = await api('GET', '/approvals?open=true');
    const out = $('approval-list');
    out.replaceChildren();
    if (!r.ok) { report(r); return; }
    out.appendChild(table(['id', 'kind', 'what', 'requester', 'approvals', 'state', ''],
      r.json.approvals.map((a) => [a.id, a.kind, a.what, a.requester, `${a.approvals}/${a.needed}`, a.state,
        a.requester !== session.operator && may('approve ca-operation')
          ? button(t('approve'), async () => { report(await api('POST', `/approvals/${a.id}/approve`), t('done')); loadApprovals(); })
          : ''])));
  }

  async function loadAudit(from) {
    const r = await api('GET', `/audit/entries?from=${encodeURIComponent(from)}&count=50`);
    const out = $('audit-list');
    out.replaceChildren();
    if (!r.ok) { report(r); return; }
    out.appendChild(table(['seq', 'at', 'operator', 'action', 'decision', 'detail'],
      r.json.entries.map((e) => [e.seq, when(e.at), e.operator, e.action, e.decision, e.detail])));
    const c = await api('GET', '/audit/checkpoint');
    if (c.ok) $('audit-checkpoint').textContent = `${t('checkpoint')}:\n${c.json.checkpoint}`;
  }

  async function loadOperators() {
    const r = await api('GET', '/operators');
    const out = $('operator-list');
    out.replaceChildren();
    if (!r.ok) { report(r); return; }
    out.appendChild(table(['operator', 'name', 'role', 'state', ''],
      r.json.operators.map((o) => [o.id, o.name, t(o.role), o.disabled ? t('disabled') : '',
        o.disabled || o.id === session.operator ? ''
          : button(t('disable'), async () => { report(await api('POST', `/operators/${o.id}/disable`), t('done')); loadOperators(); })])));
  }

  function serialsOf(f) {
    return f.get('serials').split(/\s+/).filter((x) => x);
  }

  function pdfLink(base64, name, label, id) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([b64.bytes(base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))],
      { type: 'application/pdf' }));
    a.download = name;
    a.id = id;
    a.textContent = label;
    return a;
  }

  async function openNotice(resident, month) { // a notice kept on the server, for printing
    const r = await api('GET', `/notices/${encodeURIComponent(resident)}?month=${encodeURIComponent(month)}`);
    report(r, r.ok ? t('done') : '');
    const old = $('notice-link');
    if (old) old.remove();
    if (r.ok) $('notice-list').prepend(pdfLink(r.json.pdf, `notice-${month}-${resident}.pdf`,
      `${t('notice-pdf')}: ${resident} (${month})`, 'notice-link'));
  }

  function on(id, fn) {
    $(id).addEventListener('submit', (e) => { e.preventDefault(); fn(e.target, new FormData(e.target)); });
  }

  function wire() {
    $('lang').addEventListener('click', () => {
      lang = lang === 'ja' ? 'en' : 'ja';
      localStorage.setItem('jpki-lang', lang);
      translate();
    });
    $('logout').addEventListener('click', async () => {
      await api('DELETE', '/session');
      loggedOut();
      say(t('logout'), true);
    });
    window.addEventListener('hashchange', () => session && !session.locked && pane(location.hash.slice(1)));
    on('login-form', async (form, f) => {
      const r = await api('POST', '/session', { operator: f.get('operator'), password: f.get('password'), counter: f.get('counter') });
      form.reset();
      if (r.status === 201) { started(r.json); say(t('done'), true); return; }
      if (r.status === 202) { // the password was right: now the security key
        session = { csrf: r.json.csrf, locked: false, rights: [] };
        keyOptions = r.json.publicKey;
        secondFactor();
        return;
      }
      report(r);
    });
    $('key-retry').addEventListener('click', () => secondFactor());
    on('key-form', (form, f) => { const p = f.get('password'); form.reset(); registerKey(f.get('label'), p); });
    on('unlock-form', async (form, f) => {
      const r = await api('POST', '/session/unlock', { password: f.get('password') });
      form.reset();
      if (r.ok) { started(r.json); say(t('done'), true); } else report(r);
    });
    on('search-form', (form) => search(form));
    on('loss-form', (form, f) => procedure('/procedures/loss', { resident: int(f.get('resident')) }));
    on('revoke-form', (form, f) => {
      const kinds = ['sign', 'auth'].filter((k) => f.get(k));
      procedure('/procedures/revoke', hoursOf(f, { resident: int(f.get('resident')), documents: docs(f), kinds, reason: f.get('reason') }));
    });
    const pinsOf = (f, body) => {
      for (const k of ['authPin', 'signPin', 'reader']) if (f.get(k)) body[k] = f.get(k);
      return hoursOf(f, body);
    };
    on('face-form', async (form, f) => {
      const r = await api('POST', '/procedures/card-face', pinsOf(f, { resident: int(f.get('resident')), documents: docs(f) }));
      report(r, r.ok ? `${t('done')} (case ${r.json.case})` : '');
    });
    const issued = (r) => r.ok ? `${t('done')}: ${r.json.certificates.map((c) => `${t(c.kind)} ${c.serial}`).join(', ')}; ${r.json.amount} ${t('yen')} (case ${r.json.case})` : '';
    on('issue-form', async (form, f) => {
      const body = pinsOf(f, { resident: int(f.get('resident')), documents: docs(f) });
      if (f.get('reason')) body.reason = f.get('reason');
      const r = await api('POST', '/procedures/issue', body);
      form.querySelectorAll('input[type=password]').forEach((i) => { i.value = ''; });
      if (r.ok) form.reset();
      report(r, issued(r));
    });
    on('renew-form', async (form, f) => {
      const r = await api('POST', '/procedures/renew', pinsOf(f, { resident: int(f.get('resident')), documents: docs(f) }));
      form.querySelectorAll('input[type=password]').forEach((i) => { i.value = ''; });
      if (r.ok) form.reset();
      report(r, issued(r));
    });
    on('pin-form', async (form, f) => {
      const r = await api('POST', '/procedures/pin-reset', pinsOf(f, { resident: int(f.get('resident')), documents: docs(f), reset: f.get('which') }));
      form.querySelectorAll('input[type=password]').forEach((i) => { i.value = ''; });
      if (r.ok) form.reset();
      report(r, r.ok ? `${t('done')} (case ${r.json.case})` : '');
    });
    on('proxy-request-form', async (form, f) => {
      const r = await api('POST', '/procedures/proxy-request', hoursOf(f, { resident: int(f.get('resident')), documents: docs(f) }));
      const out = $('proxy-form-out');
      out.replaceChildren();
      report(r, r.ok ? `${t('done')}: ${r.json.code} (case ${r.json.case})` : '');
      if (!r.ok) return;
      form.reset();
      out.appendChild(pdfLink(r.json.form, `${r.json.code}.pdf`,
        `${t('form-pdf')}: ${r.json.code} (${t('valid-until')} ${when(r.json.expiresAt)})`, 'proxy-form-link'));
    });
    on('proxy-answer-form', async (form, f) => {
      const r = await api('POST', '/procedures/proxy-answer', pinsOf(f, { code: f.get('code'), sealed: f.get('sealed') === 'on', documents: docs(f) }));
      form.querySelectorAll('input[type=password]').forEach((i) => { i.value = ''; });
      if (r.ok) form.reset();
      report(r, issued(r));
    });
    on('correct-form', async (form, f) => {
      const body = { approval: int(f.get('approval')) };
      for (const k of ['family', 'given', 'address']) if (f.get(k)) body[k] = f.get(k);
      const r = await api('POST', `/residents/${encodeURIComponent(f.get('resident'))}/correct`, body);
      if (r.ok) form.reset();
      report(r, r.ok ? `${t('done')}: ${r.json.resident.family} ${r.json.resident.given}, ${r.json.resident.address}` +
        (r.json.revoked.length ? `; ${t('revoked')} ${r.json.revoked.join(', ')}` : '') : '');
    });
    on('mass-request-form', async (form, f) => {
      const d = await api('POST', '/procedures/mass-revocation/digest', { serials: serialsOf(f) });
      if (!d.ok) { report(d); return; }
      const r = await api('POST', '/approvals', { kind: 'mass-revocation', what: `${d.json.subject}: ${f.get('what')}` });
      report(r, r.ok ? `${t('mass-asked')}: #${r.json.id} (${d.json.count}, ${d.json.subject})` : '');
      if (r.ok) $('mass-request-out').textContent = `${t('mass-asked')}: #${r.json.id} — ${d.json.subject}`;
    });
    on('mass-form', async (form, f) => {
      const r = await api('POST', '/procedures/mass-revocation', { serials: serialsOf(f), reason: f.get('reason'), approval: int(f.get('approval')) });
      if (r.ok) form.reset();
      report(r, r.ok ? `${t('done')}: ${t('revoked')} ${r.json.revoked}, ${t('already-revoked')} ${r.json.alreadyRevoked}` : '');
    });
    on('notices-form', async (form, f) => {
      const month = f.get('month');
      const r = await api('POST', '/notices', { month });
      const out = $('notice-list');
      out.replaceChildren();
      report(r, r.ok ? `${t('done')}: ${t('sent')} ${r.json.sent}, ${t('skipped')} ${r.json.skipped}` : '');
      if (!r.ok) return;
      out.appendChild(table(['record', 'name', 'address', 'expires', ''],
        r.json.notices.map((n) => [n.resident, n.name, n.address,
          n.certificates.map((c) => `${t(c.kind)} ${c.serial} ${when(c.notAfter)}`).join(' / '),
          button(t('notice-pdf'), () => openNotice(n.resident, month))])));
    });
    on('notice-form', (form, f) => openNotice(f.get('resident'), f.get('month')));
    on('lift-form', (form, f) => procedure('/procedures/lift-hold', hoursOf(f, { resident: int(f.get('resident')), documents: docs(f) })));
    on('request-form', async (form, f) => {
      const r = await api('POST', '/approvals', { kind: f.get('kind'), what: f.get('what') });
      report(r, r.ok ? `${t('done')}: #${r.json.id}` : '');
      if (r.ok) { form.reset(); loadApprovals(); }
    });
    on('audit-form', (form, f) => loadAudit(f.get('from') || '1'));
    on('operator-form', async (form, f) => {
      const r = await api('POST', '/operators', { id: f.get('id'), name: f.get('name'), role: f.get('role'), password: f.get('password') });
      report(r, t('done'));
      if (r.ok) { form.reset(); loadOperators(); }
    });
  }

  wire();
  translate();
  api('GET', '/session').then((r) => (r.ok ? started(r.json) : view('login')));
})();
