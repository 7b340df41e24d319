import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { AlertPage } from '@/lib/api-models';

import { alertKeys } from './keys';

export const ALERTS_PER_PAGE = 20;

export function getAlerts(page: number, perPage: number, signal?: AbortSignal): Promise<AlertPage> {
  return request<AlertPage>('/api/v1/alerts', { query: { page, per_page: perPage }, signal });
}

export const alertsQueryOptions = (page: number, perPage = ALERTS_PER_PAGE) =>
  queryOptions({
    queryKey: alertKeys.list(page, perPage),
    queryFn: ({ signal }) => getAlerts(page, perPage, signal),
    // Next/previous keep the old page on screen until the new one arrives.
    placeholderData: keepPreviousData,
  });

export function useAlerts(page: number, perPage = ALERTS_PER_PAGE) {
  return useQuery(alertsQueryOptions(page, perPage));
}
