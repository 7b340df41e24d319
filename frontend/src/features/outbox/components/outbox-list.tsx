import { useState } from 'react';

import { buttonClass } from '@/components/ui/button';
import type { CapturedEmail } from '@/lib/api-models';
import { formatDateTime } from '@/lib/format';

const URL_PATTERN = /https?:\/\/[^\s<>"')\]]+/g;

/** The sign-in link in an email, made relative so it opens on this dashboard's own origin. */
export function signInLink(email: CapturedEmail): string | undefined {
  for (const match of email.text.matchAll(URL_PATTERN)) {
    try {
      const url = new URL(match[0]);
      if (url.pathname === '/auth/verify') return `${url.pathname}${url.search}`;
    } catch {
      // Not a URL after all; keep looking.
    }
  }
  return undefined;
}

/** The plain-text body with its URLs turned into links. */
function Linkified({ text }: { text: string }) {
  const parts: (string | { url: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const index = match.index;
    parts.push(text.slice(last, index), { url: match[0] });
    last = index + match[0].length;
  }
  parts.push(text.slice(last));
  return (
    <pre className="outbox__text">
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <a key={i} href={part.url}>
            {part.url}
          </a>
        ),
      )}
    </pre>
  );
}

function OutboxItem({ email }: { email: CapturedEmail }) {
  const [showHtml, setShowHtml] = useState(false);
  const link = signInLink(email);
  return (
    <li className="card outbox__item">
      <div className="outbox__header">
        <h2 className="outbox__subject">{email.subject}</h2>
        <p className="muted">
          To {email.to} · <time dateTime={email.created_at}>{formatDateTime(email.created_at)}</time>
        </p>
      </div>
      {link && (
        <p>
          <a className={buttonClass('primary', 'sm')} href={link}>
            Open the sign-in link<span className="visually-hidden"> for {email.to}</span>
          </a>
        </p>
      )}
      <details>
        <summary>Show the message</summary>
        <Linkified text={email.text} />
        {email.html && (
          <p>
            <button type="button" className="link-button" onClick={() => setShowHtml((v) => !v)} aria-expanded={showHtml}>
              {showHtml ? 'Hide the HTML version' : 'Show the HTML version'}
            </button>
          </p>
        )}
        {showHtml && email.html && (
          // No scripts, forms or navigation: the email is shown, never run.
          <iframe className="outbox__html" title={`HTML version of “${email.subject}”`} sandbox="" srcDoc={email.html} />
        )}
      </details>
    </li>
  );
}

export function OutboxList({ emails }: { emails: CapturedEmail[] }) {
  return (
    <ul className="outbox stack" aria-label="Captured emails">
      {emails.map((email) => (
        <OutboxItem key={email.id} email={email} />
      ))}
    </ul>
  );
}
