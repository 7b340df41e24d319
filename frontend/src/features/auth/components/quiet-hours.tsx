import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { Notice } from '@/components/ui/states';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { Me } from '@/lib/api-models';

import { useUpdateMe } from '../api/update-me';

type Field = 'start' | 'end' | 'time_zone';
type Errors = Partial<Record<Field, string>>;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The browser's own time zone, the natural default for a new setting. */
function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1) + '.';

/** Quiet hours: channel notifications made then are held and sent as one digest when they end. */
export function QuietHoursForm({ me }: { me: Me }) {
  const current = me.quiet_hours ?? null;
  const [start, setStart] = useState(current?.start ?? '22:00');
  const [end, setEnd] = useState(current?.end ?? '07:00');
  const [zone, setZone] = useState(current?.time_zone ?? browserZone());
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const update = useUpdateMe();

  const save = async (quiet_hours: { start: string; end: string; time_zone: string } | null) => {
    setSaved(null);
    try {
      await update.mutateAsync({ quiet_hours });
      setSaved(quiet_hours ? 'Saved. Notifications made in these hours now wait for them to end.' : 'Quiet hours removed.');
    } catch (error) {
      if (error instanceof ApiError && error.details.length) {
        const fromServer: Errors = {};
        for (const d of error.details) {
          const field = d.field.replace('quiet_hours.', '') as Field;
          if (field === 'start' || field === 'end' || field === 'time_zone') fromServer[field] = sentence(d.message);
        }
        setErrors(fromServer);
      }
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Errors = {};
    if (!TIME.test(start)) problems.start = 'Enter a time as HH:MM, e.g. 22:00.';
    if (!TIME.test(end)) problems.end = 'Enter a time as HH:MM, e.g. 07:00.';
    else if (start === end) problems.end = 'Must differ from the start.';
    if (!zone.trim()) problems.time_zone = 'Enter a time zone such as Europe/Berlin.';
    setErrors(problems);
    if (Object.keys(problems).length) return;
    await save({ start, end, time_zone: zone.trim() });
  };

  const clear = (field: Field) => setErrors(({ [field]: _gone, ...rest }) => rest);

  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby="quiet-title">
      <h2 id="quiet-title">Quiet hours</h2>
      <p className="muted small">
        Notifications made during these hours are held and sent as one digest when they end: one email per alert, one
        message per webhook, ntfy, Telegram, Discord or Slack channel. The time zone also sets the hour of daily digests.
      </p>
      <p className="small">{current ? `Now: ${current.start}–${current.end} (${current.time_zone}).` : 'Now: none.'}</p>
      <div className="form-row">
        <TextField
          label="From"
          name="quiet_start"
          value={start}
          onChange={(e) => {
            setStart(e.target.value);
            clear('start');
          }}
          error={errors.start}
          hint="HH:MM"
          maxLength={5}
          fieldClassName="field--narrow"
        />
        <TextField
          label="Until"
          name="quiet_end"
          value={end}
          onChange={(e) => {
            setEnd(e.target.value);
            clear('end');
          }}
          error={errors.end}
          hint="HH:MM; earlier than From crosses midnight"
          maxLength={5}
          fieldClassName="field--narrow"
        />
        <TextField
          label="Time zone"
          name="quiet_time_zone"
          value={zone}
          onChange={(e) => {
            setZone(e.target.value);
            clear('time_zone');
          }}
          error={errors.time_zone}
          hint="e.g. Europe/Berlin"
        />
      </div>
      {update.isError && !(update.error instanceof ApiError && update.error.details.length) && (
        <Notice tone="error">Could not save: {errorMessage(update.error)}</Notice>
      )}
      {saved && <Notice tone="success">{saved}</Notice>}
      <div className="form-row">
        <Button type="submit" isLoading={update.isPending}>
          Save quiet hours
        </Button>
        {current && (
          <Button type="button" variant="secondary" onClick={() => void save(null)}>
            Remove quiet hours
          </Button>
        )}
      </div>
    </form>
  );
}
