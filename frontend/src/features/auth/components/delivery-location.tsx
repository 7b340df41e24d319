import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { Notice } from '@/components/ui/states';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { Me } from '@/lib/api-models';
import { COUNTRIES } from '@/lib/iso-codes';

import { useUpdateMe } from '../api/update-me';

type Errors = Partial<Record<'country' | 'postal_code', string>>;

/** The account's delivery location: eBay quotes shipping to there, and "price with shipping" compares it. */
export function DeliveryLocationForm({ me }: { me: Me }) {
  const [country, setCountry] = useState(me.country ?? '');
  const [postal, setPostal] = useState(me.postal_code ?? '');
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState(false);
  const update = useUpdateMe();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const code = country.trim().toUpperCase();
    const problems: Errors = {};
    if (code && !COUNTRIES.includes(code === 'UK' ? 'GB' : code)) {
      problems.country = 'Enter a two-letter country code such as US, GB or DE.';
    }
    if (postal.trim() && !code) problems.postal_code = 'Enter the country too.';
    setErrors(problems);
    if (Object.keys(problems).length) return;
    try {
      await update.mutateAsync({ country: code || null, postal_code: postal.trim() || null });
      setSaved(true);
    } catch (error) {
      if (error instanceof ApiError && error.details.length) {
        const fromServer: Errors = {};
        for (const d of error.details) {
          if (d.field === 'country' || d.field === 'postal_code') {
            fromServer[d.field] = d.message.charAt(0).toUpperCase() + d.message.slice(1) + '.';
          }
        }
        setErrors(fromServer);
      }
    }
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby="location-title">
      <h2 id="location-title">Where parcels go</h2>
      <p className="muted small">
        Shipping costs in listings are quoted to this address, and alerts that compare prices with shipping use them.
        Without it, eBay estimates shipping to the marketplace’s country.
      </p>
      <div className="form-row">
        <TextField
          label="Country"
          name="country"
          value={country}
          onChange={(e) => {
            setCountry(e.target.value);
            setErrors(({ country: _gone, ...rest }) => rest);
          }}
          error={errors.country}
          hint="Two letters, e.g. US"
          maxLength={2}
          autoCapitalize="characters"
          autoComplete="country"
          fieldClassName="field--narrow"
        />
        <TextField
          label="Postal code"
          name="postal_code"
          value={postal}
          onChange={(e) => {
            setPostal(e.target.value);
            setErrors(({ postal_code: _gone, ...rest }) => rest);
          }}
          error={errors.postal_code}
          hint="e.g. 94105"
          autoComplete="postal-code"
        />
      </div>
      {update.isError && !(update.error instanceof ApiError && update.error.details.length) && (
        <Notice tone="error">Could not save: {errorMessage(update.error)}</Notice>
      )}
      {saved && <Notice tone="success">Saved. Alerts use it from their next run.</Notice>}
      <div>
        <Button type="submit" isLoading={update.isPending}>
          Save location
        </Button>
      </div>
    </form>
  );
}
