import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CompareColumn, citationMarkdown, compareColumns, mergeable } from '../../lib/compare';
import type { ChatMessage } from '../../lib/conversations';
import { model } from '../../test/model-fixtures';
import { jsonFetch, renderWithApp } from '../../test/render';
import { CompareBoard } from './compare-board';

const Q = '01a1fd38-701a-743d-aec4-79b1a96ae800';
const A = '01a1fd38-701a-743d-aec4-79b1a96ae801';
const B = '01a1fd38-701a-743d-aec4-79b1a96ae802';
const C = '01a1fd38-701a-743d-aec4-79b1a96ae803';
const J = '01a1fd38-701a-743d-aec4-79b1a96ae804';

function column(id: string, overrides: Partial<CompareColumn> = {}): CompareColumn {
  return {
    id,
    model: 'ollama/llama3.2:latest',
    content: `answer ${id.slice(-1)}`,
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

const answers = [
  column(A, { content: 'Mercury' }),
  column(B, { model: 'ollama/qwen2.5:latest', content: 'Mercury, surely', index: 1 }),
  column(C, { model: 'openai/gpt-4o-mini', content: 'Venus', index: 2 }),
];

afterEach(cleanup);

describe('citationMarkdown', () => {
  it('links the markers of the answers judged, leaves invented ones and code as written', () => {
    expect(citationMarkdown('Mercury [A1] [A2], Venus [A3]; also [A4] and [A0]', 3)).toBe(
      'Mercury [A1](#lumina-answer-1) [A2](#lumina-answer-2), Venus [A3](#lumina-answer-3); also [A4] and [A0]',
    );
    expect(citationMarkdown('`[A1]` and\n```\n[A2]\n```\n[A2][A1]', 2)).toBe(
      '`[A1]` and\n```\n[A2]\n```\n[A2](#lumina-answer-2)[A1](#lumina-answer-1)',
    );
    // A link the model wrote itself is not rewritten.
    expect(citationMarkdown('[A1](https://example.org)', 3)).toBe('[A1](https://example.org)');
  });
});

describe('consensus columns', () => {
  it('reads a stored consensus as a column after the answers, not as an answer to judge again', () => {
    const stored = (id: string, metadata: Record<string, unknown>, m: string) =>
      ({
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
        model: m,
        finishReason: 'stop',
        usage: null,
        timings: null,
        hasSummary: false,
        metadata,
        createdAt: '2026-12-07T10:00:00.000Z',
        updatedAt: '2026-12-07T10:00:00.000Z',
      }) as ChatMessage;
    const columns = compareColumns(
      [
        stored(J, { consensus: { model: 'ollama/qwen', from: [A, B, C] } }, 'ollama/qwen'),
        stored(A, { compare: { model: 'a/1', index: 0 } }, 'a/1'),
        stored(B, { compare: { model: 'b/2', index: 1 } }, 'b/2'),
        stored(C, { compare: { model: 'c/3', index: 2 } }, 'c/3'),
      ],
      Q,
    );
    expect(columns.map((c) => c.id)).toEqual([A, B, C, J]);
    expect(columns[3]!.consensus).toEqual({ model: 'ollama/qwen', from: [A, B, C] });
    expect(mergeable(columns).map((c) => c.id)).toEqual([A, B, C]);
  });
});

describe('CompareBoard consensus', () => {
  const models = [model('ollama/llama3.2:latest'), model('ollama/qwen2.5:latest')];
  const render = (columns: CompareColumn[]) => {
    const handlers = { onContinue: vi.fn(), onMerge: vi.fn(), onConsensus: vi.fn(), onStop: vi.fn() };
    renderWithApp(
      <CompareBoard
        questionId={Q}
        columns={columns}
        activeId={A}
        models={models}
        busy={false}
        avatarName="Aria"
        {...handlers}
      />,
      { fetch: jsonFetch({}) },
    );
    return handlers;
  };

  it('asks a chosen judge about three finished answers, and not about two', async () => {
    const { onConsensus } = render(answers);
    await userEvent.click(screen.getByRole('button', { name: /Find consensus/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: /qwen2\.5/ }));
    expect(onConsensus).toHaveBeenCalledWith(Q, 'ollama/qwen2.5:latest', [A, B, C]);
    cleanup();
    render(answers.slice(0, 2));
    const button = screen.getByRole('button', { name: /Find consensus/ }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe('A consensus needs 3 finished answers');
  });

  it('links each point of disagreement to the answers it cites; an invented marker stays text', async () => {
    render([
      ...answers,
      column(J, {
        model: 'ollama/qwen2.5:latest',
        content:
          'Mercury.\n\n## Points of disagreement\n\n- Which planet: Mercury [A1] [A2], Venus [A3]; see also [A7]',
        consensus: { model: 'ollama/qwen2.5:latest', from: [A, B, C] },
        index: 6,
      }),
    ]);
    const judge = screen.getAllByTestId('compare-column')[3]!;
    expect(within(judge).getByRole('heading', { name: 'Consensus · qwen2.5:latest' })).toBeTruthy();
    expect(within(judge).getByText('Judged 3 answers:')).toBeTruthy();
    const chip = await within(judge).findByRole('button', { name: 'Answer A3, gpt-4o-mini' });
    expect(within(judge).getByRole('button', { name: 'Answer A1, llama3.2:latest' })).toBeTruthy();
    expect(within(judge).queryByRole('button', { name: /Answer A7/ })).toBeNull();
    expect(judge.textContent).toContain('see also [A7]');
    // The chip shows the cited answer: its tab on a phone, outlined on a wide screen.
    await userEvent.click(chip);
    const tabs = screen.getAllByRole('tab');
    expect(tabs[2]!.getAttribute('aria-selected')).toBe('true');
    const cited = screen.getAllByTestId('compare-column')[2]!;
    expect(cited.className).toContain('ring-accent');
    await waitFor(() => expect(document.activeElement).toBe(cited));
    // The consensus is not one of the answers a merge or another consensus reads.
    expect(screen.getByRole('region', { name: 'Answers from 3 models' })).toBeTruthy();
  });
});
