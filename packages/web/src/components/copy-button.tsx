import { Check, Copy } from 'lucide-react';
import { useEffect, useState } from 'react';

/**
 * Copies `text` to the clipboard and says so (visibly and to screen readers) for 2 s. The
 * `button` variant shows its label ("Copy") next to the icon.
 */
export function CopyButton({
  text,
  label,
  title,
  variant = 'icon',
}: {
  text: string;
  label: string;
  /** The icon's tooltip, when it says more than the label. */
  title?: string;
  variant?: 'icon' | 'button';
}) {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // Clipboard blocked (insecure origin or permission): the text stays selectable.
    }
  }

  const icon = copied ? (
    <Check className="size-3.5 text-ok" aria-hidden="true" />
  ) : (
    <Copy className="size-3.5" aria-hidden="true" />
  );
  const announcement = (
    <span className="sr-only" aria-live="polite">
      {copied ? 'Copied to clipboard' : ''}
    </span>
  );

  if (variant === 'button') {
    return (
      <>
        <button type="button" onClick={copy} className="btn-secondary h-8 shrink-0 px-2.5">
          {icon}
          {copied ? 'Copied' : label}
        </button>
        {announcement}
      </>
    );
  }
  return (
    <button
      type="button"
      onClick={copy}
      className="icon-btn size-7"
      aria-label={copied ? 'Copied' : label}
      title={copied ? 'Copied' : title}
    >
      {icon}
      {announcement}
    </button>
  );
}
