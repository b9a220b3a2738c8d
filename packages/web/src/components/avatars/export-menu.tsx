import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { ChevronDown, Download, FileCode2, FileJson, Image, Package } from 'lucide-react';
import type { ReactNode } from 'react';
import { EXPORT_FORMATS, type ExportFormat, exportUrl } from '../../lib/avatars';
import { menuContentClass, menuItemClass } from './menu';

const ICONS: Record<ExportFormat, typeof Image> = {
  png: Image,
  json: FileJson,
  charx: Package,
  xml: FileCode2,
};

/** The export formats as direct downloads (plain links: the browser saves the file). */
export function ExportMenuItems({ avatarId }: { avatarId: string }) {
  return (
    <>
      {EXPORT_FORMATS.map(({ format, label, hint }) => {
        const Icon = ICONS[format];
        return (
          <DropdownMenu.Item key={format} asChild className={menuItemClass}>
            <a href={exportUrl(avatarId, format)} download>
              <Icon className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
              <span className="min-w-0">
                <span className="block">{label}</span>
                <span className="block text-xs text-ink-muted">{hint}</span>
              </span>
            </a>
          </DropdownMenu.Item>
        );
      })}
    </>
  );
}

/** "Export ▾": download the avatar as a character card or Lumina XML. */
export function ExportMenu({ avatarId, trigger }: { avatarId: string; trigger?: ReactNode }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        {trigger ?? (
          <button type="button" className="btn-secondary">
            <Download className="size-4" aria-hidden="true" />
            Export
            <ChevronDown className="size-4 text-ink-subtle" aria-hidden="true" />
          </button>
        )}
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" sideOffset={6} collisionPadding={8} className={menuContentClass}>
          <DropdownMenu.Label className="px-2.5 pt-1.5 pb-1 text-xs font-medium text-ink-muted">
            Download as
          </DropdownMenu.Label>
          <ExportMenuItems avatarId={avatarId} />
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
