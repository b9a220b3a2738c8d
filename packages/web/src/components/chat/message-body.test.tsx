import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessagePart } from '../../lib/chat-stream';
import type { ChatMessage } from '../../lib/conversations';
import { fakeApi, renderWithApp } from '../../test/render';
import { bodySegments, MessageBody } from './message-body';
import { MessageItem } from './message-item';

afterEach(cleanup);

const call = (id: string, toolName: string): MessagePart => ({
  type: 'tool-call',
  toolCallId: id,
  toolName,
  input: { q: id },
});
const result = (id: string, toolName: string, isError = false): MessagePart => ({
  type: 'tool-result',
  toolCallId: id,
  toolName,
  output: isError ? 'quota exceeded' : { ok: id },
  isError,
});

const PARTS: MessagePart[] = [
  { type: 'reasoning', text: 'Think ' },
  { type: 'reasoning', text: 'twice.' },
  { type: 'text', text: 'Checking **now**. ' },
  call('c1', 'weather'),
  result('c1', 'weather'),
  { type: 'text', text: 'Here is the map:' },
  { type: 'file', url: '/api/images/map', mediaType: 'image/png', name: 'map.png' },
  { type: 'file', url: '/api/files/report', mediaType: 'application/pdf', name: 'report.pdf' },
  { type: 'file', url: 'https://evil.example/x.png', mediaType: 'image/png' } as MessagePart,
  result('c0', 'clock', true),
];

describe('bodySegments', () => {
  it('keeps the order, joins neighbours, shows each result once and only our own files', () => {
    expect(bodySegments(PARTS).map((s) => [s.at, s.kind])).toEqual([
      [0, 'reasoning'],
      [2, 'text'],
      [3, 'tool'],
      [5, 'text'],
      [6, 'file'],
      [7, 'file'],
      [9, 'result'],
    ]);
    const segments = bodySegments(PARTS);
    expect(segments[0]).toMatchObject({ text: 'Think twice.' });
    expect(segments[2]).toMatchObject({ kind: 'tool', result: { toolCallId: 'c1' } });
  });

  it('is the text when a message has no parts yet, and nothing for an empty one', () => {
    expect(bodySegments([], 'Hi')).toEqual([{ at: 0, kind: 'text', text: 'Hi' }]);
    expect(bodySegments([], '')).toEqual([]);
  });
});

describe('MessageBody', () => {
  it('renders every part in order: folded reasoning, text, tool cards, a thumbnail and a file chip', async () => {
    const { container } = render(<MessageBody parts={PARTS} content="" writing={false} />);
    const shown = [...container.querySelectorAll('[data-part], .markdown, img, p')].map(
      (el) => el.getAttribute('data-part') ?? el.tagName.toLowerCase(),
    );
    expect(shown[0]).toBe('reasoning');
    const order = ['reasoning', 'tool', 'file', 'file', 'tool-result'];
    expect(shown.filter((kind) => order.includes(kind))).toEqual(order);
    const details = [...container.querySelectorAll('details')];
    expect(details.every((d) => !d.open)).toBe(true);
    expect(await screen.findByText('now')).toBeTruthy(); // Markdown rendered
    const picture = screen.getByRole('img', { name: 'map.png' }) as HTMLImageElement;
    expect(picture.getAttribute('src')).toBe('/api/images/map');
    expect(screen.getByRole('link', { name: /report\.pdf/ }).getAttribute('href')).toBe('/api/files/report');
    expect(container.innerHTML).not.toContain('evil.example');
    // The text sits where it was written: before the call, then between the call and the picture.
    const before = (a: Node, b: Node) =>
      Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    const tool = container.querySelector('[data-part="tool"]')!;
    expect(before(screen.getByText(/Checking/), tool)).toBe(true);
    expect(before(tool, screen.getByText('Here is the map:'))).toBe(true);
    expect(before(screen.getByText('Here is the map:'), picture)).toBe(true);
    const failed = container.querySelector('[data-part="tool-result"]')!;
    expect(within(failed as HTMLElement).getByText('clock')).toBeTruthy();
    expect(failed.textContent).toContain('failed');
    expect(failed.textContent).toContain('quota exceeded');
  });
});

describe('MessageItem with parts', () => {
  const message = (fields: Partial<ChatMessage>): ChatMessage =>
    ({
      id: '0190a4c2-0000-7000-8000-000000000002',
      conversationId: '0190a4c2-0000-7000-8000-000000000001',
      parentId: '0190a4c2-0000-7000-8000-000000000003',
      role: 'assistant',
      content: '',
      parts: [],
      status: 'complete',
      error: null,
      model: null,
      finishReason: null,
      usage: null,
      timings: null,
      siblingIds: ['0190a4c2-0000-7000-8000-000000000002'],
      hasSummary: false,
      metadata: {},
      createdAt: '2025-03-01T10:00:00.000Z',
      updatedAt: '2025-03-01T10:00:00.000Z',
      ...fields,
    }) as ChatMessage;
  const actions = {
    onRegenerate() {},
    onContinue() {},
    onEdit() {},
    onEditInPlace() {},
    onSwitch() {},
    onFork() {},
    onDelete() {},
  };

  it('shows a tool message as Tool with its result card, and no "(empty reply)"', () => {
    render(
      <MessageItem
        message={message({ role: 'tool', parts: [result('c9', 'calendar')] })}
        avatar={{ name: 'Aria', imageUrl: '/api/avatars/a/image' }}
        busy={false}
        highlighted={false}
        last
        actions={actions}
      />,
    );
    expect(screen.getByRole('article', { name: 'Tool said' })).toBeTruthy();
    expect(screen.getByText('calendar')).toBeTruthy();
    expect(screen.queryByText('(empty reply)')).toBeNull();
    // Nothing to copy and nothing to regenerate: the model wrote no tool message.
    expect(screen.queryByRole('button', { name: 'Copy reply as Markdown' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Regenerate reply' })).toBeNull();
  });

  it('copies the text of a reply made of parts, and shows a picture a person sent under their bubble', () => {
    // The reply's actions include Read aloud, which talks to the server: render inside the app.
    renderWithApp(
      <>
        <MessageItem
          message={message({
            content: 'Answer',
            parts: [
              { type: 'reasoning', text: 'hidden' },
              { type: 'text', text: 'Answer' },
            ],
          })}
          avatar={null}
          busy={false}
          highlighted={false}
          last
          actions={actions}
        />
        <MessageItem
          message={message({
            id: '0190a4c2-0000-7000-8000-000000000004',
            role: 'user',
            content: 'Look',
            parts: [
              { type: 'text', text: 'Look' },
              { type: 'file', url: '/api/images/cat', mediaType: 'image/jpeg', name: 'cat.jpg' },
            ],
          })}
          avatar={null}
          busy={false}
          highlighted={false}
          last
          actions={actions}
        />
      </>,
      { fetch: fakeApi({}).fetch },
    );
    expect(screen.getByRole('button', { name: 'Copy reply as Markdown' })).toBeTruthy();
    expect(screen.getByText('Look')).toBeTruthy();
    expect(screen.getByRole('img', { name: 'cat.jpg' }).getAttribute('src')).toBe('/api/images/cat');
  });
});
