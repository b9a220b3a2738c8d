import { MIN_PASSWORD_LENGTH } from './password-strength';

/** The same rules the server applies, checked first so that simple slips need no round trip. */
export function emailProblem(email: string): string | undefined {
  const value = email.trim();
  if (!value) return 'Enter your email address.';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return 'Enter an email address like name@example.com.';
  return undefined;
}

export function nameProblem(name: string, what = 'your name'): string | undefined {
  if (!name.trim()) return `Enter ${what}.`;
  if (name.trim().length > 100) return 'Use at most 100 characters.';
  return undefined;
}

export function newPasswordProblem(password: string, email?: string): string | undefined {
  if (!password) return 'Choose a password.';
  if ([...password].length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (email && password.toLowerCase() === email.trim().toLowerCase())
    return 'Your password must not be your email address.';
  return undefined;
}

/** Only the fields that have a problem. */
export function onlyProblems<Field extends string>(
  problems: Record<Field, string | undefined>,
): Partial<Record<Field, string>> {
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v)) as Partial<Record<Field, string>>;
}
