import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { Channel, ChannelAttempt, ChannelList, CreatedChannel, TemplatePreview } from '@/lib/api-models';

const channelsKey = ['channels'] as const;

export function getChannels(signal?: AbortSignal): Promise<ChannelList> {
  return request<ChannelList>('/api/v1/channels', { signal });
}

export const channelsQueryOptions = () =>
  queryOptions({ queryKey: channelsKey, queryFn: ({ signal }) => getChannels(signal) });

export function useChannels() {
  return useQuery(channelsQueryOptions());
}

export interface NewChannel {
  url: string;
  name?: string;
}

export function createChannel(body: NewChannel): Promise<CreatedChannel> {
  return request<CreatedChannel>('/api/v1/channels', { method: 'POST', body });
}

export function useCreateChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createChannel,
    onSuccess: () => client.invalidateQueries({ queryKey: channelsKey }),
  });
}

export function deleteChannel(id: string): Promise<void> {
  return request<void>(`/api/v1/channels/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeleteChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteChannel,
    onSuccess: () => client.invalidateQueries({ queryKey: channelsKey }),
  });
}

export function testChannel(id: string): Promise<ChannelAttempt> {
  return request<ChannelAttempt>(`/api/v1/channels/${encodeURIComponent(id)}/test`, { method: 'POST', body: {} });
}

/** Sends a test; the channel's last status changes, so the list is refreshed. */
export function useTestChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: testChannel,
    onSettled: () => client.invalidateQueries({ queryKey: channelsKey }),
  });
}

export interface ChannelTemplates {
  title_template: string | null;
  body_template: string | null;
}

export function updateChannelTemplates(id: string, templates: ChannelTemplates): Promise<Channel> {
  return request<Channel>(`/api/v1/channels/${encodeURIComponent(id)}`, { method: 'PATCH', body: templates });
}

export function useUpdateChannelTemplates() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, templates }: { id: string; templates: ChannelTemplates }) => updateChannelTemplates(id, templates),
    onSuccess: () => client.invalidateQueries({ queryKey: channelsKey }),
  });
}

export function previewTemplates(templates: ChannelTemplates): Promise<TemplatePreview> {
  return request<TemplatePreview>('/api/v1/channels/preview', { method: 'POST', body: templates });
}

export function usePreviewTemplates() {
  return useMutation({ mutationFn: previewTemplates });
}
