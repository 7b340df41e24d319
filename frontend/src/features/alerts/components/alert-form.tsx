import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { Button, buttonClass } from '@/components/ui/button';
import { SelectField, TextAreaField, TextField } from '@/components/ui/field';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { AlertInput, ConditionGroup } from '@/lib/api-models';
import { CONDITION_GROUPS, FREQUENCIES } from '@/lib/api-models';
import { capitalize, formatCondition, formatFrequency } from '@/lib/format';

import {
  ALERT_FIELDS,
  serverMessage,
  validateAlertForm,
  type AlertField,
  type AlertFormErrors,
  type AlertFormValues,
} from '../validation';

const FREQUENCY_OPTIONS = FREQUENCIES.map((m) => ({ value: String(m), label: capitalize(formatFrequency(m)) }));
const CONDITION_HINTS: Record<ConditionGroup, string> = {
  new: 'Unused, sealed',
  open_box: 'Unused, packaging opened',
  refurbished: 'Certified or seller refurbished',
  used: 'Pre-owned, working',
  for_parts: 'Broken or not working',
};
const PRICE_BASIS_OPTIONS = [
  { value: 'with_shipping', label: 'Price plus shipping to me' },
  { value: 'item', label: 'Item price only' },
] as const;
const NOTIFY_OPTIONS = [
  { value: 'new_listings', label: 'New listings, price drops and target hits' },
  { value: 'deals_only', label: 'Deals only' },
] as const;
const DELIVERY_OPTIONS = [
  { value: 'immediate', label: 'As soon as they are found' },
  { value: 'digest', label: 'One digest a day' },
] as const;
const HOUR_OPTIONS = Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: `${String(h).padStart(2, '0')}:00` }));
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

  const clear = (field: AlertField) => {
    if (errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
  };

  const set = (field: AlertField) => (event: { target: { value: string } }) => {
    const value = event.target.value;
    setValues((v) => ({ ...v, [field]: value }));
    clear(field);
  };

  const toggleCondition = (group: ConditionGroup) => (event: { target: { checked: boolean } }) => {
    const { checked } = event.target;
    setValues((v) => ({
      ...v,
      conditions: checked ? [...v.conditions, group] : v.conditions.filter((g) => g !== group),
    }));
    clear('conditions');
  };

  const auctions = values.buying_options !== 'fixed_price';

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
            hint="ISO 4217, e.g. USD"
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
        hint="We point out listings at or under this price. Auction bids never count: they still rise."
      />

      <SelectField
        label="Compare prices as"
        name="price_basis"
        value={values.price_basis}
        onChange={set('price_basis')}
        error={errors.price_basis}
        options={PRICE_BASIS_OPTIONS}
        hint={
          values.price_basis === 'with_shipping'
            ? 'The range and target apply to price plus the cheapest shipping to your address (set it on the Account page). A listing whose shipping eBay does not state is never taken as free: it can’t be within your maximum or at your target.'
            : 'The range and target apply to the item price; shipping is shown but not counted.'
        }
      />

      <fieldset
        className={`fieldset${errors.conditions ? ' fieldset--invalid' : ''}`}
        aria-describedby={errors.conditions ? 'conditions-error' : 'conditions-hint'}
      >
        <legend>Condition</legend>
        <div className="checks">
          {CONDITION_GROUPS.map((group) => (
            <label key={group} className="check" title={CONDITION_HINTS[group]}>
              <input
                type="checkbox"
                name="conditions"
                value={group}
                checked={values.conditions.includes(group)}
                onChange={toggleCondition(group)}
                aria-invalid={errors.conditions ? true : undefined}
              />
              {formatCondition(group)}
            </label>
          ))}
        </div>
        {errors.conditions ? (
          <p id="conditions-error" className="field__error">
            {errors.conditions}
          </p>
        ) : (
          <p id="conditions-hint" className="field__hint">
            “For parts or not working” is left out unless you tick it.
          </p>
        )}
      </fieldset>

      <div className="form-row">
        <SelectField
          label="Buying format"
          name="buying_options"
          value={values.buying_options}
          onChange={set('buying_options')}
          error={errors.buying_options}
          options={BUYING_OPTIONS}
          hint={BUYING_HINTS[values.buying_options]}
        />
        {auctions && (
          <TextField
            label="Auctions ending within (hours, optional)"
            name="ending_within_hours"
            inputMode="numeric"
            autoComplete="off"
            value={values.ending_within_hours}
            onChange={set('ending_within_hours')}
            error={errors.ending_within_hours}
            hint="1–72. Each auction ending that soon with its bid in your range is reported once."
          />
        )}
      </div>

      <fieldset className="fieldset">
        <legend>Leave out (optional)</legend>
        <div className="stack">
          <TextAreaField
            label="Words or phrases in the title"
            name="exclude_words"
            value={values.exclude_words}
            onChange={set('exclude_words')}
            error={errors.exclude_words}
            rows={3}
            hint="One per line or separated by commas, e.g. “lot”, “for parts”, “case only”. Whole words; case and accents do not matter. Up to 20."
          />
          <div className="form-row">
            <TextField
              label="Sellers"
              name="exclude_sellers"
              autoComplete="off"
              spellCheck={false}
              value={values.exclude_sellers}
              onChange={set('exclude_sellers')}
              error={errors.exclude_sellers}
              hint="eBay user names, separated by commas. Up to 50."
            />
            <TextField
              label="Minimum seller feedback (%)"
              name="min_seller_feedback_percent"
              inputMode="decimal"
              autoComplete="off"
              value={values.min_seller_feedback_percent}
              onChange={set('min_seller_feedback_percent')}
              error={errors.min_seller_feedback_percent}
              hint="e.g. 98.5; sellers below it are left out."
            />
          </div>
        </div>
      </fieldset>

      <SelectField
        label="Email me about"
        name="notify_on"
        value={values.notify_on}
        onChange={set('notify_on')}
        error={errors.notify_on}
        options={NOTIFY_OPTIONS}
        hint={
          values.notify_on === 'deals_only'
            ? 'Deal verdicts are not computed yet: until they are, this alert keeps its listings here but sends no alert emails.'
            : undefined
        }
      />

      <div className="form-row">
        <SelectField
          label="Send notifications"
          name="delivery"
          value={values.delivery}
          onChange={set('delivery')}
          error={errors.delivery}
          options={DELIVERY_OPTIONS}
          hint={
            values.delivery === 'digest'
              ? 'One email (and one message per other channel) a day at the hour below.'
              : 'Held during your quiet hours (Account page), then sent as one digest.'
          }
        />
        {values.delivery === 'digest' && (
          <SelectField
            label="Digest at"
            name="digest_hour"
            value={values.digest_hour}
            onChange={set('digest_hour')}
            error={errors.digest_hour}
            options={HOUR_OPTIONS}
            hint="In your quiet-hours time zone (UTC when none is set)."
          />
        )}
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
