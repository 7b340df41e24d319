import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';

import { request } from '@/lib/api-client';

import { alertKeys } from './keys';

const runOutcomeSchema = z.object({
  items_found: z.number().int().nonnegative(),
  new_items: z.number().int().nonnegative(),
  email_sent: z.boolean(),
});

/** What a run found: listings matching now, how many are new to the user, and whether it emailed. */
export type RunOutcome = z.infer<typeof runOutcomeSchema>;

export function runAlert(id: string): Promise<RunOutcome> {
  return request(`/api/v1/alerts/${encodeURIComponent(id)}/run`, {
    method: 'POST',
    parse: (data) => runOutcomeSchema.parse(data),
  });
}

export function useRunAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: runAlert,
    // The run changes the alert's last/next run, its listings and, soon after, its insights.
    onSuccess: (_outcome, id) =>
      Promise.all([
        client.invalidateQueries({ queryKey: alertKeys.detail(id) }),
        client.invalidateQueries({ queryKey: alertKeys.lists() }),
      ]),
  });
}
