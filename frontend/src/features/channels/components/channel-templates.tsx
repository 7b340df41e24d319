import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { TextAreaField } from '@/components/ui/field';
import { Notice } from '@/components/ui/states';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { Channel } from '@/lib/api-models';

import { usePreviewTemplates, useUpdateChannelTemplates, type ChannelTemplates } from '../api/channels';

const VARIABLES =
  'Variables: headline, alert.search_phrase, alert.url, counts.total / new / price_drops / at_target / ending_soon, and listings (each with title, url, price, currency, price_line, shipping_cost, condition, reason).';

/** A channel's Tera title and body templates: preview on sample data, then save. */
export function ChannelTemplatesForm({ channel }: { channel: Channel }) {
  const [title, setTitle] = useState(channel.title_template ?? '');
  const [body, setBody] = useState(channel.body_template ?? '');
  const [errors, setErrors] = useState<{ title?: string; body?: string }>({});
  const preview = usePreviewTemplates();
  const save = useUpdateChannelTemplates();
  const templates = (): ChannelTemplates => ({ title_template: title.trim() ? title : null, body_template: body.trim() ? body : null });

  const showErrors = (e: unknown) => {
    const field = (f: string) => (e instanceof ApiError ? e.details.find((d) => d.field === f)?.message : undefined);
    setErrors({ title: field('title_template'), body: field('body_template') });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    save.mutate({ id: channel.id, templates: templates() }, { onError: showErrors });
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label={`Templates of “${channel.name}”`}>
      <TextAreaField label="Title template" name="title_template" value={title} onChange={(e) => setTitle(e.target.value)} error={errors.title} rows={2} />
      <TextAreaField label="Body template" name="body_template" value={body} onChange={(e) => setBody(e.target.value)} error={errors.body} rows={4} hint={VARIABLES} />
      <div className="button-row">
        <Button
          size="sm"
          onClick={() => {
            setErrors({});
            preview.mutate(templates(), { onError: showErrors });
          }}
          isLoading={preview.isPending}
        >
          Preview
        </Button>
        <Button size="sm" type="submit" variant="primary" isLoading={save.isPending}>
          Save templates
        </Button>
      </div>
      {preview.isSuccess && (
        <div className="notice" role="status" aria-label="Preview">
          <p className="notice__title">{preview.data.title}</p>
          <pre className="channel-answer">{preview.data.body}</pre>
        </div>
      )}
      {save.isSuccess && <Notice tone="success">Templates saved.</Notice>}
      {save.isError && !errors.title && !errors.body && <Notice tone="error">Could not save: {errorMessage(save.error)}</Notice>}
    </form>
  );
}
