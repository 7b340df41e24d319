import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { Notice } from '@/components/ui/states';
import { ApiError, errorMessage } from '@/lib/api-client';

import { useLogin } from '../api/login';

// Deliberately loose: the server has the final word; this only catches typos before a round trip.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(value: string): string | undefined {
  const email = value.trim();
  if (!email) return 'Enter your email address.';
  if (email.length > 254 || !EMAIL_SHAPE.test(email)) return 'Enter an email address like name@example.com.';
  return undefined;
}

interface SignInFormProps {
  onSent: (email: string) => void;
  initialEmail?: string;
  /** Where the emailed link lands after signing in (a path on this origin). */
  returnTo?: string;
}

export function SignInForm({ onSent, initialEmail = '', returnTo }: SignInFormProps) {
  const [email, setEmail] = useState(initialEmail);
  const [fieldError, setFieldError] = useState<string>();
  const inputRef = useRef<HTMLInputElement>(null);
  const login = useLogin();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validateEmail(email);
    setFieldError(problem);
    if (problem) {
      inputRef.current?.focus();
      return;
    }
    const address = email.trim();
    login.mutate(
      { email: address, ...(returnTo ? { return_to: returnTo } : {}) },
      {
        onSuccess: () => onSent(address),
        onError: (error) => {
          const detail = error instanceof ApiError ? error.details.find((d) => d.field === 'email') : undefined;
          if (detail) {
            setFieldError(`The address ${detail.message}.`);
            inputRef.current?.focus();
          }
        },
      },
    );
  };

  const serverError =
    login.error && !(login.error instanceof ApiError && login.error.details.some((d) => d.field === 'email'))
      ? errorMessage(login.error)
      : undefined;

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField
        ref={inputRef}
        label="Email address"
        type="email"
        name="email"
        autoComplete="email"
        inputMode="email"
        spellCheck={false}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={fieldError}
        required
      />
      {serverError && <Notice tone="error">{serverError}</Notice>}
      <Button type="submit" variant="primary" isLoading={login.isPending}>
        Email me a sign-in link
      </Button>
    </form>
  );
}
