import { useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';

import { useMe, useOutboxAvailable } from '@/features/auth/api/get-me';

function Navigation() {
  const me = useMe();
  const outbox = useOutboxAvailable();
  const signedIn = Boolean(me.data);
  if (!signedIn && !outbox) return null;
  return (
    <nav aria-label="Main" className="nav">
      <ul>
        {signedIn && (
          <>
            <li>
              <NavLink to="/" end>
                Alerts
              </NavLink>
            </li>
            <li>
              <NavLink to="/account">Account</NavLink>
            </li>
          </>
        )}
        {!signedIn && (
          <li>
            <NavLink to="/sign-in">Sign in</NavLink>
          </li>
        )}
        {outbox && (
          <li>
            <NavLink to="/outbox">Outbox</NavLink>
          </li>
        )}
      </ul>
    </nav>
  );
}

/** Header, navigation and the page; focus moves to the page on navigation so screen readers follow. */
export function AppLayout() {
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: false });
  }, [pathname]);

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <Link to="/" className="brand">
            <span className="brand__mark" aria-hidden="true" />
            eBay Alerts
          </Link>
          <Navigation />
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1} className="page">
        <Outlet />
      </main>
    </>
  );
}
