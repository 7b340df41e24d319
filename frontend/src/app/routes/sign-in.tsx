import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';

import { Button } from '@/components/ui/button';
import { Loading, Notice } from '@/components/ui/states';
import { useLogin } from '@/features/auth/api/login';
import { useMe, useOutboxAvailable, useSessionNotice } from '@/features/auth/api/get-me';
import { SignInForm } from '@/features/auth/components/sign-in-form';
import { errorMessage } from '@/lib/api-client';
import { safeReturnTo } from '@/lib/return-to';

const LINK_ERRORS: Record<string, string> = {
  invalid_link:
    'That sign-in link can’t be used. Links work once and only for 15 minutes; it may have expired, been used already, or been cut short when copied. Enter your address to get a new one.',
};

interface CheckEmailProps {
  email: string;
  /** When the link was asked for (ISO), so the outbox can tell it from older ones. */
  askedAt: string;
  returnTo?: string;
  onBack: () => void;
}

function CheckEmail({ email, askedAt, returnTo, onBack }: CheckEmailProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const outbox = useOutboxAvailable();
  const resend = useLogin();

  useEffect(() => headingRef.current?.focus(), []);

  return (
    <div className="stack">
      <h1 ref={headingRef} tabIndex={-1}>
        Check your email
      </h1>
      <p>
        We sent a sign-in link to <strong>{email}</strong>. Open it on this device to sign in. It works once, within 15
        minutes.
      </p>
      <p className="muted">Nothing after a few minutes? Check your spam folder, or send another link.</p>
      {outbox && (
        <Notice tone="info">
          <span>
            This server runs in the zero-setup mode and keeps its emails instead of sending them:{' '}
            <Link to={`/outbox?${new URLSearchParams({ to: email, after: askedAt }).toString()}`}>
              open your sign-in link in the outbox
            </Link>{' '}
            (it is shown first there, marked “Your new sign-in link”).
          </span>
        </Notice>
      )}
      <div role="status">
        {resend.isSuccess && 'Another link is on its way.'}
      </div>
      {resend.isError && <Notice tone="error">{errorMessage(resend.error)}</Notice>}
      <div className="button-row">
        <Button
          onClick={() => resend.mutate({ email, ...(returnTo ? { return_to: returnTo } : {}) })}
          isLoading={resend.isPending}
        >
          Send another link
        </Button>
        <Button variant="ghost" onClick={onBack}>
          Use a different address
        </Button>
      </div>
    </div>
  );
}

export function Component() {
  const me = useMe();
  const [params] = useSearchParams();
  const notice = useSessionNotice();
  const [sent, setSent] = useState<{ to: string; at: string }>();
  const [lastEmail, setLastEmail] = useState('');
  const returnTo = safeReturnTo(params.get('return_to'));

  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.data) return <Navigate to={returnTo ?? '/'} replace />;

  const linkError = params.get('error');

  return (
    <div className="narrow">
      <title>Sign in · eBay Alerts</title>
      {sent ? (
        <CheckEmail
          email={sent.to}
          askedAt={sent.at}
          returnTo={returnTo}
          onBack={() => {
            setSent(undefined);
          }}
        />
      ) : (
        <div className="stack">
          <h1>Sign in</h1>
          {linkError && <Notice tone="error">{LINK_ERRORS[linkError] ?? 'That sign-in link did not work. Ask for a new one.'}</Notice>}
          {notice === 'signed_out' && !linkError && <Notice tone="success">You are signed out.</Notice>}
          {notice === 'expired' && !linkError && (
            <Notice tone="info">Your session has ended. Sign in again to continue.</Notice>
          )}
          <p>
            eBay Alerts watches eBay searches for you and emails you new listings and price drops. Enter your email
            address and we’ll send you a link to sign in; there is no password.
          </p>
          {returnTo && returnTo !== '/' && !linkError && notice !== 'signed_out' && (
            <p className="muted">Sign in to continue to the page you opened; the link takes you there.</p>
          )}
          <SignInForm
            initialEmail={lastEmail}
            returnTo={returnTo}
            onSent={(email) => {
              setLastEmail(email);
              setSent({ to: email, at: new Date().toISOString() });
            }}
          />
        </div>
      )}
    </div>
  );
}
