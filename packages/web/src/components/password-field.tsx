import clsx from 'clsx';
import { Eye, EyeOff } from 'lucide-react';
import { type ComponentProps, useState } from 'react';
import { passwordStrength } from '../lib/password-strength';
import { TextField } from './form-field';

type PasswordFieldProps = Omit<ComponentProps<typeof TextField>, 'type' | 'trailing'> & {
  /** Show the strength meter and the policy hint (for new passwords). */
  showStrength?: boolean;
  /** What the show/hide button names: "password" (default), "API key"… */
  subject?: string;
};

/** A password input with a show/hide toggle and, for new passwords, a strength hint. */
export function PasswordField({
  showStrength = false,
  subject = 'password',
  hint,
  value,
  ...props
}: PasswordFieldProps) {
  const [visible, setVisible] = useState(false);
  const text = typeof value === 'string' ? value : '';

  return (
    <TextField
      {...props}
      value={value}
      type={visible ? 'text' : 'password'}
      autoCapitalize="off"
      autoCorrect="off"
      spellCheck={false}
      trailing={
        <button
          type="button"
          className="icon-btn size-8"
          aria-label={visible ? `Hide ${subject}` : `Show ${subject}`}
          aria-pressed={visible}
          onClick={() => setVisible((v) => !v)}
        >
          {visible ? (
            <EyeOff className="size-4" aria-hidden="true" />
          ) : (
            <Eye className="size-4" aria-hidden="true" />
          )}
        </button>
      }
      hint={showStrength ? <StrengthHint password={text} /> : hint}
    />
  );
}

const TONES = ['bg-bad', 'bg-bad', 'bg-warn', 'bg-ok', 'bg-ok'] as const;

function StrengthHint({ password }: { password: string }) {
  const { score, label, advice } = passwordStrength(password);
  return (
    <span className="flex flex-col gap-1.5">
      <span className={clsx('flex items-center gap-2', !password && 'hidden')}>
        <span className="flex flex-1 gap-1" aria-hidden="true">
          {[1, 2, 3, 4].map((bar) => (
            <span
              key={bar}
              className={clsx(
                'h-1 flex-1 rounded-full transition-colors',
                score >= bar ? TONES[score] : 'bg-line',
              )}
            />
          ))}
        </span>
        <span className="w-16 text-right text-xs font-medium text-ink-muted">{label}</span>
      </span>
      <span>{advice}</span>
    </span>
  );
}
