import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';

import { resetDb } from './mocks/db';
import { server } from './mocks/server';

// findBy*/waitFor wait up to 1 s by default; the test machines are shared and a busy one renders a
// lazy route slower than that. A real failure still fails, only later.
configure({ asyncUtilTimeout: 4000 });

// Every request a test makes must be one the mock server knows.
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));

// React and the router report real problems (act(), keys, bad props) through the console:
// any such message fails the test that caused it.
let consoleProblems: unknown[][] = [];
beforeEach(() => {
  consoleProblems = [];
  for (const method of ['error', 'warn'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleProblems.push([method, ...args]);
    });
  }
});

afterEach(() => {
  cleanup();
  server.resetHandlers();
  server.events.removeAllListeners();
  resetDb();
  expect(consoleProblems, 'console.error/console.warn calls').toEqual([]);
});

afterAll(() => server.close());
