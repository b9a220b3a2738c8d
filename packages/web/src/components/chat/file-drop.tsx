import { ImageUp } from 'lucide-react';
import { type RefObject, useEffect, useRef, useState } from 'react';
import { ATTACHMENT_LIMITS, draggingFiles, filesOf } from '../../lib/attachments';

/**
 * Files dragged over `target` (the whole conversation): `dragging` while they are over it (for
 * the overlay), `onFiles` when they are dropped. Text and links being dragged are left alone.
 * Enter/leave fire for every child crossed, so they are counted.
 */
export function useFileDrop(
  target: RefObject<HTMLElement | null>,
  onFiles: (files: File[]) => void,
  enabled = true,
): boolean {
  const [dragging, setDragging] = useState(false);
  const latest = useRef(onFiles);
  latest.current = onFiles;
  useEffect(() => {
    const element = target.current;
    if (!element || !enabled) {
      setDragging(false);
      return;
    }
    let depth = 0;
    const enter = (event: DragEvent) => {
      if (!draggingFiles(event.dataTransfer)) return;
      event.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (event: DragEvent) => {
      if (!draggingFiles(event.dataTransfer)) return;
      // Without this the browser would open the file instead of dropping it here.
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const leave = (event: DragEvent) => {
      if (!draggingFiles(event.dataTransfer)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      if (!draggingFiles(event.dataTransfer)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = filesOf(event.dataTransfer);
      if (files.length > 0) latest.current(files);
    };
    element.addEventListener('dragenter', enter);
    element.addEventListener('dragover', over);
    element.addEventListener('dragleave', leave);
    element.addEventListener('drop', drop);
    return () => {
      element.removeEventListener('dragenter', enter);
      element.removeEventListener('dragover', over);
      element.removeEventListener('dragleave', leave);
      element.removeEventListener('drop', drop);
    };
  }, [target, enabled]);
  return dragging;
}

/** Covers the conversation while files are dragged over it: where to let go, and what fits. */
export function DropOverlay({ visible }: { visible: boolean }) {
  if (!visible) return null;
  return (
    <div
      data-drop-overlay
      className="pointer-events-none absolute inset-0 z-40 flex animate-fade-in items-center justify-center bg-canvas/80 p-4 backdrop-blur-sm"
    >
      <div className="flex w-full max-w-md flex-col items-center gap-2 rounded-2xl border-2 border-dashed border-accent bg-surface px-6 py-10 text-center shadow-pop">
        <span className="flex size-12 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
          <ImageUp className="size-6" aria-hidden="true" />
        </span>
        <p className="text-base font-semibold text-ink">Drop files to attach them</p>
        <p className="text-sm text-ink-muted">
          Pictures, text, Markdown, CSV, PDF or Word files · up to {ATTACHMENT_LIMITS.perMessage} per message
        </p>
      </div>
    </div>
  );
}
