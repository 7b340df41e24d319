import { useMutation, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';

import { alertKeys } from './keys';

export function deleteAlert(id: string): Promise<void> {
  return request<void>(`/api/v1/alerts/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeleteAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteAlert,
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: alertKeys.detail(id) });
      return client.invalidateQueries({ queryKey: alertKeys.lists() });
    },
  });
}
