import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';

import { AppProvider } from '@/app/provider';
import { routes } from '@/app/router';
import { createQueryClient } from '@/lib/react-query';

import { db } from './mocks/db';

interface RenderAppOptions {
  /** Start with a valid session (default), or signed out. */
  signedIn?: boolean;
}

/** Renders the whole dashboard at `path`, with the real routes, providers and API layer. */
export function renderApp(path: string, { signedIn = true }: RenderAppOptions = {}) {
  if (signedIn) db.session = db.account;
  const queryClient = createQueryClient({ retry: false });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const user = userEvent.setup();
  const utils = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...utils, user, router, queryClient };
}

/** Waits for the page's main heading. */
export function findHeading(name: string | RegExp) {
  return screen.findByRole('heading', { level: 1, name });
}

export { db };
export { server } from './mocks/server';
export { apiError } from './mocks/handlers';
export * from './mocks/data';
