import { Link } from 'react-router';

export function Component() {
  return (
    <>
      <title>Page not found · eBay Alerts</title>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Back to your alerts</Link>
      </p>
    </>
  );
}
