#!/usr/bin/env node
// A stand-in for alerts-service, for trying the browser test without the Rust stack:
// serves frontend/dist (SPA fallback) and an in-memory copy of the REST API (DESIGN §6) with the
// dev outbox as its mailbox, then runs e2e/dashboard.e2e.mjs against itself.
//
//   npm run build && npm run e2e:mock           # run the e2e flow against the stand-in
//   node e2e/mock-stack.mjs --serve              # just serve it (port MOCK_PORT, default 4180)
//
// Test tooling only: nothing here ships in the dashboard. The real check is `npm run e2e` against
// the assembled stack.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const port = Number(process.env.MOCK_PORT ?? 4180);
const origin = `http://127.0.0.1:${port}`;

const state = {
  users: new Map(), // email -> user
  sessions: new Map(), // cookie -> user id
  links: new Map(), // token -> { email, used, expires }
  runNow: new Map(), // alert id -> times of its "Run now" in the last minute
  alerts: [], // newest first
  items: new Map(), // alert id -> items
  runs: new Map(), // alert id -> number of runs
  tokens: [],
  outbox: [],
};

const FREQUENCIES = [2, 10, 30, 60, 1440];
const FIELDS = ['search_phrase', 'frequency_minutes', 'min_price', 'max_price', 'target_price', 'currency', 'condition', 'buying_options', 'paused'];

function send(res, status, body, headers = {}) {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(payload);
}

const fail = (res, status, code, message, details) =>
  send(res, status, { error: { code, message, ...(details?.length ? { details } : {}) } });

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

function currentUser(req) {
  const cookie = /(?:^|;\s*)ea_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const id = cookie && state.sessions.get(cookie);
  return id ? [...state.users.values()].find((u) => u.id === id) : undefined;
}

function parsePrice(value) {
  if (value === null) return { value: null };
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d*\.?\d+$/.test(text)) {
    return { error: /^-/.test(String(text)) ? 'must not be negative' : 'must be a decimal string like "12.50"' };
  }
  if ((text.split('.')[1] ?? '').replace(/0+$/, '').length > 2) return { error: 'must have at most two decimal places' };
  return { value: Number(text).toFixed(2) };
}

/** The server's rules for alert bodies; every bad field reported at once. */
function parseAlert(body, partial) {
  const details = [];
  const out = {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { details: [{ field: 'body', message: 'must be a JSON object' }] };
  for (const key of Object.keys(body)) if (!FIELDS.includes(key)) details.push({ field: key, message: 'is not a field of an alert' });
  if ('search_phrase' in body || !partial) {
    const p = typeof body.search_phrase === 'string' ? body.search_phrase.trim() : '';
    if (!p) details.push({ field: 'search_phrase', message: 'must not be empty' });
    else if ([...p].length > 200) details.push({ field: 'search_phrase', message: 'must be at most 200 characters' });
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) details.push({ field: 'search_phrase', message: 'must not contain control characters such as line breaks' });
    else out.search_phrase = p;
  }
  if ('frequency_minutes' in body || !partial) {
    if (!FREQUENCIES.includes(body.frequency_minutes)) details.push({ field: 'frequency_minutes', message: 'must be one of 2, 10, 30, 60, 1440' });
    else out.frequency_minutes = body.frequency_minutes;
  }
  for (const field of ['min_price', 'max_price', 'target_price']) {
    if (!(field in body)) continue;
    const price = parsePrice(body[field]);
    if (price.error) details.push({ field, message: price.error });
    else out[field] = price.value;
  }
  if ('currency' in body) {
    const c = String(body.currency ?? '').trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(c)) details.push({ field: 'currency', message: 'must be a three-letter ISO 4217 code such as USD' });
    else out.currency = c;
  }
  if ('condition' in body) {
    if (!['any', 'new', 'used'].includes(body.condition)) details.push({ field: 'condition', message: 'must be one of any, new, used' });
    else out.condition = body.condition;
  }
  if ('buying_options' in body) {
    if (!['fixed_price', 'auction', 'any'].includes(body.buying_options)) details.push({ field: 'buying_options', message: 'must be one of fixed_price, auction, any' });
    else out.buying_options = body.buying_options;
  }
  if ('paused' in body) {
    if (typeof body.paused !== 'boolean') details.push({ field: 'paused', message: 'must be true or false' });
    else out.paused = body.paused;
  }
  return { details, out };
}

function rangeError(alert) {
  if (alert.min_price && alert.max_price && Number(alert.min_price) > Number(alert.max_price)) {
    return [{ field: 'min_price', message: 'must not be greater than max_price' }];
  }
  return [];
}

const day = (offset) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

/** Two weeks of made-up daily prices once the alert has run, "not enough data" before. */
function insights(alert) {
  const runs = state.runs.get(alert.id) ?? 0;
  const days = runs === 0 ? 0 : 14;
  const series = Array.from({ length: days }, (_, i) => {
    const median = 380 - i * 2.5 + (i % 4) * 6;
    return {
      date: day(days - 1 - i),
      count: 18 + (i % 5),
      min: (median - 45).toFixed(2),
      p25: (median - 18).toFixed(2),
      median: median.toFixed(2),
      p75: (median + 20).toFixed(2),
      mean: (median + 3).toFixed(2),
      max: (median + 70).toFixed(2),
      new_listings: i % 3,
    };
  });
  const items = state.items.get(alert.id) ?? [];
  const cheapest = [...items].sort((a, b) => Number(a.price) - Number(b.price))[0];
  return {
    alert_id: alert.id,
    search_phrase: alert.search_phrase,
    currency: alert.currency,
    days: 14,
    window_start: day(13),
    window_end: day(0),
    generated_at: new Date().toISOString(),
    days_with_data: days,
    enough_data: days >= 3,
    ...(days < 3 ? { message: 'Not enough data yet: insights need observations on at least 3 days.' } : {}),
    series,
    summary:
      days >= 3
        ? {
            first_week_median: '377.50',
            second_week_median: '362.00',
            median_change_pct: '-4.1',
            ...(cheapest ? { lowest: { item_id: cheapest.item_id, title: cheapest.title, item_url: cheapest.item_url, price: cheapest.price, date: day(2) } } : {}),
            good_deals: cheapest ? [{ item_id: cheapest.item_id, title: cheapest.title, item_url: cheapest.item_url, price: cheapest.price, date: day(0) }] : [],
            biggest_drops: items.slice(0, 2).map((it) => ({ item_id: it.item_id, title: it.title, item_url: it.item_url, from: (Number(it.price) * 1.12).toFixed(2), to: it.price, change_pct: '-10.7' })),
            new_listings: items.length,
          }
        : { good_deals: [], biggest_drops: [], new_listings: 0 },
  };
}

function runAlert(alert) {
  const runs = (state.runs.get(alert.id) ?? 0) + 1;
  state.runs.set(alert.id, runs);
  const now = new Date().toISOString();
  const before = state.items.get(alert.id) ?? [];
  const found = Array.from({ length: 6 }, (_, i) => {
    const old = before.find((b) => b.item_id === `v1|${alert.id.slice(0, 8)}${i}|0`);
    const price = (299 + i * 17.5 - runs * 3).toFixed(2);
    return {
      item_id: `v1|${alert.id.slice(0, 8)}${i}|0`,
      title: `${alert.search_phrase} — listing ${i + 1}`,
      item_url: `https://www.ebay.com/itm/${100000 + i}`,
      image_url: null,
      price,
      currency: alert.currency,
      first_seen_at: old?.first_seen_at ?? now,
      last_seen_at: now,
      previous_price: old && old.price !== price ? old.price : null,
      change_pct: old && old.price !== price ? (((Number(price) - Number(old.price)) / Number(old.price)) * 100).toFixed(1) : null,
    };
  });
  const fresh = found.filter((f) => !before.some((b) => b.item_id === f.item_id)).length;
  state.items.set(alert.id, found);
  Object.assign(alert, { last_run_at: now, last_run_status: fresh ? 'ok' : 'no_new_listings', next_run_at: new Date(Date.now() + alert.frequency_minutes * 60_000).toISOString() });
  return { items_found: found.length, new_items: fresh, email_sent: fresh > 0 };
}

async function api(req, res, url) {
  const path = url.pathname;
  const method = req.method;
  if (method !== 'GET' && req.headers.origin && req.headers.origin !== origin) return fail(res, 403, 'bad_origin', 'Cross-site request refused.');

  if (path === '/api/v1/auth/login' && method === 'POST') {
    const body = await readJson(req);
    const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return fail(res, 422, 'validation_failed', 'Some fields are not valid.', [{ field: 'email', message: 'must be a plain address like name@example.com' }]);
    const token = randomBytes(16).toString('hex');
    state.links.set(token, { email, used: false, expires: Date.now() + 15 * 60_000 });
    // Like alerts-service: return_to only as a path on this origin (same rule as src/lib/return-to.ts).
    const returnTo = typeof body?.return_to === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(body.return_to) && !body.return_to.includes('\\') ? body.return_to : undefined;
    const link = `${origin}/auth/verify?token=${token}${returnTo ? `&return_to=${encodeURIComponent(returnTo)}` : ''}`;
    state.outbox.unshift({ id: randomUUID(), to: email, subject: 'Your eBay Alerts sign-in link', text: `Hello,\n\nOpen this link to sign in to eBay Alerts:\n${link}\n\nIt works once, for 15 minutes.\n`, html: `<p>Open <a href="${link}">this link</a> to sign in to eBay Alerts.</p>`, created_at: new Date().toISOString() });
    return send(res, 202, { message: 'If the address is valid, a sign-in link is on its way.' });
  }
  if (path === '/api/v1/dev/outbox' && method === 'GET') return send(res, 200, { items: state.outbox });

  const user = currentUser(req);
  if (path === '/api/v1/session' && method === 'GET') return send(res, 200, { user: user ?? null, dev_outbox: true });
  if (path === '/api/v1/auth/logout' && method === 'POST') {
    const cookie = /(?:^|;\s*)ea_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (cookie) state.sessions.delete(cookie);
    res.writeHead(204, { 'Set-Cookie': 'ea_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0' });
    return res.end();
  }
  if (!user) return fail(res, 401, 'unauthenticated', 'Sign in first.');

  if (path === '/api/v1/me') return send(res, 200, user);
  if (path === '/api/v1/tokens' && method === 'GET') return send(res, 200, { items: state.tokens.map(({ token: _t, ...v }) => v) });
  if (path === '/api/v1/tokens' && method === 'POST') {
    const body = await readJson(req);
    const name = typeof body?.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > 100) return fail(res, 422, 'validation_failed', 'Some fields are not valid.', [{ field: 'name', message: 'must be 1–100 characters' }]);
    const secret = `eat_${randomBytes(24).toString('base64url')}`;
    const token = { id: randomUUID(), name, prefix: secret.slice(0, 10), created_at: new Date().toISOString(), last_used_at: null, token: secret };
    state.tokens.unshift(token);
    return send(res, 201, token);
  }
  const tokenMatch = /^\/api\/v1\/tokens\/([^/]+)$/.exec(path);
  if (tokenMatch && method === 'DELETE') {
    const before = state.tokens.length;
    state.tokens = state.tokens.filter((t) => t.id !== tokenMatch[1]);
    if (state.tokens.length === before) return fail(res, 404, 'not_found', 'No such token.');
    res.writeHead(204);
    return res.end();
  }
  if (path === '/api/v1/quota') return send(res, 200, { daily_budget: 5000, calls_today: 37 + state.runs.size, resets_at: new Date(new Date().setUTCHours(24, 0, 0, 0)).toISOString() });

  const mine = state.alerts.filter((a) => a.owner === user.id);
  const view = ({ owner: _o, ...alert }) => alert;
  if (path === '/api/v1/alerts' && method === 'GET') {
    const page = Number(url.searchParams.get('page') ?? 1);
    const perPage = Number(url.searchParams.get('per_page') ?? 20);
    return send(res, 200, { items: mine.slice((page - 1) * perPage, page * perPage).map(view), page, per_page: perPage, total: mine.length });
  }
  if (path === '/api/v1/alerts' && method === 'POST') {
    const { details, out } = parseAlert(await readJson(req), false);
    if (details.length) return fail(res, 422, 'validation_failed', 'Some fields are not valid.', details);
    const now = new Date().toISOString();
    const alert = { id: randomUUID(), owner: user.id, min_price: null, max_price: null, target_price: null, currency: 'USD', condition: 'any', buying_options: 'fixed_price', paused: false, ...out, revision: 1, created_at: now, updated_at: now, last_run_at: null, next_run_at: now, last_run_status: null, last_run_error: null };
    const range = rangeError(alert);
    if (range.length) return fail(res, 422, 'validation_failed', 'Some fields are not valid.', range);
    state.alerts.unshift(alert);
    return send(res, 201, view(alert));
  }
  const alertMatch = /^\/api\/v1\/alerts\/([^/]+)(\/run|\/items|\/insights)?$/.exec(path);
  const alert = alertMatch && mine.find((a) => a.id === alertMatch[1]);
  if (alertMatch && !alert) return fail(res, 404, 'not_found', 'No such alert.');
  if (alert) {
    const sub = alertMatch[2];
    if (!sub && method === 'GET') return send(res, 200, view(alert));
    if (!sub && method === 'PATCH') {
      const { details, out } = parseAlert(await readJson(req), true);
      if (details.length) return fail(res, 422, 'validation_failed', 'Some fields are not valid.', details);
      const next = { ...alert, ...out };
      const range = rangeError(next);
      if (range.length) return fail(res, 422, 'validation_failed', 'Some fields are not valid.', range);
      Object.assign(alert, out, { revision: alert.revision + 1, updated_at: new Date().toISOString() });
      return send(res, 200, view(alert));
    }
    if (!sub && method === 'DELETE') {
      state.alerts = state.alerts.filter((a) => a !== alert);
      res.writeHead(204);
      return res.end();
    }
    if (sub === '/run' && method === 'POST') {
      // Three a minute per alert, like alerts-service.
      const recent = (state.runNow.get(alert.id) ?? []).filter((t) => t > Date.now() - 60_000);
      if (recent.length >= 3) {
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(Math.ceil((recent[0] + 60_000 - Date.now()) / 1000)) });
        return res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests; try again later.' } }));
      }
      state.runNow.set(alert.id, [...recent, Date.now()]);
      return send(res, 200, runAlert(alert));
    }
    if (sub === '/items' && method === 'GET') return send(res, 200, { items: state.items.get(alert.id) ?? [] });
    if (sub === '/insights' && method === 'GET') return send(res, 200, insights(alert));
  }
  return fail(res, 404, 'not_found', 'No such route.');
}

function verify(res, url) {
  const link = state.links.get(url.searchParams.get('token') ?? '');
  const returnTo = url.searchParams.get('return_to');
  const landing = returnTo && /^\/(?![/\\])[\x21-\x7e]*$/.test(returnTo) && !returnTo.includes('\\') ? returnTo : '/';
  if (!link || link.used || link.expires < Date.now()) {
    res.writeHead(303, { Location: '/sign-in?error=invalid_link' });
    return res.end();
  }
  link.used = true;
  let user = state.users.get(link.email);
  if (!user) {
    user = { id: randomUUID(), email: link.email, created_at: new Date().toISOString() };
    state.users.set(link.email, user);
  }
  const session = randomBytes(24).toString('hex');
  state.sessions.set(session, user.id);
  res.writeHead(303, { Location: landing, 'Set-Cookie': `ea_session=${session}; Path=/; HttpOnly; SameSite=Lax` });
  return res.end();
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

async function staticFile(res, pathname) {
  const file = normalize(join(dist, pathname));
  const inside = file.startsWith(dist) && (await stat(file).catch(() => undefined))?.isFile();
  // SPA fallback: unknown paths get index.html; missing assets are a real 404.
  if (!inside && pathname.startsWith('/assets/')) {
    res.writeHead(404);
    return res.end();
  }
  const target = inside ? file : join(dist, 'index.html');
  // The build's precompressed variant, as alerts-service serves it (every browser here takes br).
  const br = inside && pathname.startsWith('/assets/') ? await readFile(`${file}.br`).catch(() => undefined) : undefined;
  const body = br ?? (await readFile(target));
  res.writeHead(200, {
    'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
    ...(pathname.startsWith('/assets/') ? { Vary: 'Accept-Encoding', ...(br ? { 'Content-Encoding': 'br' } : {}) } : {}),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', origin);
  const handle = url.pathname.startsWith('/api/')
    ? api(req, res, url)
    : url.pathname === '/auth/verify'
      ? Promise.resolve(verify(res, url))
      : staticFile(res, url.pathname);
  handle.catch((error) => {
    console.error(error);
    if (!res.headersSent) fail(res, 500, 'internal', 'Something went wrong.');
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`mock stack on ${origin} (dist: ${dist})`);
  if (process.argv.includes('--serve')) return;
  const e2e = spawn(process.execPath, [join(here, 'dashboard.e2e.mjs')], {
    stdio: 'inherit',
    env: { ...process.env, E2E_BASE_URL: origin, E2E_EXPECT_CHART: process.env.E2E_EXPECT_CHART ?? '1' },
  });
  e2e.on('exit', (code) => {
    server.close();
    process.exit(code ?? 1);
  });
});
