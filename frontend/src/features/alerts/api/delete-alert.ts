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
      // Only what nothing shows: a page still showing the alert leaves it (and does not refetch
      // a 404) while it navigates away.
      client.removeQueries({ queryKey: alertKeys.detail(id), type: 'inactive' });
      return client.invalidateQueries({ queryKey: alertKeys.lists() });
    },
  });
}
