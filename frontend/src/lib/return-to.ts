/**
 * `return_to`: where the sign-in link lands after signing in. The server has the final word
 * (alerts-service's `same_origin_path`); the dashboard applies the same rule so it never sends
 * or follows anything but a path on its own origin.
 */
export function safeReturnTo(value: string | null | undefined): string | undefined {
  if (!value || value.length > 1024) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  // Printable ASCII only: no spaces or control characters (browsers strip some, making `/\t/x` `//x`).
  return /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

/** `/sign-in`, remembering `path` unless it is the dashboard's home (where sign-in lands anyway). */
export function signInPath(path: string): string {
  const target = safeReturnTo(path);
  return target && target !== '/' ? `/sign-in?return_to=${encodeURIComponent(target)}` : '/sign-in';
}
