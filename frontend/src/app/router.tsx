import type { RouteObject } from 'react-router';

import { ProtectedRoute } from '@/features/auth/components/protected-route';
import { Loading } from '@/components/ui/states';

import { AppLayout } from './layout';
import { RouteError } from './routes/route-error';

/** Every page, loaded on demand; shared by the browser router and the tests' memory router. */
export const routes: RouteObject[] = [
  {
    element: <AppLayout />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
    children: [
      { path: '/sign-in', lazy: () => import('./routes/sign-in') },
      { path: '/outbox', lazy: () => import('./routes/outbox') },
      {
        element: <ProtectedRoute />,
        children: [
          { index: true, lazy: () => import('./routes/alerts') },
          { path: '/alerts/new', lazy: () => import('./routes/new-alert') },
          { path: '/alerts/:id', lazy: () => import('./routes/alert') },
          { path: '/alerts/:id/edit', lazy: () => import('./routes/edit-alert') },
          { path: '/account', lazy: () => import('./routes/account') },
          { path: '/account/channels', lazy: () => import('./routes/channels') },
        ],
      },
      { path: '*', lazy: () => import('./routes/not-found') },
    ],
  },
];
