import { Link } from 'react-router';

import { Channels } from '@/features/channels/components/channels';

export function Component() {
  return (
    <div className="stack-lg">
      <title>Channels · eBay Alerts</title>
      <p className="small">
        <Link to="/account">← Account</Link>
      </p>
      <h1>Notification channels</h1>
      <section className="card">
        <Channels />
      </section>
    </div>
  );
}
