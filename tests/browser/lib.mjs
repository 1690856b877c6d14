// lib.mjs: what the browser tests share: their results file ("ok<TAB>what" or
// "fail<TAB>what" per check, counted by the shell test), axe-core's WCAG 2.1
// AA check of a screen, screenshots, and Debian's Chromium launched headless.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

export function harness(results, artefacts) {
  mkdirSync(artefacts, { recursive: true });
  const h = {
    failures: 0,
    check(ok, what, detail) {
      appendFileSync(results, `${ok ? 'ok' : 'fail'}\t${what}${ok || !detail ? '' : ': ' + detail}\n`);
      if (!ok) h.failures++;
    },
    async accessible(page, name) {
      const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      h.check(r.violations.length === 0, `axe-core: no WCAG 2.1 AA violation on the ${name}`,
        r.violations.map((v) => `${v.id} (${v.nodes.length})`).join(', '));
    },
    async shot(page, name) {
      await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
    },
  };
  return h;
}

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-background-networking'] });
}
