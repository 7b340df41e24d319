import { useMutation } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { components } from '@/lib/api-types';

type LoginRequest = components['schemas']['LoginRequest'];

/** Asks for a sign-in link; the server answers 202 whether or not the address has an account. */
export function login(body: LoginRequest): Promise<unknown> {
  return request('/api/v1/auth/login', { method: 'POST', body });
}

export function useLogin() {
  return useMutation({ mutationFn: login });
}
