export const MIN_PASSWORD_LENGTH = 8;

export interface PasswordStrength {
  /** 0 (too short) … 4 (strong). */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  advice: string;
}

/**
 * A quick, honest hint while typing: length matters most, variety a little. The server has the
 * final word (it also refuses the 1,000 most common passwords and your own email address).
 * @example passwordStrength('correct horse battery').score // 4
 */
export function passwordStrength(password: string): PasswordStrength {
  const length = [...password].length;
  if (length === 0)
    return {
      score: 0,
      label: '',
      advice: `Use at least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.`,
    };
  if (length < MIN_PASSWORD_LENGTH) {
    const missing = MIN_PASSWORD_LENGTH - length;
    return {
      score: 0,
      label: 'Too short',
      advice: `${missing} more character${missing === 1 ? '' : 's'} needed.`,
    };
  }
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  const unique = new Set(password.toLowerCase()).size;
  let score = length >= 16 ? 3 : length >= 12 ? 2 : 1;
  if (kinds >= 3 || (kinds >= 2 && length >= 12)) score += 1;
  if (unique <= 3) score = 1;
  const clamped = Math.min(4, score) as PasswordStrength['score'];
  const labels = ['Too short', 'Weak', 'Fair', 'Good', 'Strong'] as const;
  const advice =
    clamped >= 3
      ? 'Looks good. Avoid passwords you use elsewhere.'
      : 'Longer is stronger: add another word or two.';
  return { score: clamped, label: labels[clamped], advice };
}
