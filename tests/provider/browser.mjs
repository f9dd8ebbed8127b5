#!/usr/bin/env node
// Headless stand-in for a user's browser, for tok's integration tests: set as $BROWSER, or run
// as `node tests/provider/browser.mjs URL`. It drives the test provider (server.mjs) whose
// interactions approve themselves; it has no JavaScript and no HTML engine.
//
//   * Authorization URL, or tok's one-time start link (`http://127.0.0.1:PORT/start/...`, which
//     redirects to it): follows redirects (manual cookie jar, at most 20 hops) through the
//     login/consent interactions until the provider redirects to another loopback origin
//     (the CLI's `http://127.0.0.1:PORT/callback?...`), GETs that once (and the CLI's own page
//     it redirects to) and exits 0. The callback's HTTP status goes to stderr. A response_mode=form_post page is submitted.
//   * Device verification URL (`.../device` or `.../device?user_code=...`): reads the
//     user_code from the query (else env TOK_TEST_USER_CODE), scrapes the hidden `xsrf` field,
//     POSTs `xsrf`, `user_code`, `confirm=yes`, then follows the interactions to the
//     provider's "Sign-in Success" page. Exit 0 on success.
//
// Exit status: 0 done; 1 the flow failed (reason on stderr); 2 usage.
// Nothing is ever written to stdout (codes and tokens must not leak); progress goes to stderr
// with `code`, `state`-like values redacted.
//
// Environment:
//   TOK_TEST_BROWSER_LOG=path     append the URL this was called with (one line) to path
//   TOK_TEST_BROWSER_DELAY_MS=n   sleep n ms before starting
//   TOK_TEST_BROWSER_DENY=1       the user says no: device flow posts `abort=yes`; interactions
//                                 are finished with access_denied (GET /interaction/uid?deny=1)
//   TOK_TEST_USER_CODE=code       device user code when the URL carries none
//   TOK_TEST_BROWSER_QUIET=1      no progress lines on stderr (errors still go there)
//   TOK_TEST_BROWSER_PRINT_CALLBACK=1  do not GET the application's callback: print its URL
//                                 (with code and state) on stdout instead, as a user copying
//                                 it from the address bar would (tests of `tok login --paste`)

import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_HOPS = 20;
const TIMEOUT_MS = 10_000;
const env = process.env;
const DENY = env.TOK_TEST_BROWSER_DENY === '1';
const QUIET = env.TOK_TEST_BROWSER_QUIET === '1';
const PRINT_CALLBACK = env.TOK_TEST_BROWSER_PRINT_CALLBACK === '1';

const log = (...args) => {
  if (!QUIET) console.error('[browser]', ...args);
};

class Fail extends Error {}

function redact(u) {
  try {
    const url = new URL(u);
    for (const k of [...url.searchParams.keys()]) {
      if (['code', 'access_token', 'id_token', 'refresh_token', 'state', 'user_code', 'xsrf'].includes(k)) {
        url.searchParams.set(k, '…');
      }
    }
    return url.href;
  } catch {
    return '<unparsable url>';
  }
}

const isLoopback = (host) => host === '127.0.0.1' || host === 'localhost' || host === '[::1]';

// ---------------------------------------------------------------------------------------
// A small cookie jar (RFC 6265 enough for one host: name + path, Max-Age/Expires, deletes)

class CookieJar {
  #cookies = new Map(); // `${host} ${path} ${name}` -> { host, path, name, value, expires }

  store(url, response) {
    const { hostname } = new URL(url);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expires;
      for (const attr of attrs) {
        const [k, ...rest] = attr.split('=');
        const key = k.trim().toLowerCase();
        const v = rest.join('=').trim();
        if (key === 'path' && v.startsWith('/')) path = v;
        else if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && expires === undefined) expires = Date.parse(v);
      }
      const id = `${hostname} ${path} ${name}`;
      if (expires !== undefined && expires <= Date.now()) {
        this.#cookies.delete(id);
      } else {
        this.#cookies.set(id, { host: hostname, path, name, value, expires });
      }
    }
  }

  header(url) {
    const { hostname, pathname } = new URL(url);
    const now = Date.now();
    const matching = [...this.#cookies.values()]
      .filter((c) => c.host === hostname
        && (c.expires === undefined || c.expires > now)
        && (pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

const jar = new CookieJar();

async function request(url, { method = 'GET', form } = {}) {
  const headers = {
    accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
    'user-agent': 'tok-test-browser/1',
  };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  let res;
  try {
    res = await fetch(url, {
      method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new Fail(`${method} ${redact(url)} failed: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  }
  jar.store(url, res);
  const text = await res.text();
  log(`${method} ${redact(url)} -> ${res.status}`);
  return { status: res.status, location: res.headers.get('location'), text, url };
}

// ---------------------------------------------------------------------------------------
// HTML scraping (the provider's own templates; no general HTML parser needed)

const decodeEntities = (s) => s
  .replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function attr(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return m ? decodeEntities(m[2] ?? m[3]) : undefined;
}

// First <form method=post> in the page: { action, fields } with its named <input> values.
function scrapeForm(html) {
  const m = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const formTag = /<form\b[^>]*>/i.exec(m[0])[0];
  const fields = {};
  for (const input of m[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name !== undefined) fields[name] = attr(input, 'value') ?? '';
  }
  return { action: attr(formTag, 'action'), method: (attr(formTag, 'method') ?? 'get').toLowerCase(), fields };
}

function pageText(html) {
  return html
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 400);
}

// ---------------------------------------------------------------------------------------
// Flows

let hops = 0;
function nextHop() {
  hops += 1;
  if (hops > MAX_HOPS) throw new Fail(`more than ${MAX_HOPS} hops`);
}

function withDeny(url) {
  if (!DENY) return url;
  const u = new URL(url);
  if (u.pathname.startsWith('/interaction/')) u.searchParams.set('deny', '1');
  return u.href;
}

// GET the application's redirect target (the CLI's loopback listener) and stop there.
async function deliverCallback(url) {
  if (PRINT_CALLBACK) {
    process.stdout.write(`${url}\n`);
    return 0;
  }
  nextHop();
  const res = await request(url);
  console.error(`[browser] callback answered HTTP ${res.status}`);
  // tok answers with a redirect to its own closing page (/done or /failed): load it, as a
  // browser would.
  if (res.status >= 300 && res.status < 400 && res.location) {
    const page = new URL(res.location, url);
    if (page.origin === new URL(url).origin) {
      nextHop();
      const shown = await request(page.href);
      console.error(`[browser] ${page.pathname} answered HTTP ${shown.status}`);
    }
  }
  return 0;
}

// Follow a response's redirects from the provider. `providerOrigin` tells the provider from
// the application. Returns the final 200 page (or delivers a callback and returns null).
async function follow(res, providerOrigin) {
  for (;;) {
    if (res.status >= 300 && res.status < 400 && res.location) {
      const target = new URL(res.location, res.url);
      if (target.origin !== providerOrigin) {
        if (!isLoopback(target.hostname)) {
          throw new Fail(`refusing to follow a redirect off the loopback host: ${redact(target.href)}`);
        }
        await deliverCallback(target.href);
        return null;
      }
      nextHop();
      res = await request(withDeny(target.href));
      continue;
    }
    if (res.status === 200 || res.status === 400) {
      // response_mode=form_post (or the provider's own auto-submitting pages): submit it.
      // (an error delivered by form_post comes with status 400)
      const form = scrapeForm(res.text);
      if (form && form.method === 'post' && form.action && /document\.forms\[0\]\.submit\(\)/.test(res.text)) {
        const target = new URL(form.action, res.url);
        nextHop();
        if (target.origin !== providerOrigin) {
          if (!isLoopback(target.hostname)) throw new Fail('refusing to post off the loopback host');
          const posted = await request(target.href, { method: 'POST', form: form.fields });
          console.error(`[browser] callback answered HTTP ${posted.status}`);
          return null;
        }
        res = await request(target.href, { method: 'POST', form: form.fields });
        continue;
      }
      if (res.status === 200) return res;
    }
    throw new Fail(`HTTP ${res.status} at ${redact(res.url)}: ${pageText(res.text)}`);
  }
}

async function authorizationFlow(url) {
  let providerOrigin = new URL(url).origin;
  nextHop();
  let first = await request(url);
  // tok's one-time start link on its own listener redirects to the provider.
  if (isLoopback(new URL(url).hostname) && new URL(url).pathname.startsWith('/start/')) {
    if (!(first.status >= 300 && first.status < 400 && first.location)) {
      throw new Fail(`the start link answered HTTP ${first.status}: ${pageText(first.text)}`);
    }
    const target = new URL(first.location, url);
    providerOrigin = target.origin;
    nextHop();
    first = await request(withDeny(target.href));
  }
  const res = await follow(first, providerOrigin);
  if (res === null) return 0;
  throw new Fail(`the provider did not redirect to the application; page says: ${pageText(res.text)}`);
}

async function deviceFlow(url) {
  const start = new URL(url);
  const providerOrigin = start.origin;
  const userCode = start.searchParams.get('user_code') || env.TOK_TEST_USER_CODE;
  if (!userCode) throw new Fail('no user_code in the URL and TOK_TEST_USER_CODE is not set');

  // GET the verification page (without the code: that answers with the plain input form) to
  // get a session cookie and the form's xsrf value.
  const bare = new URL(start.href);
  bare.search = '';
  nextHop();
  const page = await request(bare.href);
  if (page.status !== 200) throw new Fail(`verification page: HTTP ${page.status}: ${pageText(page.text)}`);
  const form = scrapeForm(page.text);
  if (!form?.fields.xsrf) throw new Fail(`no xsrf field on the verification page: ${pageText(page.text)}`);
  const action = new URL(form.action ?? bare.href, bare.href).href;

  const fields = DENY
    ? { xsrf: form.fields.xsrf, user_code: userCode, abort: 'yes' }
    : { xsrf: form.fields.xsrf, user_code: userCode, confirm: 'yes' };
  nextHop();
  const final = await follow(await request(action, { method: 'POST', form: fields }), providerOrigin);
  if (final === null) throw new Fail('device flow unexpectedly redirected to an application');

  const text = pageText(final.text);
  if (/Sign-in Success/i.test(final.text)) {
    console.error('[browser] device flow: Sign-in Success');
    return 0;
  }
  if (DENY && /interrupted|denied/i.test(text)) {
    console.error('[browser] device flow: denied as asked');
    return 0;
  }
  throw new Fail(`device flow did not succeed; page says: ${text}`);
}

async function main() {
  const url = process.argv[2];
  if (!url || process.argv.length > 3) {
    console.error('usage: browser.mjs URL');
    return 2;
  }
  if (env.TOK_TEST_BROWSER_LOG) appendFileSync(env.TOK_TEST_BROWSER_LOG, `${url}\n`);
  const delay = Number(env.TOK_TEST_BROWSER_DELAY_MS ?? 0);
  if (delay > 0) await sleep(delay);

  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    console.error(`[browser] not a URL: ${url.slice(0, 200)}`);
    return 2;
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    console.error(`[browser] unsupported scheme ${parsed.protocol}`);
    return 2;
  }
  return /\/device\/?$/.test(parsed.pathname) ? deviceFlow(url) : authorizationFlow(url);
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof Fail) {
    console.error(`[browser] ${err.message}`);
  } else {
    console.error('[browser] unexpected error:', err);
  }
  process.exitCode = 1;
}
