import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  applyCompareEvent,
  type CompareColumn,
  compareColumns,
  type LiveCompare,
  mergeColumns,
} from '../../lib/compare';
import type { ChatMessage } from '../../lib/conversations';
import { model } from '../../test/model-fixtures';
import { jsonFetch, renderWithApp } from '../../test/render';
import { CompareBoard } from './compare-board';
import { CompareControl } from './compare-picker';

const Q = '01a1fd38-701a-743d-aec4-79b1a96ae700';
const A = '01a1fd38-701a-743d-aec4-79b1a96ae701';
const B = '01a1fd38-701a-743d-aec4-79b1a96ae702';
const C = '01a1fd38-701a-743d-aec4-79b1a96ae703';

function column(id: string, overrides: Partial<CompareColumn> = {}): CompareColumn {
  return {
    id,
    model: 'ollama/llama3.2:latest',
    content: '',
    status: 'complete',
    error: null,
    usage: null,
    timings: null,
    merge: null,
    consensus: null,
    index: 0,
    ...overrides,
  };
}

function stored(
  id: string,
  metadata: Record<string, unknown>,
  overrides: Partial<ChatMessage> = {},
): ChatMessage {
  return {
    id,
    conversationId: Q,
    parentId: Q,
    role: 'assistant',
    content: `text of ${id}`,
    parts: [],
    status: 'complete',
    turnId: Q,
    speaker: null,
    error: null,
    model: (metadata.compare as { model?: string } | undefined)?.model ?? null,
    finishReason: 'stop',
    usage: null,
    timings: null,
    hasSummary: false,
    metadata,
    createdAt: '2026-12-07T10:00:00.000Z',
    updatedAt: '2026-12-07T10:00:00.000Z',
    ...overrides,
  } as ChatMessage;
}

afterEach(cleanup);

describe('compare columns', () => {
  it('reads the columns of one message from the tree, in the compare’s order, merges after', () => {
    const tree = [
      stored(C, { merge: { model: 'ollama/qwen', from: [A, B] } }, { model: 'ollama/qwen' }),
      stored(B, { compare: { model: 'openai/gpt-4o-mini', index: 1 } }),
      stored(A, { compare: { model: 'ollama/llama3.2:latest', index: 0 } }),
      stored('01a1fd38-701a-743d-aec4-79b1a96ae704', {}),
      stored(
        '01a1fd38-701a-743d-aec4-79b1a96ae705',
        { compare: { model: 'x/y', index: 2 } },
        { parentId: A },
      ),
    ];
    const columns = compareColumns(tree, Q);
    expect(columns.map((c) => c.id)).toEqual([A, B, C]);
    expect(columns[2]!.merge).toEqual({ model: 'ollama/qwen', from: [A, B] });
  });

  it('folds interleaved stream parts into their own columns', () => {
    let state: LiveCompare = { questionId: null, columns: [] };
    const start = (messageId: string, role: 'user' | 'assistant', model: string | null) =>
      ({
        type: 'message-start',
        messageId,
        parentId: null,
        turnId: null,
        role,
        participant: null,
        model,
        createdAt: '2026-12-07T10:00:00.000Z',
      }) as const;
    const events = [
      { messageId: A, part: start(Q, 'user', null) },
      { messageId: A, part: start(A, 'assistant', 'a/1') },
      { messageId: B, part: start(B, 'assistant', 'b/2') },
      { messageId: B, part: { type: 'text-delta', delta: 'Bee' } },
      { messageId: A, part: { type: 'text-delta', delta: 'Ay' } },
      { messageId: B, part: { type: 'error', code: 'provider_error', message: 'down' } },
      { messageId: B, part: { type: 'finish', status: 'error', finishReason: null, timings: null } },
      { messageId: A, part: { type: 'usage', inputTokens: 3, outputTokens: 2, costUsd: 0.001 } },
      {
        messageId: A,
        part: {
          type: 'finish',
          status: 'complete',
          finishReason: 'stop',
          timings: { timeToFirstTokenMs: 40, durationMs: 90 },
        },
      },
    ] as const;
    for (const event of events) state = applyCompareEvent(state, event);
    expect(state.questionId).toBe(Q);
    expect(state.columns).toMatchObject([
      {
        id: A,
        model: 'a/1',
        content: 'Ay',
        status: 'complete',
        usage: { costUsd: 0.001 },
        timings: { durationMs: 90 },
      },
      { id: B, model: 'b/2', content: 'Bee', status: 'error', error: { code: 'provider_error' } },
    ]);
    // A finished stored copy wins over the live one; a streaming one does not.
    const merged = mergeColumns(
      [
        column(A, { content: 'Ay (stored)', status: 'complete' }),
        column(B, { status: 'streaming', index: 1 }),
      ],
      state.columns,
    );
    expect(merged.map((c) => c.content)).toEqual(['Ay (stored)', 'Bee']);
  });
});

describe('compare column order', () => {
  it('keeps the order the models were chosen in, whichever column starts first', () => {
    const start = (messageId: string, model: string) =>
      ({
        messageId,
        part: {
          type: 'message-start',
          messageId,
          parentId: Q,
          turnId: Q,
          role: 'assistant',
          participant: null,
          model,
          createdAt: '2026-12-07T10:00:00.000Z',
        },
      }) as const;
    let state: LiveCompare = { questionId: Q, columns: [] };
    state = applyCompareEvent(state, start(B, 'b/2'), { index: 1 });
    state = applyCompareEvent(state, start(A, 'a/1'), { index: 0 });
    expect(mergeColumns([], state.columns).map((c) => c.model)).toEqual(['a/1', 'b/2']);
  });
});

describe('CompareBoard', () => {
  const models = [model('ollama/llama3.2:latest'), model('ollama/qwen2.5:latest')];
  const render = (props: Partial<Parameters<typeof CompareBoard>[0]> = {}) => {
    const handlers = { onContinue: vi.fn(), onMerge: vi.fn(), onConsensus: vi.fn(), onStop: vi.fn() };
    renderWithApp(
      <CompareBoard
        questionId={Q}
        columns={[
          column(A, {
            content: 'First answer',
            usage: { inputTokens: 5, outputTokens: 9, costUsd: 0.0021 },
            timings: { timeToFirstTokenMs: 120, durationMs: 2400 },
          }),
          column(B, { model: 'openai/gpt-4o-mini', content: 'Second answer', index: 1 }),
        ]}
        activeId={A}
        models={models}
        busy={false}
        avatarName="Aria"
        {...handlers}
        {...props}
      />,
      { fetch: jsonFetch({}) },
    );
    return handlers;
  };

  it('labels each column with its model, its timings and cost, and continues with the chosen one', async () => {
    const { onContinue } = render();
    const columns = screen.getAllByTestId('compare-column');
    expect(columns).toHaveLength(2);
    expect(within(columns[0]!).getByRole('heading', { name: 'llama3.2:latest' })).toBeTruthy();
    expect(within(columns[0]!).getByText('In the conversation')).toBeTruthy();
    expect(within(columns[0]!).getByText('2.4 s')).toBeTruthy();
    expect(within(columns[0]!).getByText(/\$0\.0021/)).toBeTruthy();
    expect(within(columns[1]!).getByRole('heading', { name: 'gpt-4o-mini' })).toBeTruthy();
    await userEvent.click(
      within(columns[1]!).getByRole('button', { name: /Continue with this one: gpt-4o-mini/ }),
    );
    expect(onContinue).toHaveBeenCalledWith(B);
    // On a phone, the tabs choose the answer shown.
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((t) => t.getAttribute('aria-selected'))).toEqual(['true', 'false']);
    fireEvent.click(tabs[1]!);
    expect(screen.getAllByRole('tab')[1]!.getAttribute('aria-selected')).toBe('true');
    expect(columns[1]!.className).toContain(' flex');
    expect(columns[0]!.className).toContain('hidden md:flex');
  });

  it('merges the finished answers with a chosen model', async () => {
    const { onMerge } = render();
    await userEvent.click(screen.getByRole('button', { name: /Merge with/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: /qwen2\.5/ }));
    expect(onMerge).toHaveBeenCalledWith(Q, 'ollama/qwen2.5:latest', [A, B]);
  });

  it('shows a column still being written, a failed one, and stops them all', async () => {
    const { onStop } = render({
      columns: [
        column(A, { status: 'streaming' }),
        column(B, {
          status: 'error',
          error: { code: 'provider_error', message: 'The model is down' },
          index: 1,
        }),
      ],
    });
    expect(screen.getByText('Writing…')).toBeTruthy();
    expect(screen.getByText('The model is down')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Merge with/ })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Stop all' }));
    expect(onStop).toHaveBeenCalled();
  });
});

describe('CompareControl', () => {
  it('chooses 2 to 6 models, in order, and turns compare off again', async () => {
    const onChange = vi.fn();
    const models = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => model(`ollama/${n}`));
    renderWithApp(<CompareControl models={models} chosen={[]} onChange={onChange} disabled={false} />, {
      fetch: jsonFetch({}),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Compare' }));
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: /^Compare/ });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    const boxes = within(dialog).getAllByRole('checkbox') as HTMLInputElement[];
    for (const box of boxes.slice(0, 6)) await userEvent.click(box);
    expect(boxes[6]!.disabled).toBe(true);
    await userEvent.click(boxes[0]!);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Compare 5 models' }));
    expect(onChange).toHaveBeenCalledWith(['ollama/b', 'ollama/c', 'ollama/d', 'ollama/e', 'ollama/f']);
    cleanup();
    const off = vi.fn();
    renderWithApp(
      <CompareControl models={models} chosen={['ollama/a', 'ollama/b']} onChange={off} disabled={false} />,
      {
        fetch: jsonFetch({}),
      },
    );
    expect(screen.getByText('Comparing 2 models')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Stop comparing' }));
    expect(off).toHaveBeenCalledWith([]);
  });
});
