import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { Button, buttonClass } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/field';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { AlertInput } from '@/lib/api-models';
import { FREQUENCIES } from '@/lib/api-models';
import { capitalize, formatFrequency } from '@/lib/format';

import {
  ALERT_FIELDS,
  serverMessage,
  validateAlertForm,
  type AlertField,
  type AlertFormErrors,
  type AlertFormValues,
} from '../validation';

const FREQUENCY_OPTIONS = FREQUENCIES.map((m) => ({ value: String(m), label: capitalize(formatFrequency(m)) }));
const CONDITION_OPTIONS = [
  { value: 'any', label: 'Any condition' },
  { value: 'new', label: 'New' },
  { value: 'used', label: 'Used' },
] as const;
const BUYING_OPTIONS = [
  { value: 'fixed_price', label: 'Buy It Now' },
  { value: 'auction', label: 'Auction' },
  { value: 'any', label: 'Buy It Now or auction' },
] as const;

/** What each format leaves out: the default, Buy It Now, silently skipped auctions before. */
const BUYING_HINTS = {
  fixed_price: 'Only fixed-price listings: auctions are left out. Choose “Buy It Now or auction” to see both.',
  auction: 'Only auctions: fixed-price listings are left out.',
  any: 'Fixed-price listings and auctions.',
} as const;

interface AlertFormProps {
  initialValues: AlertFormValues;
  submitLabel: string;
  /** Sends the validated body; a rejected 422 puts the server's messages next to the fields. */
  onSubmit: (input: AlertInput) => Promise<unknown>;
  isPending: boolean;
  cancelTo: string;
}

export function AlertForm({ initialValues, submitLabel, onSubmit, isPending, cancelTo }: AlertFormProps) {
  const [values, setValues] = useState(initialValues);
  const [errors, setErrors] = useState<AlertFormErrors>({});
  const [formError, setFormError] = useState<string>();
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);

  // After a failed submit, put the keyboard on the first field that needs attention.
  useEffect(() => {
    if (focusRequest === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  const set = (field: AlertField) => (event: { target: { value: string } }) => {
    const value = event.target.value;
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    const { errors: problems, input } = validateAlertForm(values);
    setErrors(problems);
    if (!input) {
      setFocusRequest((n) => n + 1);
      return;
    }
    try {
      await onSubmit(input);
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) {
        const fieldErrors: AlertFormErrors = {};
        const other: string[] = [];
        for (const detail of error.details) {
          if ((ALERT_FIELDS as readonly string[]).includes(detail.field)) {
            fieldErrors[detail.field as AlertField] ??= serverMessage(detail.message);
          } else {
            other.push(`${detail.field}: ${detail.message}`);
          }
        }
        setErrors(fieldErrors);
        setFormError(other.length ? `${error.message} ${other.join('; ')}` : undefined);
        setFocusRequest((n) => n + 1);
      } else {
        setFormError(errorMessage(error));
      }
    }
  };

  const problemCount = Object.keys(errors).length;

  return (
    <form ref={formRef} className="alert-form stack" onSubmit={submit} noValidate aria-describedby="alert-form-status">
      <div id="alert-form-status" role="alert" className={problemCount || formError ? 'notice notice--error' : undefined}>
        {problemCount > 0 && (
          <p>
            {problemCount === 1 ? 'One field needs' : `${problemCount} fields need`} your attention before saving.
          </p>
        )}
        {formError && <p>{formError}</p>}
      </div>

      <TextField
        label="Search phrase"
        name="search_phrase"
        value={values.search_phrase}
        onChange={set('search_phrase')}
        error={errors.search_phrase}
        hint="What you would type into eBay’s search box, e.g. “lego 42100”."
        autoComplete="off"
        required
      />

      <SelectField
        label="How often to search"
        name="frequency_minutes"
        value={values.frequency_minutes}
        onChange={set('frequency_minutes')}
        error={errors.frequency_minutes}
        options={FREQUENCY_OPTIONS}
      />

      <fieldset className="fieldset">
        <legend>Price range (optional)</legend>
        <div className="form-row">
          <TextField
            label="Minimum price"
            name="min_price"
            inputMode="decimal"
            autoComplete="off"
            value={values.min_price}
            onChange={set('min_price')}
            error={errors.min_price}
          />
          <TextField
            label="Maximum price"
            name="max_price"
            inputMode="decimal"
            autoComplete="off"
            value={values.max_price}
            onChange={set('max_price')}
            error={errors.max_price}
          />
          <TextField
            label="Currency"
            name="currency"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={3}
            value={values.currency}
            onChange={set('currency')}
            error={errors.currency}
            hint="ISO code, e.g. USD"
            fieldClassName="field--narrow"
          />
        </div>
      </fieldset>

      <TextField
        label="Target price (optional)"
        name="target_price"
        inputMode="decimal"
        autoComplete="off"
        value={values.target_price}
        onChange={set('target_price')}
        error={errors.target_price}
        hint="We point out listings at or under this price."
      />

      <div className="form-row">
        <SelectField
          label="Condition"
          name="condition"
          value={values.condition}
          onChange={set('condition')}
          error={errors.condition}
          options={CONDITION_OPTIONS}
        />
        <SelectField
          label="Buying format"
          name="buying_options"
          value={values.buying_options}
          onChange={set('buying_options')}
          error={errors.buying_options}
          options={BUYING_OPTIONS}
          hint={BUYING_HINTS[values.buying_options]}
        />
      </div>

      <div className="form-actions">
        <Button type="submit" variant="primary" isLoading={isPending}>
          {submitLabel}
        </Button>
        <Link to={cancelTo} className={buttonClass('ghost')}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
