import { queryOptions, useQuery } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { Alert } from '@/lib/api-models';

import { alertKeys } from './keys';

export function getAlert(id: string, signal?: AbortSignal): Promise<Alert> {
  return request<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}`, { signal });
}

export const alertQueryOptions = (id: string) =>
  queryOptions({
    queryKey: alertKeys.detail(id),
    queryFn: ({ signal }) => getAlert(id, signal),
  });

export function useAlert(id: string) {
  return useQuery(alertQueryOptions(id));
}
