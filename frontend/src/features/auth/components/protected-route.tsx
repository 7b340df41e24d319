import { Navigate, Outlet } from 'react-router';

import { ErrorState, Loading } from '@/components/ui/states';

import { useMe } from '../api/get-me';

/** Renders its child routes for a signed-in user and sends everyone else to sign-in. */
export function ProtectedRoute() {
  const me = useMe();
  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) {
    return <ErrorState error={me.error} title="Could not check your session" onRetry={() => void me.refetch()} isRetrying={me.isFetching} />;
  }
  if (!me.data) return <Navigate to="/sign-in" replace />;
  return <Outlet />;
}
