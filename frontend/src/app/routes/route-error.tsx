import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/** Shown when a page itself fails (e.g. its code could not be loaded after a deploy). */
export function RouteError() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main className="page" id="main">
      <div className="notice notice--error" role="alert">
        <h1 className="notice__title">{notFound ? 'Page not found' : 'This page could not be shown'}</h1>
        <p>{notFound ? 'There is nothing at this address.' : 'Reload the page to try again; if it keeps happening, the dashboard may have just been updated.'}</p>
        <p>
          <Link to="/">Back to your alerts</Link>
        </p>
      </div>
    </main>
  );
}
