import { useMutation, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { Me, SessionView } from '@/lib/api-models';
import { SESSION_KEY } from '@/lib/react-query';

/** Where parcels go: `null` clears. */
export interface DeliveryLocation {
  country: string | null;
  postal_code: string | null;
}

/** Quiet hours: `HH:MM` wall-clock times in an IANA time zone; `null` removes them. */
export interface QuietHoursChange {
  quiet_hours: { start: string; end: string; time_zone: string } | null;
}

export function updateMe(changes: DeliveryLocation | QuietHoursChange): Promise<Me> {
  return request<Me>('/api/v1/me', { method: 'PATCH', body: changes });
}

export function useUpdateMe() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: updateMe,
    onSuccess: (me) => {
      client.setQueryData<SessionView>(SESSION_KEY, (session) => (session ? { ...session, user: me } : session));
    },
  });
}
