import { useMutation, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import { signOutLocally } from '@/lib/react-query';

export function logout(): Promise<void> {
  return request<void>('/api/v1/auth/logout', { method: 'POST' });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: () => signOutLocally(client, 'signed_out'),
  });
}
