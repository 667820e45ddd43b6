// Loads Argus's HTML pages in a real browser (Debian's headless Chromium,
// driven by puppeteer-core) and checks what a person would get: nothing
// fetched from elsewhere, no script, no errors, every link answering, the
// numbers on the pages equal to those of the API and /metrics for the same
// cycle, hostile agent names shown as text, and screenshots to look at.
//
//   node check-pages.mjs seed-sql
//       SQL on stdout that adds the hostile agents (names, reviews with
//       notes, costs) to a demo database made with --now 2026-11-28T10:00:00Z.
//   node check-pages.mjs check --base http://127.0.0.1:PORT --chromium PATH
//       --profile DIR --screenshots DIR [--pid-file FILE]
//       Exits 0 with a summary, or 1 listing every problem found.
//
// tests/browser_test.sh runs both. The contract of the pages' markup that
// check 4 holds them to (the server runs with a fixed --now, so the pages,
// /api and /metrics all show one cycle; numbers agree within 1e-3 relative):
//   /  <tr class="alert SEVERITY" data-alert-id data-value data-threshold>
//        with <svg class="evidence">, <a class="runbook">, <td class="age">:
//        one per alert of /api/alerts, with its value and threshold;
//      <figure class="chart pipeline" data-window-reviews>: the
//        argus_throughput_reviews sample without a domain label;
//      <figure class="chart domain" data-domain data-window-reviews>: one
//        per domain of argus_throughput_reviews{domain};
//      <tr class="agent" data-agent [data-approval-ratio] [data-rejections]
//        [data-spend-usd]>: each attribute there exactly when /metrics has
//        argus_agent_{approval_ratio,rejections,cost_usd}{window="current"},
//        and equal to it; with a link to the agent's page.
//   /agents/{percent-encoded agent}?hours=N (N is 24 by default)
//      <body data-agent data-hours data-total-reviews data-total-rejections>,
//      <li class="reason" data-reason data-count> per top reason (in order),
//      <tr class="rejection"> per recent rejection, <tr class="stuck-item">
//      per stuck item: as /api/failure-report/{agent}?hours=N has them; and
//      that API still answers JSON to Accept: text/html.

import fs from 'node:fs';
import path from 'node:path';

// ---------------------------------------------------------------------------
// The hostile agents. The 300-character one is longer than the 200 bytes
// Argus keeps, so it is shown as its first bytes, '~' and 16 hex digits.
const LONG_NAME = ('long-agent/with?query#and%2F-and spaces+' +
                   'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(9)).slice(0, 300);
const HOSTILE = [
  { name: '<script>alert(1)</script>' },
  { name: '"quoted\' & <b>bold</b>' },
  { name: 'agent-ü-名前-🙂' },
  { name: LONG_NAME, hashed: true },
];
const LONG_PREFIX = LONG_NAME.slice(0, 32);
const HASHED_RE = /~[0-9a-f]{16}$/;
// Markup inside notes and items, which must stay text too; an <img> that
// got through would also fetch /x (404) and run onerror (a dialog).
const HOSTILE_NOTES = [
  '<img class="injected" src="x" onerror="alert(2)"> no source',
  '</td></tr></table><script>alert(3)</script><p class="injected">broke out</p>',
];

const NOW_MS = Date.UTC(2026, 10, 28, 10, 0, 0);  // the test's --now, 2026-11-28T10:00:00Z

function seedSql() {
  const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
  const lines = ['BEGIN;'];
  HOSTILE.forEach((agent, a) => {
    // Six submissions over the 20 hours before --now, two of them rejected
    // (with hostile notes), and a model call for each.
    for (let i = 0; i < 6; i++) {
      const iso = (seconds) => new Date(NOW_MS - seconds * 1000).toISOString().replace('.000Z', 'Z');
      const at = iso((19 - 3 * i) * 3600 + a * 420);
      const reviewed = iso((19 - 3 * i) * 3600 + a * 420 - 210);
      const domain = ['ai-alignment', 'health', 'finance'][i % 3];
      lines.push(`INSERT INTO submissions (created_at, agent, domain, item) VALUES ` +
                 `(${q(at)}, ${q(agent.name)}, ${q(domain)}, ${q(`<u class="injected">item</u>-${a}-${i}`)});`);
      const rejected = i === 1 || i === 4;
      lines.push(`INSERT INTO reviews (submission_id, reviewed_at, verdict, reason, score, note) VALUES ` +
                 `(last_insert_rowid(), ${q(reviewed)}, ${q(rejected ? 'rejected' : 'approved')}, ` +
                 `${rejected ? q(i === 1 ? 'missing_evidence' : 'off_topic') : 'NULL'}, ` +
                 `${rejected ? 0.2 : 0.85}, ${rejected ? q(HOSTILE_NOTES[i === 1 ? 0 : 1]) : 'NULL'});`);
      lines.push(`INSERT INTO costs (incurred_at, agent, model, usd, input_tokens, output_tokens) VALUES ` +
                 `(${q(at)}, ${q(agent.name)}, 'gpt-4o', ${(0.03 + 0.01 * i).toFixed(2)}, 1200, 300);`);
    }
  });
  lines.push('COMMIT;');
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Problems, by the check they belong to; all are reported at the end.
const SECTIONS = {
  requests: '1. requests, console and dialogs',
  crawl: '2. links',
  script: '3. no JavaScript',
  data: '4. pages agree with the API and /metrics',
  hostile: '5. hostile names',
  screenshots: '6. screenshots',
};
const problems = Object.fromEntries(Object.keys(SECTIONS).map((k) => [k, []]));
const reported = new Set();
function fail(section, message, key = message) {
  if (reported.has(key)) return;
  reported.add(key);
  problems[section].push(message);
}
// The same problem on many pages is one entry that lists the pages.
const grouped = new Map();
function failOn(section, where, what) {
  const key = `${section}\0${what}`;
  let group = grouped.get(key);
  if (!group) {
    group = { what, where: [] };
    grouped.set(key, group);
    problems[section].push(group);
  }
  if (!group.where.includes(where)) group.where.push(where);
}
function describe(problem) {
  if (typeof problem === 'string') return problem;
  const [first, ...others] = problem.where;
  if (!others.length) return `${first}: ${problem.what}`;
  const shown = others.slice(0, 3).join(', ');
  return `${problem.what} (on ${problem.where.length} pages: ${first}, ${shown}${others.length > 3 ? ` and ${others.length - 3} more` : ''})`;
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[++i];
  }
  for (const need of ['base', 'chromium', 'profile', 'screenshots']) {
    if (!args[need]) throw new Error(`--${need} is required`);
  }
  return args;
}

// Argus's own percent-encoding: every byte but [A-Za-z0-9-_.~].
function pctEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function parseNumber(text) {
  if (text === null || text === undefined) return NaN;
  const t = String(text).trim();
  if (/^[+]?inf(inity)?$/i.test(t)) return Infinity;
  if (/^-inf(inity)?$/i.test(t)) return -Infinity;
  if (t === '') return NaN;
  return Number(t);
}

// Equal within 1e-3 relative (and exactly for zero, infinities).
function close(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) < 1e-12;
}

// A small reader of the Prometheus text format: `name{labels} value` lines.
function parseMetrics(text) {
  const samples = [];
  const lineRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
  const labelRe = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = lineRe.exec(line);
    if (!m) throw new Error(`/metrics: cannot read line ${JSON.stringify(line)}`);
    const labels = {};
    if (m[2] !== undefined) {
      labelRe.lastIndex = 0;
      let l;
      let end = 0;
      while (labelRe.lastIndex < m[2].length && (l = labelRe.exec(m[2]))) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
        end = labelRe.lastIndex;
      }
      if (m[2].slice(end).trim() !== '') throw new Error(`/metrics: cannot read labels of ${JSON.stringify(line)}`);
    }
    samples.push({ name: m[1], labels, value: parseNumber(m[3]) });
  }
  return samples;
}

// ---------------------------------------------------------------------------

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'seed-sql') {
    process.stdout.write(seedSql());
    return 0;
  }
  if (mode !== 'check') {
    console.error('usage: check-pages.mjs seed-sql | check --base URL --chromium PATH --profile DIR --screenshots DIR');
    return 2;
  }
  const args = parseArgs(rest);
  const base = new URL(args.base);
  const origin = base.origin;
  const rel = (u) => {
    const url = new URL(u, origin);
    return url.origin === origin ? url.pathname + url.search : url.href;
  };
  const abs = (p) => new URL(p, origin).href;

  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: args.chromium,
    headless: true,
    userDataDir: args.profile,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  if (args['pid-file'] && browser.process()) fs.writeFileSync(args['pid-file'], `${browser.process().pid}\n`);

  const summary = [];
  const version = await browser.version();
  try {
    await runChecks(browser, { origin, rel, abs, screenshots: args.screenshots, summary });
  } finally {
    await browser.close().catch(() => {});
  }

  const count = Object.values(problems).reduce((n, list) => n + list.length, 0);
  if (count) {
    console.log(`FAIL: ${count} problem${count === 1 ? '' : 's'} in Argus's pages at ${origin}`);
    for (const [key, list] of Object.entries(problems)) {
      if (!list.length) continue;
      console.log(`\n${SECTIONS[key]} (${list.length}):`);
      for (const p of list) console.log(`  - ${describe(p)}`);
    }
    console.log('\nWhat was checked:');
    for (const line of summary) console.log(`  ${line}`);
    return 1;
  }
  console.log(`PASS: Argus's pages in ${version} at ${origin}`);
  for (const line of summary) console.log(`  ${line}`);
  return 0;
}

async function runChecks(browser, ctx) {
  const { origin, rel, abs, summary } = ctx;
  // Responses of 400 and more (navigations included), so that Chromium's
  // console line "Failed to load resource" for them is not counted twice.
  const badUrls = new Set();
  const consoleErrors = [];
  const blocked = new Map();

  // A tab with every listener of check 1 on it.
  async function checkedPage({ javascript = true } = {}) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    if (!javascript) await page.setJavaScriptEnabled(false);
    const aborted = new Set();
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.isInterceptResolutionHandled()) return;
      const url = req.url();
      let allowed = url.startsWith('data:');
      try { allowed ||= new URL(url).origin === origin; } catch { /* not a URL: blocked */ }
      if (allowed) {
        req.continue().catch(() => {});
        return;
      }
      aborted.add(req);
      if (!blocked.has(url)) blocked.set(url, rel(page.url()));
      failOn('requests', rel(page.url()), `the browser asked for ${url} (${req.resourceType()}); ` +
             `every request must go to ${origin} (aborted)`);
      req.abort('blockedbyclient').catch(() => {});
    });
    page.on('requestfailed', (req) => {
      if (aborted.has(req)) return;
      // The browser asks for the icon after `load`; the next page cuts it off.
      if (new URL(req.url()).pathname === '/favicon.ico' && req.failure()?.errorText === 'net::ERR_ABORTED') return;
      failOn('requests', rel(page.url()), `request for ${rel(req.url())} failed: ${req.failure()?.errorText}`);
    });
    page.on('response', (resp) => {
      const req = resp.request();
      if (resp.status() < 400) return;
      badUrls.add(resp.url());
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) return;  // the caller reports it
      const icon = new URL(resp.url()).pathname === '/favicon.ico'
        ? ' (a page without <link rel="icon"> makes the browser ask for /favicon.ico)' : '';
      failOn('requests', rel(page.url()), `the browser's request for ${rel(resp.url())} ` +
             `(${req.resourceType()}) got HTTP ${resp.status()}${icon}`);
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push({ page: rel(page.url()), text: msg.text(), url: msg.location()?.url });
    });
    page.on('pageerror', (err) => failOn('requests', rel(page.url()), `page error: ${err.message ?? err}`));
    page.on('dialog', (dialog) => {
      failOn('requests', rel(page.url()), `a dialog (${dialog.type()}: "${dialog.message()}") opened: script ran on the page`);
      dialog.dismiss().catch(() => {});
    });
    return page;
  }

  // Loads url in page; returns the HTTP status (0 when it did not load).
  async function load(page, url) {
    try {
      const resp = await page.goto(abs(url), { waitUntil: 'load', timeout: 15000 });
      if (!resp) return 0;
      if (resp.status() >= 400) badUrls.add(resp.url());
      return resp.status();
    } catch (e) {
      return { error: e.message };
    }
  }
  const loaded = (status) => typeof status === 'number' && status >= 200 && status < 400;
  const statusText = (status) => (typeof status === 'number' ? `HTTP ${status}` : `did not load (${status.error})`);

  async function fetchUrl(url, headers = {}) {
    const resp = await fetch(abs(url), { headers, redirect: 'manual' });
    const body = await resp.text();
    return { status: resp.status, type: resp.headers.get('content-type') ?? '', body };
  }
  async function fetchJson(url, headers = {}) {
    const r = await fetchUrl(url, headers);
    if (r.status !== 200) throw new Error(`${rel(url)}: HTTP ${r.status}`);
    return JSON.parse(r.body);
  }

  // Check 3 and 5 on every page: no script, no inline handler, nothing of
  // the hostile markup turned into elements.
  async function checkNoScript(page, where) {
    const found = await page.evaluate(() => {
      const onAttrs = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) if (/^on/i.test(a.name)) onAttrs.push(`<${el.localName} ${a.name}>`);
      }
      return {
        scripts: document.querySelectorAll('script').length,
        onAttrs: onAttrs.slice(0, 5),
        injected: [...document.querySelectorAll('.injected, b, u')]
          .filter((el) => el.classList.contains('injected') || el.textContent === 'bold')
          .map((el) => el.outerHTML.slice(0, 80)),
      };
    });
    if (found.scripts) failOn('script', where, '<script> element(s); the pages are built to work without JavaScript');
    if (found.onAttrs.length) failOn('script', where, `inline event handlers ${found.onAttrs.join(', ')}`);
    for (const html of found.injected) failOn('hostile', where, `markup from the data became an element: ${html}`);
  }

  const page = await checkedPage();

  // ---- 2. The crawl ------------------------------------------------------
  const MAX_PAGES = 150;
  const queue = [abs('/')];
  const from = new Map([[abs('/'), '(start)']]);
  const htmlPages = [];
  const otherLinks = [];
  const external = new Map();
  let notVisited = 0;
  while (queue.length) {
    const url = queue.shift();
    let r;
    try {
      r = await fetchUrl(url, { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    } catch (e) {
      fail('crawl', `${rel(url)} (linked from ${from.get(url)}): ${e.message}`);
      continue;
    }
    if (r.status >= 400) {
      fail('crawl', `${rel(url)} (linked from ${from.get(url)}) answers HTTP ${r.status}`);
      continue;
    }
    if (!r.type.startsWith('text/html')) {
      otherLinks.push({ url: rel(url), type: r.type.split(';')[0] || '(no Content-Type)' });
      continue;
    }
    if (htmlPages.length >= MAX_PAGES) {
      notVisited++;
      continue;
    }
    const status = await load(page, url);
    if (!loaded(status)) {
      fail('crawl', `${rel(url)} (linked from ${from.get(url)}): ${statusText(status)} in the browser`);
      continue;
    }
    htmlPages.push(rel(url));
    await checkNoScript(page, rel(url));
    const links = await page.$$eval('a[href]', (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
    for (const { href, text } of links) {
      const h = href.trim();
      if (h === '' || /^javascript:/i.test(h)) {
        fail('crawl', `${rel(url)}: link "${text.slice(0, 60)}" has href=${JSON.stringify(href)}`);
        continue;
      }
      let target;
      try {
        target = new URL(h, url);
      } catch {
        fail('crawl', `${rel(url)}: link "${text.slice(0, 60)}" has an unreadable href ${JSON.stringify(href)}`);
        continue;
      }
      target.hash = '';
      if (target.origin !== origin) {
        if (!external.has(target.href)) external.set(target.href, rel(url));
        continue;
      }
      if (!from.has(target.href)) {
        from.set(target.href, rel(url));
        queue.push(target.href);
      }
    }
  }
  summary.push(`crawled ${htmlPages.length} HTML page(s) from / in the browser (${htmlPages.slice(0, 4).join(' ')}` +
               `${htmlPages.length > 4 ? ' ...' : ''})` +
               `${notVisited ? `; stopped at ${MAX_PAGES} pages, ${notVisited} more not visited` : ''}`);
  const byType = {};
  for (const l of otherLinks) byType[l.type] = (byType[l.type] ?? 0) + 1;
  summary.push(`fetched the ${otherLinks.length} other same-origin link(s): ` +
               `${Object.entries(byType).map(([t, n]) => `${n} ${t}`).join(', ') || 'none'}`);
  summary.push(external.size
    ? `links to other origins, not followed: ${[...external].map(([u, p]) => `${u} (on ${p})`).join(', ')}`
    : 'no links to other origins');

  // ---- 4. Data against the API and /metrics ------------------------------
  let alerts = [];
  let samples = [];
  try {
    alerts = (await fetchJson('/api/alerts')).alerts;
    samples = parseMetrics((await fetchUrl('/metrics')).body);
  } catch (e) {
    fail('data', `reading the API: ${e.message}`);
  }
  const sample = (name, labels) => samples.find((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => (v === undefined ? !(k in s.labels) : s.labels[k] === v)));

  const status = await load(page, '/');
  if (!loaded(status)) throw new Error(`/ ${statusText(status)}`);
  const statusPage = await readStatusPage(page);
  await checkStatusPage(statusPage, alerts, samples, sample, summary);

  // Agent pages: every agent with an alert, dax over 6 and 48 hours, and
  // (below) each hostile agent.
  const agentChecks = [];
  const alertAgents = [...new Set(alerts.map((a) => a.agent).filter((a) => a !== null && a !== undefined))];
  for (const agent of alertAgents) agentChecks.push({ agent, hours: null });
  const windowAgent = alertAgents.includes('dax') ? 'dax' : alertAgents[0] ?? 'dax';
  agentChecks.push({ agent: windowAgent, hours: 6 }, { agent: windowAgent, hours: 48 });

  // ---- 5. Hostile names on / ---------------------------------------------
  for (const h of HOSTILE) {
    const shown = await checkHostileOnStatus(page, h, statusPage);
    if (shown) agentChecks.push({ agent: shown.name, hours: null, link: shown.agentLink, hostile: h });
  }

  let agentPagesOk = 0;
  for (const c of agentChecks) {
    if (await checkAgentPage(c)) agentPagesOk++;
  }
  summary.push(`agent pages checked against /api/failure-report: ${agentChecks.length} ` +
               `(${agentPagesOk} agreed): ${agentChecks.map((c) => `${short(c.agent)}${c.hours ? `?hours=${c.hours}` : ''}`).join(', ')}`);

  // ---- 3. / with JavaScript off ------------------------------------------
  const noJs = await checkedPage({ javascript: false });
  const noJsStatus = await load(noJs, '/');
  if (!loaded(noJsStatus)) {
    fail('script', `/ with JavaScript disabled: ${statusText(noJsStatus)}`);
  } else {
    const counts = await noJs.evaluate(() => ({
      svg: document.querySelectorAll('svg').length,
      charts: document.querySelectorAll('figure.chart svg').length,
    }));
    if (!counts.charts) fail('script', `/ with JavaScript disabled has no chart (<figure class="chart"> with an <svg>); ${counts.svg} <svg> in all`);
    if (counts.svg !== statusPage.svgCount || counts.charts !== statusPage.chartSvgCount) {
      fail('script', `/ has ${statusPage.svgCount} <svg> (${statusPage.chartSvgCount} in charts) with JavaScript, ` +
           `${counts.svg} (${counts.charts}) without`);
    }
    summary.push(`/ with JavaScript disabled: ${counts.charts} chart svg(s), ${counts.svg} svg(s) in all; ` +
                 'every page loaded was searched for <script>, on* handlers and markup from the data');
  }
  await noJs.close();

  // ---- 6. Screenshots ----------------------------------------------------
  fs.mkdirSync(ctx.screenshots, { recursive: true });
  const shotAgent = alerts.find((a) => a.check === 'stuck_loop' && a.agent)?.agent ?? windowAgent;
  for (const [file, url] of [['status-page.png', '/'], ['agent-page.png', `/agents/${pctEncode(shotAgent)}`]]) {
    const s = await load(page, url);
    const out = path.join(ctx.screenshots, file);
    try {
      await page.screenshot({ path: out, fullPage: true });
      const size = fs.statSync(out).size;
      if (size < 1000) fail('screenshots', `${file}: only ${size} bytes`);
      summary.push(`screenshot ${out} of ${url} (${statusText(s)}, ${Math.round(size / 1024)} KiB)`);
    } catch (e) {
      fail('screenshots', `${file} of ${url}: ${e.message}`);
    }
  }
  await page.close();

  // ---- 1. What the listeners saw -----------------------------------------
  for (const c of consoleErrors) {
    // Reported above as a response or a blocked request.
    if (c.url && (badUrls.has(c.url) || blocked.has(c.url)) && /^Failed to load resource/.test(c.text)) continue;
    failOn('requests', c.page, `console error: ${c.text}${c.url ? ` (${rel(c.url)})` : ''}`);
  }
  summary.push(`request interception: ${blocked.size ? `${blocked.size} request(s) to other origins blocked` : 'every request went to ' + origin}`);

  // ---------------------------------------------------------------------------

  async function readStatusPage(p) {
    return p.evaluate(() => {
      const attrs = (el) => Object.fromEntries([...el.attributes].map((a) => [a.name, a.value]));
      return {
        svgCount: document.querySelectorAll('svg').length,
        chartSvgCount: document.querySelectorAll('figure.chart svg').length,
        alerts: [...document.querySelectorAll('tr.alert')].map((tr) => ({
          attrs: attrs(tr),
          classes: [...tr.classList],
          evidence: !!tr.querySelector('svg.evidence'),
          runbook: tr.querySelector('a.runbook') ? tr.querySelector('a.runbook').getAttribute('href') ?? '' : null,
          age: !!tr.querySelector('td.age'),
        })),
        pipeline: [...document.querySelectorAll('figure.chart.pipeline')].map(attrs),
        domains: [...document.querySelectorAll('figure.chart.domain')].map(attrs),
        agents: [...document.querySelectorAll('tr.agent')].map((tr) => ({
          attrs: attrs(tr),
          links: [...tr.querySelectorAll('a[href]')].map((a) => a.href),
        })),
      };
    });
  }

  // The contract of / (see the top of this file).
  async function checkStatusPage(sp, alerts, samples, sample, summary) {
    // Alerts: one row each, with the API's value and threshold.
    const byId = new Map(alerts.map((a) => [a.id, a]));
    const seen = new Set();
    for (const row of sp.alerts) {
      const id = row.attrs['data-alert-id'];
      if (id === undefined) {
        fail('data', `/: <tr class="${row.classes.join(' ')}"> has no data-alert-id`);
        continue;
      }
      if (seen.has(id)) fail('data', `/: alert ${id} has more than one row`);
      seen.add(id);
      const a = byId.get(id);
      if (!a) {
        fail('data', `/: alert row ${id} is not in /api/alerts`);
        continue;
      }
      if (!row.classes.includes(a.severity)) fail('data', `/: alert ${id}: row class "${row.classes.join(' ')}" lacks its severity ${a.severity}`);
      for (const [attr, key] of [['data-value', 'value'], ['data-threshold', 'threshold']]) {
        compareNumber(`/: alert ${id} ${attr}`, row.attrs[attr], a[key], `/api/alerts ${key}`);
      }
      if (!row.evidence) fail('data', `/: alert ${id} has no <svg class="evidence">`);
      if (row.runbook === null) fail('data', `/: alert ${id} has no <a class="runbook">`);
      else if (row.runbook.trim() === '') fail('data', `/: alert ${id}: its <a class="runbook"> has no href`);
      if (!row.age) fail('data', `/: alert ${id} has no <td class="age">`);
    }
    const missing = alerts.filter((a) => !seen.has(a.id)).map((a) => a.id);
    if (missing.length) {
      fail('data', `/: ${missing.length} of the ${alerts.length} alerts of /api/alerts have no <tr class="alert" data-alert-id>: ${missing.join(', ')}`);
    }

    // Charts: the pipeline's and one per domain, with the window's reviews.
    const total = sample('argus_throughput_reviews', { domain: undefined });
    if (total) {
      if (sp.pipeline.length !== 1) {
        fail('data', `/: ${sp.pipeline.length} <figure class="chart pipeline"> (expected 1, argus_throughput_reviews is ${total.value})`);
      }
      for (const f of sp.pipeline) compareNumber('/: pipeline chart data-window-reviews', f['data-window-reviews'], total.value, 'argus_throughput_reviews');
    }
    const domainSamples = samples.filter((s) => s.name === 'argus_throughput_reviews' && 'domain' in s.labels);
    const figures = new Map();
    for (const f of sp.domains) {
      const d = f['data-domain'];
      if (d === undefined) { fail('data', '/: a <figure class="chart domain"> has no data-domain'); continue; }
      if (figures.has(d)) fail('data', `/: domain ${d} has more than one chart`);
      figures.set(d, f);
      const s = domainSamples.find((x) => x.labels.domain === d);
      if (!s) { fail('data', `/: chart for domain ${d}, which has no argus_throughput_reviews`); continue; }
      compareNumber(`/: domain ${d} chart data-window-reviews`, f['data-window-reviews'], s.value, `argus_throughput_reviews{domain="${d}"}`);
    }
    const noChart = domainSamples.map((s) => s.labels.domain).filter((d) => !figures.has(d));
    if (noChart.length) fail('data', `/: no <figure class="chart domain" data-domain> for ${noChart.length} domain(s) with argus_throughput_reviews: ${noChart.join(', ')}`);

    // Agents: the current window's approval ratio, rejections and spend.
    const rows = new Set();
    for (const row of sp.agents) {
      const agent = row.attrs['data-agent'];
      if (agent === undefined) { fail('data', '/: a <tr class="agent"> has no data-agent'); continue; }
      if (rows.has(agent)) fail('data', `/: agent ${short(agent)} has more than one row`);
      rows.add(agent);
      for (const [attr, metric] of [['data-approval-ratio', 'argus_agent_approval_ratio'],
                                    ['data-rejections', 'argus_agent_rejections'],
                                    ['data-spend-usd', 'argus_agent_cost_usd']]) {
        const s = sample(metric, { agent, window: 'current' });
        const where = `/: agent ${short(agent)} ${attr}`;
        if (!s && attr in row.attrs) fail('data', `${where}="${row.attrs[attr]}" but /metrics has no ${metric}{window="current"} for it`);
        else if (s) compareNumber(where, row.attrs[attr], s.value, `${metric}{window="current"}`);
      }
      const linked = row.links.some((href) => agentOfLink(href) === agent);
      if (!linked) fail('data', `/: agent ${short(agent)}'s row has no link to /agents/${short(pctEncode(agent))} (links: ${row.links.map(rel).join(' ') || 'none'})`);
    }
    const agentsInMetrics = new Set(samples.filter((s) => s.name === 'argus_agent_reviews' && s.labels.window === 'current').map((s) => s.labels.agent));
    if (!sp.agents.length) fail('data', `/: no <tr class="agent" data-agent> rows (/metrics has ${agentsInMetrics.size} agents)`);
    summary.push(`/: ${sp.alerts.length} alert row(s) for the ${alerts.length} alerts of /api/alerts, ` +
                 `${sp.pipeline.length} pipeline chart(s), ${sp.domains.length} domain chart(s) for ${domainSamples.length} domains, ` +
                 `${sp.agents.length} agent row(s) (/metrics: ${agentsInMetrics.size} agents)`);
  }

  // The agent a link goes to, if it is an agent page of this server.
  function agentOfLink(href) {
    let u;
    try { u = new URL(href, origin); } catch { return null; }
    if (u.origin !== origin || !u.pathname.startsWith('/agents/')) return null;
    try { return decodeURIComponent(u.pathname.slice('/agents/'.length)); } catch { return null; }
  }

  function compareNumber(where, attr, expected, source) {
    if (expected === null || expected === undefined) {
      if (attr !== undefined && attr !== '') fail('data', `${where}="${attr}" but ${source} is ${expected}`);
      return;
    }
    if (attr === undefined) { fail('data', `${where} is missing (${source} is ${expected})`); return; }
    const v = parseNumber(attr);
    if (Number.isNaN(v) || !close(v, Number(expected))) fail('data', `${where}="${attr}", ${source} is ${expected}`);
  }

  // Check 5 on /: the row (or, on pages from before the agent table, the
  // link) of one hostile agent. Returns its shown name and agent page link.
  async function checkHostileOnStatus(p, h, sp) {
    const label = h.hashed ? `the ${h.name.length}-character name` : JSON.stringify(h.name);
    const matches = (name) => (h.hashed ? name.startsWith(LONG_PREFIX) && HASHED_RE.test(name) : name === h.name);
    const found = await p.evaluate((hashed, name, prefix) => {
      const re = /~[0-9a-f]{16}$/;
      const ok = (n) => (hashed ? n.startsWith(prefix) && re.test(n) : n === name);
      const rows = [...document.querySelectorAll('tr.agent')].filter((tr) => ok(tr.getAttribute('data-agent') ?? ''));
      const describe = (el, shown) => {
        // The cell (or the link itself) whose text holds the name.
        const cell = [...el.querySelectorAll('td')].find((td) => td.textContent.includes(shown)) ?? el;
        return {
          shown,
          visible: el.innerText,
          bInCell: cell.querySelectorAll('b').length,
          scriptInCell: cell.querySelectorAll('script').length,
          links: [...el.querySelectorAll('a[href]')].map((a) => a.href).concat(el.matches('a[href]') ? [el.href] : []),
        };
      };
      if (rows.length) return { rows: rows.map((tr) => describe(tr, tr.getAttribute('data-agent'))) };
      const links = [...document.querySelectorAll('a[href]')].filter((a) => ok(a.textContent));
      return { rows: [], links: links.map((a) => describe(a, a.textContent)) };
    }, !!h.hashed, h.name, LONG_PREFIX);

    let items = found.rows;
    if (!items.length) {
      fail('hostile', `/: no <tr class="agent"> whose data-agent is ${label}` +
           `${found.links.length ? ` (escaping checked on its ${found.links.length} link(s) instead)` : ''}`);
      items = found.links;
      if (!items.length) {
        fail('hostile', `/: ${label} is not shown (no link with it as its text either)`);
        return null;
      }
    }
    for (const it of items) {
      if (!it.visible.includes(it.shown)) fail('hostile', `/: ${label} is not visible as text; the row shows ${JSON.stringify(it.visible.slice(0, 120))}`);
      if (it.bInCell) fail('hostile', `/: ${label}: ${it.bInCell} <b> element(s) in its cell: the name became markup`);
      if (it.scriptInCell) fail('hostile', `/: ${label}: a <script> in its cell`);
    }
    const shown = items[0].shown;
    if (!h.hashed && shown !== h.name) fail('hostile', `/: ${label} is shown as ${JSON.stringify(shown)}`);
    // Its links answer, and an API link gives the report of that very agent.
    for (const href of new Set(items.flatMap((it) => it.links))) {
      const u = new URL(href);
      if (u.origin !== origin) continue;
      const r = await fetchUrl(href);
      if (r.status >= 400) { fail('hostile', `/: ${label}'s link ${rel(href)} answers HTTP ${r.status}`); continue; }
      if (u.pathname.startsWith('/api/failure-report/')) {
        const agent = JSON.parse(r.body).agent;
        if (agent !== shown) fail('hostile', `/: ${label}'s link ${rel(href)} gives the report of ${JSON.stringify(agent)}`);
      }
    }
    const agentLink = items.flatMap((it) => it.links).find((href) => agentOfLink(href) === shown) ?? null;
    if (found.rows.length && !agentLink) fail('hostile', `/: ${label}'s row has no link to its agent page`);
    return { name: shown, agentLink };
  }

  // The contract of /agents/{agent}?hours=N against /api/failure-report.
  async function checkAgentPage({ agent, hours, link, hostile }) {
    const n = hours ?? 24;
    const url = link ?? `/agents/${pctEncode(agent)}${hours ? `?hours=${hours}` : ''}`;
    const where = hostile ? `agent page of ${short(agent)}${hours ? ` ?hours=${hours}` : ''}` : rel(url);
    const section = hostile ? 'hostile' : 'data';
    let report;
    const api = `/api/failure-report/${pctEncode(agent)}?hours=${n}`;
    try {
      report = await fetchJson(api);
    } catch (e) {
      fail('data', `${e.message}`);
      return false;
    }
    if (report.agent !== agent) fail(section, `${api} is the report of ${JSON.stringify(report.agent)}, not ${JSON.stringify(agent)}`);
    // Legacy clients that send Accept: text/html still get JSON.
    if (!hours) {
      const legacy = await fetchUrl(`/api/failure-report/${pctEncode(agent)}`, { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
      let isJson = true;
      try { JSON.parse(legacy.body); } catch { isJson = false; }
      if (legacy.status !== 200 || !legacy.type.startsWith('application/json') || !isJson) {
        fail('data', `/api/failure-report/${short(pctEncode(agent))} with Accept: text/html answers HTTP ${legacy.status} ` +
             `${legacy.type || '(no Content-Type)'}${isJson ? '' : ', not JSON'}; legacy clients need JSON`);
      }
    }

    const s = await load(page, url);
    if (!loaded(s)) {
      fail(section, `${where}: ${statusText(s)} (expected the agent page, <body data-agent data-hours ...>)`);
      return false;
    }
    await checkNoScript(page, where);
    const got = await page.evaluate(() => ({
      agent: document.body.getAttribute('data-agent'),
      hours: document.body.getAttribute('data-hours'),
      reviews: document.body.getAttribute('data-total-reviews'),
      rejections: document.body.getAttribute('data-total-rejections'),
      reasons: [...document.querySelectorAll('li.reason')].map((li) => ({ reason: li.getAttribute('data-reason'), count: li.getAttribute('data-count') })),
      rejectionRows: document.querySelectorAll('tr.rejection').length,
      stuckRows: document.querySelectorAll('tr.stuck-item').length,
    }));
    const before = problems.data.length + problems.hostile.length;
    if (got.agent !== agent) fail(section, `${where}: body data-agent is ${JSON.stringify(got.agent)}, expected ${JSON.stringify(agent)}`);
    if (got.hours !== String(n)) fail('data', `${where}: body data-hours is ${JSON.stringify(got.hours)}, expected "${n}"`);
    for (const [key, field] of [['reviews', 'total_reviews'], ['rejections', 'total_rejections']]) {
      if (got[key] === null || parseNumber(got[key]) !== Number(report[field])) {
        fail('data', `${where}: body data-total-${key} is ${JSON.stringify(got[key])}, ${api} ${field} is ${report[field]}`);
      }
    }
    const want = (report.top_reasons ?? []).map((r) => `${r.reason}=${r.count}`).join(' ');
    const have = got.reasons.map((r) => `${r.reason}=${r.count}`).join(' ');
    if (want !== have) fail('data', `${where}: <li class="reason"> are [${have}], ${api} top_reasons are [${want}]`);
    for (const [key, field, el] of [['rejectionRows', 'recent_rejections', 'tr.rejection'], ['stuckRows', 'stuck_items', 'tr.stuck-item']]) {
      const expected = (report[field] ?? []).length;
      if (got[key] !== expected) fail('data', `${where}: ${got[key]} <${el.replace('.', ' class=')}> rows, ${api} has ${expected} ${field}`);
    }
    return problems.data.length + problems.hostile.length === before;
  }
}

function short(text) {
  return text.length > 48 ? `${text.slice(0, 32)}...${text.slice(-17)}` : text;
}

// A run that hangs is a failure too: stop after 100 s with what was found.
const watchdog = setTimeout(() => {
  console.log('FAIL: check-pages.mjs did not finish within 100 s');
  for (const [key, list] of Object.entries(problems)) for (const p of list) console.log(`  ${SECTIONS[key]}: ${describe(p)}`);
  process.exit(1);
}, 100_000);
watchdog.unref();

main().then((code) => { process.exitCode = code; }, (e) => {
  console.log(`FAIL: ${e.stack ?? e}`);
  for (const [key, list] of Object.entries(problems)) for (const p of list) console.log(`  ${SECTIONS[key]}: ${describe(p)}`);
  process.exitCode = 1;
});
