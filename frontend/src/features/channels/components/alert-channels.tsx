import { useState } from 'react';
import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { ErrorState, Loading, Notice } from '@/components/ui/states';
import { useUpdateAlert } from '@/features/alerts/api/update-alert';
import { errorMessage } from '@/lib/api-client';
import type { Alert } from '@/lib/api-models';

import { useChannels } from '../api/channels';
import { KIND_LABELS } from './channels';

/** Where one alert notifies: a checkbox per channel (email included), saved with one PATCH. */
export function AlertChannels({ alert }: { alert: Alert }) {
  const channels = useChannels();
  const update = useUpdateAlert();
  const current = alert.channels ?? ['email'];
  const [chosen, setChosen] = useState<string[]>(current);
  const [saved, setSaved] = useState(false);
  const changed = chosen.length !== current.length || chosen.some((id) => !current.includes(id));

  if (channels.isPending) return <Loading label="Loading channels…" />;
  if (channels.isError) {
    return <ErrorState error={channels.error} title="Could not load your channels" onRetry={() => void channels.refetch()} />;
  }

  const toggle = (id: string) => {
    setSaved(false);
    setChosen((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  };

  return (
    <fieldset className="fieldset stack">
      <legend>Notify</legend>
      <div className="checks">
        {channels.data.items.map((channel) => (
          <label key={channel.id} className="check">
            <input type="checkbox" name="channels" value={channel.id} checked={chosen.includes(channel.id)} onChange={() => toggle(channel.id)} />
            {channel.name} <span className="muted small">({channel.builtin ? 'your email address' : KIND_LABELS[channel.kind]})</span>
          </label>
        ))}
      </div>
      {chosen.length === 0 && <p className="muted small">No channel chosen: runs are recorded but nobody is notified.</p>}
      <p className="muted small">
        <Link to="/account/channels">Add or test channels</Link>
      </p>
      {update.isError && <Notice tone="error">Could not save: {errorMessage(update.error)}</Notice>}
      {saved && !changed && <Notice tone="success">Channels saved.</Notice>}
      {changed && (
        <div>
          <Button
            size="sm"
            variant="primary"
            isLoading={update.isPending}
            onClick={() =>
              update.mutate(
                // Keep the list's order, so the saved value reads like the checkboxes.
                { id: alert.id, changes: { channels: channels.data.items.map((c) => c.id).filter((id) => chosen.includes(id)) } },
                { onSuccess: () => setSaved(true) },
              )
            }
          >
            Save channels
          </Button>
        </div>
      )}
    </fieldset>
  );
}
