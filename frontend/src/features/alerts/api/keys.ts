/** Query keys of everything under one alert, so a change can refresh them together. */
export const alertKeys = {
  all: ['alerts'] as const,
  lists: () => [...alertKeys.all, 'list'] as const,
  list: (page: number, perPage: number) => [...alertKeys.lists(), { page, perPage }] as const,
  detail: (id: string) => [...alertKeys.all, 'detail', id] as const,
  items: (id: string) => [...alertKeys.detail(id), 'items'] as const,
  insights: (id: string, days: number) => [...alertKeys.detail(id), 'insights', days] as const,
};
