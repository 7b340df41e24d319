// Finds the sign-in link emailed to an address, whatever collects the stack's email.
//
// E2E_MAILBOX_URL selects the mailbox:
//   (unset)                       the dashboard's own dev outbox, `${E2E_BASE_URL}/api/v1/dev/outbox`
//                                 (the zero-setup mode keeps emails instead of sending them)
//   http(s)://host/path           any HTTP endpoint answering JSON (the dev outbox, MailHog's
//                                 /api/v2/messages, Mailpit's /api/v1/messages — Mailpit's bodies are
//                                 fetched per message — or anything else holding the text) or raw text
//   file:///dir                   a directory of .eml files (the mailer's SMTP_URL=file://DIR)
//   module:/path/reader.mjs       a module whose default export is
//                                 `async ({ email, signal }) => string[]`: every message text for that address
//
// A link counts only if it was not there before the test asked for it, so old emails to the same
// address (or a resend) never sign the test in with a stale token.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The token, and the return_to (a percent-encoded path) when the link carries one.
const LINK = /https?:\/\/[^\s"'<>\\]+?\/auth\/verify\?token=[A-Za-z0-9._~%-]+(?:&return_to=[A-Za-z0-9._~%-]+)?/g;

/** Undoes the transfer encodings an SMTP message may use, so links are found in the text. */
export function decodeMime(raw) {
  // quoted-printable (soft line breaks, "=3D" escapes) replaces the raw text: half-decoded
  // links would otherwise count as links of their own
  const parts = /Content-Transfer-Encoding:\s*quoted-printable/i.test(raw)
    ? [raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))]
    : [raw];
  // base64 bodies: runs of base64 lines after a blank line
  for (const block of raw.match(/(?:^[A-Za-z0-9+/=]{16,}\r?\n){2,}/gm) ?? []) {
    try {
      parts.push(Buffer.from(block.replace(/\s+/g, ''), 'base64').toString('utf8'));
    } catch {
      // not base64 after all
    }
  }
  return parts.join('\n');
}

/** Every string inside a JSON value, each a candidate message text. */
function strings(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** The messages of a JSON mailbox that mention `email`, each flattened into one text. */
function messagesFromJson(json, email) {
  const list = Array.isArray(json) ? json : (json.items ?? json.messages ?? json.emails ?? [json]);
  const lower = email.toLowerCase();
  return list.map((m) => decodeMime(strings(m).join('\n'))).filter((text) => text.toLowerCase().includes(lower));
}

async function fetchJsonOrText(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`mailbox ${url} answered ${response.status}`);
  const text = await response.text();
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { text };
  }
}

async function readHttp(url, email, signal) {
  const { json, text } = await fetchJsonOrText(url, signal);
  if (text !== undefined) return text.toLowerCase().includes(email.toLowerCase()) ? [decodeMime(text)] : [];
  // Mailpit lists summaries only; its bodies are at /api/v1/message/{ID}.
  if (Array.isArray(json?.messages) && json.messages.some((m) => m?.ID && m.Text === undefined)) {
    const base = new URL(url);
    const texts = [];
    for (const m of json.messages) {
      if (!JSON.stringify(m).toLowerCase().includes(email.toLowerCase())) continue;
      const detail = await fetchJsonOrText(new URL(`/api/v1/message/${m.ID}`, base), signal);
      texts.push(decodeMime(detail.text ?? strings(detail.json).join('\n')));
    }
    return texts;
  }
  return messagesFromJson(json, email);
}

async function readDirectory(dir, email) {
  const names = await readdir(dir).catch(() => []);
  const texts = [];
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const raw = await readFile(path, 'utf8');
    if (raw.toLowerCase().includes(email.toLowerCase())) texts.push(decodeMime(raw));
  }
  return texts;
}

/** Makes a reader for the configured mailbox: `() => Promise<string[]>` of sign-in links for `email`. */
export async function mailboxFor({ mailboxUrl, baseUrl }) {
  let read;
  let describe;
  if (!mailboxUrl) {
    const url = new URL('/api/v1/dev/outbox', baseUrl).toString();
    read = (email, signal) => readHttp(url, email, signal);
    describe = `the dev outbox at ${url}`;
  } else if (mailboxUrl.startsWith('file:')) {
    const dir = fileURLToPath(mailboxUrl);
    read = (email) => readDirectory(dir, email);
    describe = `.eml files in ${dir}`;
  } else if (mailboxUrl.startsWith('module:')) {
    const path = mailboxUrl.slice('module:'.length);
    const module = await import(pathToFileURL(path).toString());
    read = (email, signal) => module.default({ email, signal });
    describe = `the reader module ${path}`;
  } else {
    read = (email, signal) => readHttp(mailboxUrl, email, signal);
    describe = mailboxUrl;
  }

  const linksFor = async (email, signal) => {
    const texts = await read(email, signal);
    // An HTML part writes the link's `&` as `&amp;`: the same link as the text part's.
    return [...new Set(texts.flatMap((t) => t.replaceAll('&amp;', '&').match(LINK) ?? []))];
  };

  return {
    describe,
    /** Every message text for that address (decoded), oldest first as the source lists them. */
    texts: (email) => read(email, AbortSignal.timeout(5_000)),
    /** Links already there, to ignore later. */
    snapshot: (email) => linksFor(email).catch(() => []),
    /** Waits for a link that was not in `before`. */
    async waitForNewLink(email, before, { timeoutMs = 30_000, intervalMs = 500 } = {}) {
      const seen = new Set(before);
      const deadline = Date.now() + timeoutMs;
      let lastError;
      while (Date.now() < deadline) {
        try {
          const fresh = (await linksFor(email, AbortSignal.timeout(5_000))).filter((l) => !seen.has(l));
          if (fresh.length > 0) return fresh[fresh.length - 1];
        } catch (error) {
          lastError = error;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      throw new Error(
        `no new sign-in link for ${email} in ${describe} after ${timeoutMs / 1000} s${lastError ? ` (last error: ${lastError.message})` : ''}`,
      );
    },
  };
}
