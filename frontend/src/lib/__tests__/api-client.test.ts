import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { server } from '@/testing/mocks/server';

import { ApiError, errorMessage, request } from '../api-client';

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('the API client', () => {
  it('sends JSON with the session cookie policy and reads JSON back', async () => {
    let seen: { method: string; type: string | null; body: unknown; credentials: string } | undefined;
    server.use(
      http.post('*/api/v1/things', async ({ request: req }) => {
        seen = { method: req.method, type: req.headers.get('content-type'), body: await req.json(), credentials: req.credentials };
        return HttpResponse.json({ ok: true }, { status: 201 });
      }),
    );
    await expect(request('/api/v1/things', { method: 'POST', body: { a: 1 } })).resolves.toEqual({ ok: true });
    expect(seen).toEqual({ method: 'POST', type: 'application/json', body: { a: 1 }, credentials: 'same-origin' });
  });

  it('adds query parameters and skips undefined ones', async () => {
    let url = '';
    server.use(
      http.get('*/api/v1/things', ({ request: req }) => {
        url = req.url;
        return HttpResponse.json({});
      }),
    );
    await request('/api/v1/things', { query: { page: 2, per_page: 20, q: undefined } });
    expect(new URL(url).search).toBe('?page=2&per_page=20');
  });

  it('returns nothing for 204', async () => {
    server.use(http.delete('*/api/v1/things/1', () => new HttpResponse(null, { status: 204 })));
    await expect(request('/api/v1/things/1', { method: 'DELETE' })).resolves.toBeUndefined();
  });

  it('carries the server’s error code, message and field details', async () => {
    server.use(
      http.post('*/api/v1/things', () =>
        HttpResponse.json(
          { error: { code: 'validation_failed', message: 'Some fields are not valid.', details: [{ field: 'name', message: 'is required' }] } },
          { status: 422 },
        ),
      ),
    );
    const error = await failure(request('/api/v1/things', { method: 'POST', body: {} }));
    expect(error.status).toBe(422);
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([{ field: 'name', message: 'is required' }]);
    expect(errorMessage(error)).toBe('Some fields are not valid.');
  });

  it('hides server faults and non-JSON bodies behind a generic message', async () => {
    server.use(http.get('*/api/v1/things', () => new HttpResponse('<html>Bad gateway</html>', { status: 502 })));
    const error = await failure(request('/api/v1/things'));
    expect(error.status).toBe(502);
    expect(error.isTransient).toBe(true);
    expect(errorMessage(error)).toBe('Something went wrong on our side. Please try again in a moment.');
  });

  it('reports an unreachable server as status 0', async () => {
    server.use(http.get('*/api/v1/things', () => HttpResponse.error()));
    const error = await failure(request('/api/v1/things'));
    expect(error.status).toBe(0);
    expect(errorMessage(error)).toMatch(/Can’t reach the server/);
  });

  it('reads Retry-After on 429', async () => {
    server.use(
      http.get('*/api/v1/things', () =>
        HttpResponse.json({ error: { code: 'rate_limited', message: 'Too many requests.' } }, { status: 429, headers: { 'Retry-After': '30' } }),
      ),
    );
    const error = await failure(request('/api/v1/things'));
    expect(error.retryAfter).toBe(30);
    expect(errorMessage(error)).toBe('Too many requests. Try again in 30 seconds.');
  });

  it('words long waits in minutes or hours', async () => {
    server.use(
      http.post('*/api/v1/things', () =>
        HttpResponse.json({ error: { code: 'rate_limited', message: 'Too many requests; try again later.' } }, { status: 429, headers: { 'Retry-After': '7200' } }),
      ),
    );
    const error = await failure(request('/api/v1/things', { method: 'POST' }));
    expect(errorMessage(error)).toBe('Too many requests. Try again in 2 hours.');
  });

  it('passes on what the server says about a failing dependency (502), not about its own faults', async () => {
    server.use(
      http.post('*/api/v1/things', () =>
        HttpResponse.json({ error: { code: 'upstream_failed', message: 'eBay did not answer as expected: 503' } }, { status: 502 }),
      ),
    );
    expect(errorMessage(await failure(request('/api/v1/things', { method: 'POST' })))).toBe('eBay did not answer as expected: 503');
    server.use(http.post('*/api/v1/things', () => HttpResponse.json({ error: { code: 'internal', message: 'db exploded' } }, { status: 500 })));
    expect(errorMessage(await failure(request('/api/v1/things', { method: 'POST' })))).toMatch(/Something went wrong on our side/);
  });

  it('flags 401 so the app can send the user to sign-in', async () => {
    server.use(http.get('*/api/v1/things', () => HttpResponse.json({ error: { code: 'unauthenticated', message: 'Sign in.' } }, { status: 401 })));
    const error = await failure(request('/api/v1/things'));
    expect(error.isUnauthorized).toBe(true);
  });

  it('rejects answers that do not match the expected shape', async () => {
    server.use(http.get('*/api/v1/things', () => HttpResponse.json({ items: 'nope' })));
    const error = await failure(request('/api/v1/things', { parse: (d) => z.object({ items: z.array(z.string()) }).parse(d) }));
    expect(error.code).toBe('bad_response');
  });
});
