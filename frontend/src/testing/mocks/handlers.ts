/**
 * MSW handlers that behave like alerts-service (DESIGN §6) over the in-memory {@link db}:
 * session checks (401), ownership (404), pagination, 422 validation in the server's error shape.
 */
import { http, HttpResponse, type DefaultBodyType, type StrictRequest } from 'msw';

import type { Alert, Channel } from '@/lib/api-models';

import { buildAlert, buildInsights, nextId } from './data';
import { db } from './db';

export function apiError(status: number, code: string, message: string, details?: { field: string; message: string }[]) {
  return HttpResponse.json({ error: { code, message, ...(details ? { details } : {}) } }, { status });
}

const unauthenticated = () => apiError(401, 'unauthenticated', 'Sign in first.');
const notFound = (what: string) => apiError(404, 'not_found', `No such ${what}.`);

async function jsonBody(request: StrictRequest<DefaultBodyType>): Promise<Record<string, unknown>> {
  const body: unknown = await request.json();
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

const FREQUENCIES = [2, 10, 30, 60, 1440];

/** A small part of the server's validation, enough for the flows under test. */
function validate(body: Record<string, unknown>, partial: boolean) {
  const details: { field: string; message: string }[] = [];
  const phrase = body.search_phrase;
  if (phrase !== undefined || !partial) {
    if (typeof phrase !== 'string' || !phrase.trim()) details.push({ field: 'search_phrase', message: 'must not be empty' });
  }
  const frequency = body.frequency_minutes;
  if (frequency !== undefined || !partial) {
    if (typeof frequency !== 'number' || !FREQUENCIES.includes(frequency)) {
      details.push({ field: 'frequency_minutes', message: 'must be one of 2, 10, 30, 60, 1440' });
    }
  }
  return details;
}

function findAlert(id: string | readonly string[] | undefined): Alert | undefined {
  return db.alerts.find((a) => a.id === id);
}

export const handlers = [
  http.post('*/api/v1/auth/login', async ({ request }) => {
    const { email, return_to: returnTo } = await jsonBody(request);
    if (typeof email !== 'string' || !email.includes('@')) {
      return apiError(422, 'validation_failed', 'Some fields are not valid.', [
        { field: 'email', message: 'must be a plain address like name@example.com' },
      ]);
    }
    db.loginRequests.push(email);
    db.loginReturnTo.push(typeof returnTo === 'string' ? returnTo : undefined);
    db.outbox?.unshift({
      id: nextId(),
      to: email,
      subject: 'Your eBay Alerts sign-in link',
      text: `Hello,\n\nOpen this link to sign in:\nhttp://127.0.0.1:8080/auth/verify?token=tok_${db.loginRequests.length}\n\nIt works once, for 15 minutes.`,
      html: `<p>Open <a href="http://127.0.0.1:8080/auth/verify?token=tok_${db.loginRequests.length}">this link</a> to sign in.</p>`,
      created_at: new Date().toISOString(),
    });
    return HttpResponse.json({ message: 'If the address is valid, a sign-in link is on its way.' }, { status: 202 });
  }),

  http.post('*/api/v1/auth/logout', () => {
    db.session = null;
    return new HttpResponse(null, { status: 204 });
  }),

  http.get('*/api/v1/me', () => (db.session ? HttpResponse.json(db.session) : unauthenticated())),
  // Quiet hours and the location, with the server's checks on quiet hours.
  http.patch('*/api/v1/me', async ({ request }) => {
    if (!db.session) return unauthenticated();
    const body = (await request.json()) as Record<string, unknown>;
    if ('quiet_hours' in body) {
      const q = body.quiet_hours as { start: string; end: string; time_zone: string } | null;
      if (q) {
        const details = [];
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(q.start)) details.push({ field: 'quiet_hours.start', message: 'must be a time of day as "HH:MM"' });
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(q.end)) details.push({ field: 'quiet_hours.end', message: 'must be a time of day as "HH:MM"' });
        if (!/^[A-Za-z_]+(\/[A-Za-z_]+)*$/.test(q.time_zone) || q.time_zone.startsWith('Mars'))
          details.push({ field: 'quiet_hours.time_zone', message: 'must be an IANA time zone name such as "Europe/Berlin"' });
        if (q.start === q.end) details.push({ field: 'quiet_hours.end', message: 'must differ from start' });
        if (details.length) return apiError(422, 'validation_failed', 'Some fields are not valid.', details);
      }
      db.session = { ...db.session, quiet_hours: q };
    }
    if ('country' in body || 'postal_code' in body) {
      db.session = {
        ...db.session,
        country: (body.country as string | null) ?? null,
        postal_code: (body.postal_code as string | null) ?? null,
      };
    }
    return HttpResponse.json(db.session);
  }),
  // Like the server: 200 whether signed in or not.
  http.get('*/api/v1/session', () => HttpResponse.json({ user: db.session, dev_outbox: db.outbox !== null })),

  http.get('*/api/v1/tokens', () => {
    if (!db.session) return unauthenticated();
    return HttpResponse.json({ items: db.tokens.map(({ token: _secret, ...view }) => view) });
  }),

  http.post('*/api/v1/tokens', async ({ request }) => {
    if (!db.session) return unauthenticated();
    const { name } = await jsonBody(request);
    if (typeof name !== 'string' || !name.trim()) {
      return apiError(422, 'validation_failed', 'Some fields are not valid.', [{ field: 'name', message: 'must be 1–100 characters' }]);
    }
    const secret = `eat_${nextId().replace(/-/g, '')}`;
    const token = {
      id: nextId(),
      name: name.trim(),
      prefix: secret.slice(0, 10),
      created_at: new Date().toISOString(),
      last_used_at: null,
      token: secret,
    };
    db.tokens.unshift(token);
    return HttpResponse.json(token, { status: 201 });
  }),

  http.delete('*/api/v1/tokens/:id', ({ params }) => {
    if (!db.session) return unauthenticated();
    const before = db.tokens.length;
    db.tokens = db.tokens.filter((t) => t.id !== params.id);
    return db.tokens.length === before ? notFound('token') : new HttpResponse(null, { status: 204 });
  }),

  http.get('*/api/v1/channels', () => {
    if (!db.session) return unauthenticated();
    const email = {
      id: 'email',
      kind: 'email',
      name: 'Email',
      url: 'mailto:',
      builtin: true,
      title_template: null,
      body_template: null,
      created_at: null,
      last_delivery_at: null,
      last_status: null,
      last_error: null,
    };
    return HttpResponse.json({ items: [email, ...db.channels] });
  }),

  http.post('*/api/v1/channels', async ({ request }) => {
    if (!db.session) return unauthenticated();
    const { url, name } = await jsonBody(request);
    // A small part of the server's parsing: the scheme decides the kind; tokens are masked.
    const match = typeof url === 'string' ? /^(jsons?|ntfys?|tgram|discord|slack):\/\/(.+)$/.exec(url) : null;
    if (!match) {
      return apiError(422, 'validation_failed', 'Some fields are not valid.', [
        { field: 'url', message: 'must start with one of mailto:, json://, jsons://, ntfy://, ntfys://, tgram://, discord://, slack://' },
      ]);
    }
    const scheme = match[1]!;
    const kind = scheme.replace(/s$/, '') as Channel['kind'];
    const parts = match[2]!.split('/');
    const masked = kind === 'json' || kind === 'ntfy' ? url : `${scheme}://${parts.slice(0, -1).join('/')}/***`;
    const channel: Channel = {
      id: nextId(),
      kind,
      name: typeof name === 'string' && name ? name : kind,
      url: masked as string,
      builtin: false,
      title_template: null,
      body_template: null,
      created_at: new Date().toISOString(),
      last_delivery_at: null,
      last_status: null,
      last_error: null,
    };
    db.channels.push(channel);
    const secret = kind === 'json' ? 'whsec_c2VjcmV0LWZvci10ZXN0cw==' : undefined;
    return HttpResponse.json({ ...channel, ...(secret ? { secret } : {}) }, { status: 201 });
  }),

  http.post('*/api/v1/channels/preview', async ({ request }) => {
    if (!db.session) return unauthenticated();
    const { title_template, body_template } = await jsonBody(request);
    // A small part of Tera: an unclosed tag is a 422 naming its line, `{{ alert.search_phrase }}` renders.
    for (const [field, source] of [['title_template', title_template], ['body_template', body_template]] as const) {
      if (typeof source !== 'string') continue;
      const line = source.split('\n').findIndex((l) => l.includes('{{') && !l.includes('}}'));
      if (line >= 0) return apiError(422, 'validation_failed', 'Some fields are not valid.', [{ field, message: `line ${line + 1}: expected }}` }]);
    }
    const render = (t: unknown, fallback: string) => (typeof t === 'string' ? t.replaceAll('{{ alert.search_phrase }}', 'nintendo switch oled') : fallback);
    return HttpResponse.json({ title: render(title_template, 'headline'), body: render(body_template, 'body'), sample: {} });
  }),

  http.patch('*/api/v1/channels/:id', async ({ params, request }) => {
    if (!db.session) return unauthenticated();
    const channel = db.channels.find((c) => c.id === params.id);
    if (!channel) return notFound('channel');
    Object.assign(channel, await jsonBody(request));
    return HttpResponse.json(channel);
  }),

  http.post('*/api/v1/channels/:id/test', ({ params }) => {
    if (!db.session) return unauthenticated();
    const channel = db.channels.find((c) => c.id === params.id);
    if (!channel) return notFound('channel');
    channel.last_delivery_at = new Date().toISOString();
    channel.last_status = db.channelTest.status ?? null;
    channel.last_error = db.channelTest.error ?? null;
    return HttpResponse.json(db.channelTest);
  }),

  http.delete('*/api/v1/channels/:id', ({ params }) => {
    if (!db.session) return unauthenticated();
    const before = db.channels.length;
    db.channels = db.channels.filter((c) => c.id !== params.id);
    return db.channels.length === before ? notFound('channel') : new HttpResponse(null, { status: 204 });
  }),

  http.get('*/api/v1/alerts', ({ request }) => {
    if (!db.session) return unauthenticated();
    const url = new URL(request.url);
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Number(url.searchParams.get('per_page') ?? '20');
    const items = db.alerts.slice((page - 1) * perPage, page * perPage);
    return HttpResponse.json({ items, page, per_page: perPage, total: db.alerts.length });
  }),

  http.post('*/api/v1/alerts', async ({ request }) => {
    if (!db.session) return unauthenticated();
    const body = await jsonBody(request);
    const details = validate(body, false);
    if (details.length) return apiError(422, 'validation_failed', 'Some fields are not valid.', details);
    const alert = buildAlert({ ...(body as Partial<Alert>), next_run_at: new Date().toISOString() });
    db.alerts.unshift(alert);
    return HttpResponse.json(alert, { status: 201 });
  }),

  http.get('*/api/v1/alerts/:id', ({ params }) => {
    if (!db.session) return unauthenticated();
    const alert = findAlert(params.id);
    return alert ? HttpResponse.json(alert) : notFound('alert');
  }),

  http.patch('*/api/v1/alerts/:id', async ({ params, request }) => {
    if (!db.session) return unauthenticated();
    const alert = findAlert(params.id);
    if (!alert) return notFound('alert');
    const body = await jsonBody(request);
    const details = validate(body, true);
    if (details.length) return apiError(422, 'validation_failed', 'Some fields are not valid.', details);
    Object.assign(alert, body, { revision: alert.revision + 1, updated_at: new Date().toISOString() });
    return HttpResponse.json(alert);
  }),

  http.delete('*/api/v1/alerts/:id', ({ params }) => {
    if (!db.session) return unauthenticated();
    if (!findAlert(params.id)) return notFound('alert');
    db.alerts = db.alerts.filter((a) => a.id !== params.id);
    return new HttpResponse(null, { status: 204 });
  }),

  http.post('*/api/v1/alerts/:id/run', ({ params }) => {
    if (!db.session) return unauthenticated();
    const alert = findAlert(params.id);
    if (!alert) return notFound('alert');
    if (db.runRetryAfter !== null) {
      return HttpResponse.json(
        { error: { code: 'rate_limited', message: 'Too many requests; try again later.' } },
        { status: 429, headers: { 'Retry-After': String(db.runRetryAfter) } },
      );
    }
    alert.last_run_at = new Date().toISOString();
    alert.last_run_status = db.runOutcome.new_items > 0 ? 'ok' : 'no_new_listings';
    return HttpResponse.json(db.runOutcome);
  }),

  http.get('*/api/v1/alerts/:id/items', ({ params }) => {
    if (!db.session) return unauthenticated();
    if (!findAlert(params.id)) return notFound('alert');
    return HttpResponse.json({ items: db.items[String(params.id)] ?? [] });
  }),

  http.get('*/api/v1/alerts/:id/insights', ({ params }) => {
    if (!db.session) return unauthenticated();
    if (!findAlert(params.id)) return notFound('alert');
    const id = String(params.id);
    return HttpResponse.json(db.insights[id] ?? buildInsights(id, { enough: false }));
  }),

  http.get('*/api/v1/quota', () => {
    if (!db.session) return unauthenticated();
    return db.quota ? HttpResponse.json(db.quota) : notFound('route');
  }),

  http.get('*/api/v1/dev/outbox', () => (db.outbox ? HttpResponse.json({ items: db.outbox }) : notFound('route'))),
];
