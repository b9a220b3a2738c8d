import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useRef, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ComposerAttachment, ComposerAttachments } from '../../lib/attachments';
import { AttachmentChip } from './attachment-chips';
import { Composer } from './composer';
import { DropOverlay, useFileDrop } from './file-drop';
import { MessageFiles } from './message-attachments';

afterEach(cleanup);

const chip = (fields: Partial<ComposerAttachment>): ComposerAttachment => ({
  key: 'k1',
  name: 'a-very-long-file-name-that-would-not-fit-on-a-phone-screen.pdf',
  sizeBytes: 1_500_000,
  kind: 'document',
  previewUrl: null,
  status: 'ready',
  progress: 1,
  ...fields,
});

describe('AttachmentChip', () => {
  it('a ready document: name (whole in its title), kind and size, and a named × that removes it', () => {
    const onRemove = vi.fn();
    render(<AttachmentChip item={chip({})} onRemove={onRemove} onRetry={vi.fn()} />);
    const name = screen.getByText(/a-very-long-file-name/);
    expect(name.className).toContain('truncate');
    expect(name.getAttribute('title')).toBe(chip({}).name);
    expect(screen.getByText('PDF · 1.5 MB')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: `Remove ${chip({}).name}` }));
    expect(onRemove).toHaveBeenCalledTimes(1);
  });

  it('uploading: a progress bar and the percentage; a picture shows its thumbnail', () => {
    const { container } = render(
      <AttachmentChip
        item={chip({
          name: 'cat.png',
          kind: 'image',
          previewUrl: 'blob:cat',
          status: 'uploading',
          progress: 0.42,
        })}
        onRemove={vi.fn()}
        onRetry={vi.fn()}
      />,
    );
    expect(screen.getByRole('progressbar', { name: 'Uploading cat.png' }).getAttribute('aria-valuenow')).toBe(
      '42',
    );
    expect(screen.getByText(/Uploading… 42%/)).toBeTruthy();
    expect(container.querySelector('img')?.getAttribute('src')).toBe('blob:cat');
  });

  it('refused: the reason; Try again only when trying again can help', () => {
    const onRetry = vi.fn();
    const { rerender } = render(
      <AttachmentChip
        item={chip({
          status: 'error',
          error: 'Too big (22 MB): documents can be up to 20 MB.',
          retryable: false,
        })}
        onRemove={vi.fn()}
        onRetry={onRetry}
      />,
    );
    expect(screen.getByText('Too big (22 MB): documents can be up to 20 MB.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Try uploading/ })).toBeNull();
    rerender(
      <AttachmentChip
        item={chip({
          status: 'error',
          error: 'Not uploaded: can’t reach the Lumina server.',
          retryable: true,
        })}
        onRemove={vi.fn()}
        onRetry={onRetry}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: /Try uploading .* again/ }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });
});

/** A stand-in for useComposerAttachments with fixed items. */
function fakeAttachments(items: ComposerAttachment[], add = vi.fn()): ComposerAttachments {
  return {
    items,
    add,
    remove: vi.fn(),
    retry: vi.fn(),
    adopt: vi.fn(),
    clearSent: vi.fn(),
    notice: null,
    dismissNotice: vi.fn(),
    uploading: items.some((i) => i.status === 'uploading'),
    ready: items.flatMap((i) => (i.attachment ? [i.attachment] : [])),
    hasImage: items.some((i) => i.kind === 'image' && i.status !== 'error'),
  };
}

const picture = (status: ComposerAttachment['status']): ComposerAttachment =>
  chip({
    key: 'p1',
    name: 'cat.png',
    kind: 'image',
    status,
    ...(status === 'ready'
      ? {
          attachment: {
            id: 'p1',
            url: '/api/attachments/p1',
            name: 'cat.png',
            mediaType: 'image/png',
            sizeBytes: 10,
            kind: 'image',
            width: 1,
            height: 1,
            textChars: null,
            truncated: false,
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        }
      : {}),
  });

function Box({
  attachments,
  blindModelName = null,
  onSend = vi.fn(),
}: {
  attachments: ComposerAttachments;
  blindModelName?: string | null;
  onSend?: () => void;
}) {
  const [value, setValue] = useState('');
  return (
    <Composer
      value={value}
      onChange={setValue}
      onSend={onSend}
      onStop={vi.fn()}
      streaming={false}
      placeholder="Message…"
      attachments={attachments}
      blindModelName={blindModelName}
    />
  );
}

const send = () => screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;

describe('Composer with files', () => {
  it('files alone can be sent (Enter or Send)', () => {
    const onSend = vi.fn();
    render(<Box attachments={fakeAttachments([picture('ready')])} onSend={onSend} />);
    expect(screen.getByRole('list', { name: 'Attached files' })).toBeTruthy();
    expect(send().disabled).toBe(false);
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Message' }), { key: 'Enter' });
    expect(onSend).toHaveBeenCalledTimes(1);
  });

  it('Send is off while a file uploads, and says so', () => {
    render(<Box attachments={fakeAttachments([picture('uploading')])} />);
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: 'Look' } });
    expect(send().disabled).toBe(true);
    expect(send().title).toBe('Wait for the files to finish uploading');
  });

  it('a picture for a model that cannot see: Send is off and the reason shows next to it', () => {
    render(<Box attachments={fakeAttachments([picture('ready')])} blindModelName="llama3.2:1b" />);
    expect(send().disabled).toBe(true);
    const reason = screen.getByText(
      'llama3.2:1b can’t see images — pick a model marked Vision or remove the picture',
    );
    expect(send().getAttribute('aria-describedby')).toBe(reason.parentElement!.id);
  });

  it('a blind model with documents only: nothing is off', () => {
    render(
      <Box
        attachments={fakeAttachments([
          chip({
            attachment: { ...picture('ready').attachment!, kind: 'document', mediaType: 'text/plain' },
          }),
        ])}
        blindModelName="llama3.2:1b"
      />,
    );
    expect(send().disabled).toBe(false);
  });

  it('a pasted picture is attached; pasted text stays text', () => {
    const add = vi.fn();
    render(<Box attachments={fakeAttachments([], add)} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    const png = new File(['x'], 'image.png', { type: 'image/png' });
    fireEvent.paste(box, { clipboardData: { files: [png], items: [], types: ['Files'], getData: () => '' } });
    expect(add).toHaveBeenCalledWith([png]);
    fireEvent.paste(box, {
      clipboardData: { files: [png], items: [], types: ['text/plain', 'Files'], getData: () => 'cells' },
    });
    expect(add).toHaveBeenCalledTimes(1);
  });

  it('the paperclip picks files', () => {
    const add = vi.fn();
    const { container } = render(<Box attachments={fakeAttachments([], add)} />);
    const input = container.querySelector('input[type="file"]') as HTMLInputElement;
    expect(input.accept).toContain('.pdf');
    expect(input.accept).toContain('image/png');
    const click = vi.spyOn(input, 'click');
    fireEvent.click(screen.getByRole('button', { name: 'Attach files' }));
    expect(click).toHaveBeenCalled();
    const doc = new File(['x'], 'notes.md', { type: '' });
    fireEvent.change(input, { target: { files: [doc] } });
    expect(add).toHaveBeenCalledWith([doc]);
  });
});

function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const zone = useRef<HTMLDivElement>(null);
  const dragging = useFileDrop(zone, onFiles);
  return (
    <div ref={zone} data-testid="zone">
      <p>Conversation</p>
      <DropOverlay visible={dragging} />
    </div>
  );
}

describe('useFileDrop', () => {
  const drag = (type: string, files: File[] = [], types = ['Files']) => {
    const event = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: { files, items: [], types, dropEffect: 'none' } });
    return event;
  };

  it('shows the overlay while files are over the conversation and attaches what is dropped', () => {
    const onFiles = vi.fn();
    render(<DropZone onFiles={onFiles} />);
    const zone = screen.getByTestId('zone');
    act(() => {
      zone.dispatchEvent(drag('dragenter'));
      screen.getByText('Conversation').dispatchEvent(drag('dragenter'));
      zone.dispatchEvent(drag('dragleave'));
    });
    // Still over a child: the overlay stays.
    expect(screen.getByText('Drop files to attach them')).toBeTruthy();
    const png = new File(['x'], 'cat.png', { type: 'image/png' });
    const drop = drag('drop', [png]);
    act(() => {
      zone.dispatchEvent(drop);
    });
    expect(drop.defaultPrevented).toBe(true);
    expect(onFiles).toHaveBeenCalledWith([png]);
    expect(screen.queryByText('Drop files to attach them')).toBeNull();
  });

  it('leaves text and links being dragged alone', () => {
    const onFiles = vi.fn();
    render(<DropZone onFiles={onFiles} />);
    const zone = screen.getByTestId('zone');
    const enter = drag('dragenter', [], ['text/plain']);
    act(() => {
      zone.dispatchEvent(enter);
    });
    expect(enter.defaultPrevented).toBe(false);
    expect(screen.queryByText('Drop files to attach them')).toBeNull();
  });
});

describe('MessageFiles', () => {
  it('pictures as thumbnails that open a viewer with Download; documents as chips that download', async () => {
    render(
      <MessageFiles
        files={[
          {
            type: 'file',
            url: '/api/attachments/p1',
            mediaType: 'image/png',
            name: 'cat.png',
            sizeBytes: 2048,
          },
          { type: 'file', url: '/api/attachments/p2', mediaType: 'image/jpeg', name: 'dog.jpg' },
          {
            type: 'file',
            url: '/api/files/d1',
            mediaType: 'application/pdf',
            name: 'paper.pdf',
            sizeBytes: 1_500_000,
          },
        ]}
      />,
    );
    const thumb = screen.getByRole('img', { name: 'cat.png' });
    expect(thumb.getAttribute('loading')).toBe('lazy');
    const doc = screen.getByRole('link', { name: /paper\.pdf/ });
    expect(doc.getAttribute('href')).toBe('/api/files/d1');
    expect(doc.hasAttribute('download')).toBe(true);
    expect(doc.textContent).toContain('PDF · 1.5 MB');

    fireEvent.click(thumb.closest('button')!);
    const dialog = await screen.findByRole('dialog', { name: /cat\.png/ });
    expect(dialog.querySelector('img')?.getAttribute('src')).toBe('/api/attachments/p1');
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe('/api/attachments/p1');
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
