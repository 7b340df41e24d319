import { useMutation, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { Alert, AlertInput } from '@/lib/api-models';

import { alertKeys } from './keys';

export function createAlert(body: AlertInput): Promise<Alert> {
  return request<Alert>('/api/v1/alerts', { method: 'POST', body });
}

export function useCreateAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createAlert,
    onSuccess: (alert) => {
      client.setQueryData(alertKeys.detail(alert.id), alert);
      return client.invalidateQueries({ queryKey: alertKeys.lists() });
    },
  });
}
