import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { ErrorState, Loading, Notice } from '@/components/ui/states';
import { useMe } from '@/features/auth/api/get-me';
import { useLogout } from '@/features/auth/api/logout';
import { DeliveryLocationForm } from '@/features/auth/components/delivery-location';
import { QuietHoursForm } from '@/features/auth/components/quiet-hours';
import { QuotaUsage } from '@/features/quota/components/quota-usage';
import { ApiTokens } from '@/features/tokens/components/api-tokens';
import { errorMessage } from '@/lib/api-client';
import { formatDateTime } from '@/lib/format';

export function Component() {
  const me = useMe();
  const logout = useLogout();

  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return null;

  return (
    <div className="stack-lg">
      <title>Account · eBay Alerts</title>
      <h1>Account</h1>
      <section className="card stack" aria-labelledby="profile-title">
        <h2 id="profile-title">Signed in</h2>
        <dl className="facts">
          <div>
            <dt>Email address</dt>
            <dd>{me.data.email}</dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDateTime(me.data.created_at)}</dd>
          </div>
        </dl>
        <p className="muted small">Alert and insight emails go to this address.</p>
        {logout.isError && <Notice tone="error">Could not sign out: {errorMessage(logout.error)}</Notice>}
        <div>
          <Button
            // Once signed out, the protected layout sends the person to sign-in.
            onClick={() => logout.mutate()}
            isLoading={logout.isPending}
          >
            Sign out
          </Button>
        </div>
      </section>
      <section className="card">
        <DeliveryLocationForm me={me.data} />
      </section>
      <section className="card">
        <QuietHoursForm me={me.data} />
      </section>
      <section className="card stack" aria-labelledby="channels-title">
        <h2 id="channels-title">Notification channels</h2>
        <p className="muted">Besides email, alerts can notify a webhook, ntfy, Telegram, Discord or Slack.</p>
        <p>
          <Link to="/account/channels">Manage channels</Link>
        </p>
      </section>
      <QuotaUsage />
      <section className="card stack" aria-labelledby="tokens-title">
        <h2 id="tokens-title">API tokens</h2>
        <ApiTokens />
      </section>
    </div>
  );
}
