import { useEffect, useRef, useState } from 'react';

import { buttonClass } from '@/components/ui/button';
import { Badge } from '@/components/ui/states';
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

/**
 * The HTML version, as tall as its content (a fixed height cut long emails and padded short ones).
 * `allow-same-origin` without `allow-scripts` lets the page measure the document while nothing in
 * the email can run.
 */
function EmailPreview({ email }: { email: CapturedEmail }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const fit = () => {
    const doc = frame.current?.contentDocument?.documentElement;
    if (frame.current && doc) frame.current.style.height = `${Math.max(doc.scrollHeight, 80) + 2}px`;
  };
  return (
    <iframe
      ref={frame}
      className="outbox__html"
      title={`HTML version of “${email.subject}”`}
      sandbox="allow-same-origin"
      srcDoc={email.html ?? ''}
      onLoad={fit}
    />
  );
}

function OutboxItem({ email, isNewLink }: { email: CapturedEmail; isNewLink: boolean }) {
  const [showHtml, setShowHtml] = useState(false);
  const link = signInLink(email);
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    // jsdom has no scrollIntoView; browsers do.
    if (isNewLink) item.current?.scrollIntoView?.({ block: 'nearest' });
  }, [isNewLink]);
  return (
    <li ref={item} className={`card outbox__item${isNewLink ? ' outbox__item--new' : ''}`} aria-current={isNewLink || undefined}>
      <div className="outbox__header">
        {isNewLink && <Badge tone="success">Your new sign-in link</Badge>}
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
        {showHtml && email.html && <EmailPreview email={email} />}
      </details>
    </li>
  );
}

export function OutboxList({ emails, newLinkId }: { emails: CapturedEmail[]; newLinkId?: string }) {
  return (
    <ul className="outbox stack" aria-label="Captured emails">
      {emails.map((email) => (
        <OutboxItem key={email.id} email={email} isNewLink={email.id === newLinkId} />
      ))}
    </ul>
  );
}
