/**
 * Names for the API's shapes, taken from the generated `api-types.ts` (npm run gen:api), so the
 * rest of the code does not spell out `components['schemas'][...]`.
 */
import type { components } from './api-types';

type Schemas = components['schemas'];

/**
 * An alert as the server returns it. `effective_interval_minutes` comes with the runner (the
 * daily eBay budget may stretch the schedule); until then it is simply absent.
 */
export type Alert = Schemas['AlertView'] & { effective_interval_minutes?: number | null };
export type AlertPage = Omit<Schemas['AlertPage'], 'items'> & { items: Alert[] };
export type AlertInput = Schemas['AlertInput'];
export type Me = Schemas['Me'];
/** Who is signed in (`user` null when nobody) and whether the server keeps its emails in the outbox. */
export type SessionView = Schemas['SessionView'];
export type ApiToken = Schemas['TokenView'];
export type CreatedToken = Schemas['CreatedToken'];
export type TokenList = Schemas['TokenList'];
export type ErrorBody = Schemas['ErrorBody'];
/** A notification channel (secrets masked); `email` is the built-in one. */
export type Channel = Schemas['ChannelView'];
/** A new channel; `secret` (webhooks only) is shown once. */
export type CreatedChannel = Schemas['CreatedChannel'];
export type ChannelList = Schemas['ChannelList'];
/** What a receiver answered to a test send. */
export type ChannelAttempt = Schemas['Attempt'];
/** Templates rendered on sample data. */
export type TemplatePreview = Schemas['Preview'];
/** An email the development outbox captured instead of sending. */
export type CapturedEmail = Schemas['CapturedEmail'];

export type Condition = 'any' | 'new' | 'used';
export type BuyingOptions = 'fixed_price' | 'auction' | 'any';
export type ConditionGroup = Schemas['ConditionGroup'];
export type PriceBasis = Schemas['PriceBasis'];
export type NotifyOn = Schemas['NotifyOn'];
/** What a run hid, and why. */
export type Hidden = Schemas['Hidden'];
/** The condition groups, in the order shown. */
export const CONDITION_GROUPS: readonly ConditionGroup[] = ['new', 'open_box', 'refurbished', 'used', 'for_parts'];

/** The run frequencies the server accepts, in minutes. */
export const FREQUENCIES = [2, 10, 30, 60, 1440] as const;
export type Frequency = (typeof FREQUENCIES)[number];
