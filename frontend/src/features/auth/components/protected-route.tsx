import { Navigate, Outlet, useLocation } from 'react-router';

import { ErrorState, Loading } from '@/components/ui/states';
import { signInPath } from '@/lib/return-to';

import { useMe } from '../api/get-me';

/**
 * Renders its child routes for a signed-in user and sends everyone else to sign-in, remembering
 * the page (an emailed "Manage this alert" link) so the sign-in link lands there.
 */
export function ProtectedRoute() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) {
    return <ErrorState error={me.error} title="Could not check your session" onRetry={() => void me.refetch()} isRetrying={me.isFetching} />;
  }
  if (!me.data) return <Navigate to={signInPath(location.pathname + location.search)} replace />;
  return <Outlet />;
}
