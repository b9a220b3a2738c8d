import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessagePart } from '../../lib/chat-stream';
import { MessageParts, partsToShow } from './message-parts';

const parts: MessagePart[] = [
  { type: 'reasoning', text: 'Look it up ' },
  { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Oslo' } },
  { type: 'reasoning', text: 'then answer.' },
  { type: 'tool-call', toolCallId: 't2', toolName: 'calendar', input: {} },
  { type: 'tool-result', toolCallId: 't1', toolName: 'weather', output: { sky: 'clear' }, isError: false },
  { type: 'text', text: 'Clear skies.' },
];

afterEach(cleanup);

describe('MessageParts', () => {
  it('pairs each tool call with its result and joins the reasoning', () => {
    const { reasoning, tools } = partsToShow(parts);
    expect(reasoning).toBe('Look it up then answer.');
    expect(tools.map((t) => [t.call.toolName, t.result?.output ?? null])).toEqual([
      ['weather', { sky: 'clear' }],
      ['calendar', null],
    ]);
  });

  it('folds the reasoning and each tool away, saying which tool is still running', () => {
    const { container } = render(<MessageParts parts={parts} writing />);
    const disclosures = [...container.querySelectorAll('details')];
    expect(disclosures).toHaveLength(3);
    expect(disclosures.every((d) => !d.open)).toBe(true);
    expect(screen.getByText('Reasoning…')).toBeTruthy();
    expect(disclosures[1]!.querySelector('summary')!.textContent).toContain('weatherdone');
    expect(disclosures[2]!.querySelector('summary')!.textContent).toContain('calendarrunning…');
    expect(disclosures[1]!.textContent).toContain('"sky": "clear"');
  });

  it('shows nothing for a message of text only', () => {
    const { container } = render(<MessageParts parts={[{ type: 'text', text: 'Hi' }]} writing={false} />);
    expect(container.innerHTML).toBe('');
  });
});
