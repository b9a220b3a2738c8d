import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Attachment,
  attachmentDraftKey,
  attachmentKindOf,
  attachmentSendBlock,
  filesOf,
  filesOfPaste,
  precheckFile,
  type UploadOptions,
  uploadErrorMessage,
  useComposerAttachments,
  visionlessModelName,
} from './attachments';

const MB = 1_000_000;
const file = (name: string, type: string, size = 10) => ({ name, type, size });

describe('precheckFile and attachmentKindOf', () => {
  it('takes pictures and the documents the server reads, by type or by name', () => {
    expect(attachmentKindOf(file('cat.png', 'image/png'))).toBe('image');
    expect(attachmentKindOf(file('cat.JPG', ''))).toBe('image');
    expect(attachmentKindOf(file('notes.md', ''))).toBe('document');
    expect(attachmentKindOf(file('table.csv', 'text/csv'))).toBe('document');
    expect(attachmentKindOf(file('paper.pdf', 'application/pdf'))).toBe('document');
    expect(attachmentKindOf(file('letter.docx', ''))).toBe('document');
    expect(attachmentKindOf(file('log', 'text/plain'))).toBe('document');
    expect(attachmentKindOf(file('photo.heic', 'image/heic'))).toBeNull();
    expect(attachmentKindOf(file('archive.zip', 'application/zip'))).toBeNull();
  });

  it('says why a file cannot go: its type, its size (the server’s limits), empty', () => {
    expect(precheckFile(file('cat.png', 'image/png', 10 * MB))).toBeNull();
    expect(precheckFile(file('cat.png', 'image/png', 10 * MB + 1))).toBe(
      'Too big (10.0 MB): pictures can be up to 10 MB.',
    );
    expect(precheckFile(file('paper.pdf', 'application/pdf', 20 * MB))).toBeNull();
    expect(precheckFile(file('paper.pdf', 'application/pdf', 21 * MB))).toBe(
      'Too big (21.0 MB): documents can be up to 20 MB.',
    );
    expect(precheckFile(file('archive.zip', 'application/zip'))).toMatch(
      /^Not a supported type\. You can attach pictures/,
    );
    expect(precheckFile(file('empty.txt', 'text/plain', 0))).toBe('This file is empty.');
  });
});

describe('uploadErrorMessage', () => {
  it('puts the server’s reason under a headline a person understands', () => {
    const refused = (status: number, code: string, message: string) =>
      uploadErrorMessage(new LuminaApiError(status, code, message));
    expect(refused(413, 'attachment_too_large', 'Pictures may be at most 10 MB')).toBe(
      'Too big. Pictures may be at most 10 MB.',
    );
    expect(refused(415, 'attachment_unsupported_type', '')).toMatch(/^Not a supported type\. You can attach/);
    expect(refused(422, 'attachment_unreadable', 'The PDF is password-protected')).toBe(
      'Could not be read. The PDF is password-protected.',
    );
    expect(refused(422, 'attachment_unreadable', '')).toBe(
      'Could not be read. The file may be damaged or password-protected.',
    );
    expect(uploadErrorMessage(new LuminaNetworkError('down'))).toBe(
      'Not uploaded: can’t reach the Lumina server.',
    );
  });
});

describe('attachmentSendBlock and visionlessModelName', () => {
  const models = [
    { id: 'ollama/llama3.2:1b', name: 'llama3.2:1b', capabilities: { vision: false } },
    { id: 'ollama/llava:7b', name: 'llava:7b', capabilities: { vision: true } },
  ];
  it('names the answering model only when it is known and cannot see', () => {
    expect(visionlessModelName('ollama/llama3.2:1b', models)).toBe('llama3.2:1b');
    expect(visionlessModelName('ollama/llava:7b', models)).toBeNull();
    expect(visionlessModelName('gone/model', models)).toBeNull();
    expect(visionlessModelName(null, models)).toBeNull();
  });

  it('says why Send is off: a picture for a blind model, an upload still running', () => {
    expect(attachmentSendBlock({ uploading: false, hasImage: true }, 'llama3.2:1b')).toBe(
      'llama3.2:1b can’t see images — pick a model marked Vision or remove the picture',
    );
    expect(attachmentSendBlock({ uploading: true, hasImage: false }, 'llama3.2:1b')).toBe(
      'Wait for the files to finish uploading',
    );
    expect(attachmentSendBlock({ uploading: false, hasImage: true }, null)).toBeNull();
    expect(attachmentSendBlock({ uploading: false, hasImage: false }, 'llama3.2:1b')).toBeNull();
    expect(attachmentSendBlock(undefined, 'llama3.2:1b')).toBeNull();
  });
});

describe('filesOfPaste and filesOf', () => {
  const png = new File(['png'], 'image.png', { type: 'image/png' });
  const data = (files: File[], text = '') =>
    ({
      files,
      items: [],
      types: text ? ['text/plain', 'Files'] : ['Files'],
      getData: (type: string) => (type === 'text/plain' ? text : ''),
    }) as unknown as DataTransfer;

  it('a pasted picture becomes a file; a paste with text stays text', () => {
    expect(filesOfPaste(data([png]))).toEqual([png]);
    expect(filesOfPaste(data([png], 'A1\tB1'))).toEqual([]);
    expect(filesOfPaste(null)).toEqual([]);
  });

  it('reads the items when the list is empty (some browsers fill only one)', () => {
    const items = [
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => png },
    ];
    expect(filesOf({ files: [], items, types: ['Files'] } as unknown as DataTransfer)).toEqual([png]);
  });
});

function stored(id: string, name = `${id}.png`): Attachment {
  return {
    id,
    url: `/api/attachments/${id}`,
    name,
    mediaType: 'image/png',
    sizeBytes: 1200,
    kind: 'image',
    width: 10,
    height: 10,
    textChars: null,
    truncated: false,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** An uploader the test finishes by hand. */
function manualUploader() {
  const calls: {
    file: File;
    options: UploadOptions;
    resolve: (a: Attachment) => void;
    reject: (e: unknown) => void;
  }[] = [];
  const upload = vi.fn(
    (file: File, options: UploadOptions) =>
      new Promise<Attachment>((resolve, reject) => calls.push({ file, options, resolve, reject })),
  );
  return { upload, calls };
}

describe('useComposerAttachments', () => {
  beforeEach(() => {
    window.localStorage.clear();
    URL.createObjectURL = vi.fn(() => 'blob:preview');
    URL.revokeObjectURL = vi.fn();
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(null, { status: 204 })),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('uploads each file at once with progress; refused files never go out; ready ones are kept with the draft', async () => {
    const { upload, calls } = manualUploader();
    const { result } = renderHook(() => useComposerAttachments('u1', 'c1', upload));
    const picture = new File(['x'], 'cat.png', { type: 'image/png' });
    const zip = new File(['x'], 'stuff.zip', { type: 'application/zip' });
    act(() => result.current.add([picture, zip]));
    expect(upload).toHaveBeenCalledTimes(1);
    expect(result.current.items.map((i) => [i.name, i.status])).toEqual([
      ['cat.png', 'uploading'],
      ['stuff.zip', 'error'],
    ]);
    expect(result.current.items[0]!.previewUrl).toBe('blob:preview');
    expect(result.current.uploading).toBe(true);
    expect(result.current.hasImage).toBe(true);

    act(() => calls[0]!.options.onProgress?.(0.5));
    expect(result.current.items[0]!.progress).toBe(0.5);
    await act(async () => calls[0]!.resolve(stored('a1', 'cat.png')));
    expect(result.current.uploading).toBe(false);
    expect(result.current.ready.map((a) => a.id)).toEqual(['a1']);
    const saved = JSON.parse(window.localStorage.getItem(attachmentDraftKey('u1', 'c1'))!);
    expect(saved.attachments.map((a: Attachment) => a.id)).toEqual(['a1']);

    // A reload gives them back.
    const again = renderHook(() => useComposerAttachments('u1', 'c1', upload));
    expect(again.result.current.ready.map((a) => a.id)).toEqual(['a1']);

    // Sent: they leave the box (and the refused one with them), and the draft forgets them.
    act(() => result.current.clearSent(['a1']));
    expect(result.current.items).toEqual([]);
    expect(window.localStorage.getItem(attachmentDraftKey('u1', 'c1'))).toBeNull();
  });

  it('takes out files kept with the draft that the server no longer has, and says so', async () => {
    window.localStorage.setItem(
      attachmentDraftKey('u1', 'c9'),
      JSON.stringify({
        text: '',
        savedAt: Date.now(),
        attachments: [stored('kept', 'cat.png'), stored('gone', 'old.png'), stored('unknown', 'x.png')],
      }),
    );
    const checked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        checked.push(url);
        if (url.includes('/gone/')) return new Response(null, { status: 404 });
        if (url.includes('/unknown/')) throw new TypeError('offline');
        return new Response('{}', { status: 200 });
      }),
    );
    const { result } = renderHook(() => useComposerAttachments('u1', 'c9', manualUploader().upload));
    expect(result.current.ready.map((a) => a.id)).toEqual(['kept', 'gone', 'unknown']);
    await waitFor(() => expect(result.current.ready.map((a) => a.id)).toEqual(['kept', 'unknown']));
    expect(checked.sort()).toEqual([
      '/api/attachments/gone/meta',
      '/api/attachments/kept/meta',
      '/api/attachments/unknown/meta',
    ]);
    expect(result.current.notice).toMatch(/^A file kept with your draft is no longer on the server/);
    const saved = JSON.parse(window.localStorage.getItem(attachmentDraftKey('u1', 'c9'))!);
    expect(saved.attachments.map((a: Attachment) => a.id)).toEqual(['kept', 'unknown']);
  });

  it('a failed upload says why and can be tried again; remove cancels a running upload', async () => {
    const { upload, calls } = manualUploader();
    const { result } = renderHook(() => useComposerAttachments('u1', 'c2', upload));
    act(() => result.current.add([new File(['x'], 'notes.md', { type: '' })]));
    await act(async () => calls[0]!.reject(new LuminaNetworkError('down')));
    expect(result.current.items[0]).toMatchObject({
      status: 'error',
      error: 'Not uploaded: can’t reach the Lumina server.',
      retryable: true,
    });
    act(() => result.current.retry(result.current.items[0]!.key));
    expect(upload).toHaveBeenCalledTimes(2);
    expect(result.current.items[0]!.status).toBe('uploading');

    act(() => result.current.remove(result.current.items[0]!.key));
    expect(calls[1]!.options.signal?.aborted).toBe(true);
    expect(result.current.items).toEqual([]);
  });

  it('removing an uploaded file deletes the upload on the server', async () => {
    const { upload, calls } = manualUploader();
    const { result } = renderHook(() => useComposerAttachments('u1', 'c3', upload));
    act(() => result.current.add([new File(['x'], 'cat.png', { type: 'image/png' })]));
    await act(async () => calls[0]!.resolve(stored('a9')));
    act(() => result.current.remove(result.current.items[0]!.key));
    expect(fetch).toHaveBeenCalledWith('/api/attachments/a9', expect.objectContaining({ method: 'DELETE' }));
    expect(result.current.items).toEqual([]);
  });

  it('takes 10 files at most and says which were left out', () => {
    const { upload } = manualUploader();
    const { result } = renderHook(() => useComposerAttachments('u1', 'c4', upload));
    const many = Array.from({ length: 12 }, (_, i) => new File(['x'], `p${i}.png`, { type: 'image/png' }));
    act(() => result.current.add(many));
    expect(result.current.items).toHaveLength(10);
    expect(result.current.notice).toBe('A message can carry 10 files at most: 2 files were left out.');
    act(() => result.current.add([new File(['x'], 'one-more.png', { type: 'image/png' })]));
    expect(result.current.items).toHaveLength(10);
    expect(result.current.notice).toBe('A message can carry 10 files at most: “one-more.png” was left out.');
  });
});
