import { useMutation, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { Alert, AlertInput } from '@/lib/api-models';

import { alertKeys } from './keys';

/** A partial update: absent fields stay, `null` clears an optional price. */
export type AlertChanges = Partial<AlertInput>;

export function updateAlert(id: string, changes: AlertChanges): Promise<Alert> {
  return request<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}`, { method: 'PATCH', body: changes });
}

export function useUpdateAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: AlertChanges }) => updateAlert(id, changes),
    onSuccess: (alert) => {
      client.setQueryData(alertKeys.detail(alert.id), alert);
      return client.invalidateQueries({ queryKey: alertKeys.lists() });
    },
  });
}
