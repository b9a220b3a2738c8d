import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CompareEstimate, formatCostRange, formatUsd, totalCostLabel } from '../../lib/compare-estimate';
import { model } from '../../test/model-fixtures';
import { renderWithApp } from '../../test/render';
import { CompareControl } from './compare-picker';

const CONVERSATION = '01a1fd38-701a-743d-aec4-79b1a96ae700';
const PRICES: Record<string, { minUsd: number; maxUsd: number }> = {
  'cloud/big': { minUsd: 0.004, maxUsd: 0.011 },
  'cloud/mid': { minUsd: 0.0012, maxUsd: 0.0031 },
};

/** A server that estimates from the models asked for; `hold` keeps the next answers waiting. */
function estimateServer() {
  const asked: { models: string[]; content: string; attachments?: string[] }[] = [];
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    expect(new URL(request.url).pathname).toBe(`/api/conversations/${CONVERSATION}/compare/estimate`);
    const body = (await request.json()) as { models: string[]; content: string; attachments?: string[] };
    asked.push(body);
    if (gate) await gate;
    const models = body.models.map((id) => ({
      model: id,
      local: id.startsWith('ollama/'),
      promptTokens: 1000,
      maxOutputTokens: 1024,
      price: null,
      costUsd: id.startsWith('ollama/') ? { minUsd: 0, maxUsd: 0 } : (PRICES[id] ?? null),
    }));
    const known = models.flatMap((m) => (m.costUsd ? [m.costUsd] : []));
    const estimate: CompareEstimate = {
      models,
      totalUsd: known.length
        ? {
            minUsd: known.reduce((s, c) => s + c.minUsd, 0),
            maxUsd: known.reduce((s, c) => s + c.maxUsd, 0),
          }
        : null,
      unpriced: models.filter((m) => m.costUsd === null).map((m) => m.model),
    };
    return new Response(JSON.stringify(estimate), {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-test' },
    });
  });
  return {
    fetch,
    asked,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release() {
      gate = null;
      release?.();
    },
  };
}

const models = [
  model('ollama/a'),
  model('ollama/b'),
  model('cloud/big'),
  model('cloud/mid'),
  model('cloud/odd'),
];

async function openPicker(
  server: ReturnType<typeof estimateServer>,
  content = 'How do rings form?',
  attachments: string[] = [],
) {
  renderWithApp(
    <CompareControl
      models={models}
      chosen={[]}
      onChange={() => {}}
      disabled={false}
      conversationId={CONVERSATION}
      content={content}
      attachments={attachments}
    />,
    { fetch: server.fetch },
  );
  await userEvent.click(screen.getByRole('button', { name: 'Compare' }));
  return screen.findByRole('dialog');
}

const row = (dialog: HTMLElement, name: string) =>
  within(dialog).getByText(name, { selector: 'span' }).closest('label') as HTMLElement;

afterEach(cleanup);

describe('compare picker cost estimate', () => {
  it('shows the total and each chosen cloud model’s range, and follows the choice', async () => {
    const server = estimateServer();
    const dialog = await openPicker(server);
    await userEvent.click(within(row(dialog, 'a')).getByRole('checkbox'));
    await userEvent.click(within(row(dialog, 'big')).getByRole('checkbox'));
    expect(await within(dialog).findByText('≈ $0.004 – $0.011', { selector: '.font-medium' })).toBeTruthy();
    expect(within(row(dialog, 'big')).getByText('≈ $0.004 – $0.011')).toBeTruthy();
    // A local model's row says nothing about cost.
    expect(within(row(dialog, 'a')).queryByTestId('model-cost')).toBeNull();
    expect(server.asked.at(-1)).toEqual({ models: ['ollama/a', 'cloud/big'], content: 'How do rings form?' });

    await userEvent.click(within(row(dialog, 'mid')).getByRole('checkbox'));
    await userEvent.click(within(row(dialog, 'odd')).getByRole('checkbox'));
    expect(
      await within(dialog).findByText('≈ $0.0052 – $0.014 + 1 model with unknown price', {
        selector: '.font-medium',
      }),
    ).toBeTruthy();
    expect(within(row(dialog, 'mid')).getByText('≈ $0.0012 – $0.0031')).toBeTruthy();
    expect(within(row(dialog, 'odd')).getByText('price unknown')).toBeTruthy();
    expect(server.asked.at(-1)!.models).toEqual(['ollama/a', 'cloud/big', 'cloud/mid', 'cloud/odd']);
  });

  it('shows a loading state without blocking the choice, and nothing for local models only', async () => {
    const server = estimateServer();
    server.hold();
    const dialog = await openPicker(server);
    await userEvent.click(within(row(dialog, 'a')).getByRole('checkbox'));
    await userEvent.click(within(row(dialog, 'big')).getByRole('checkbox'));
    expect(await within(dialog).findByText('Estimating cost…')).toBeTruthy();
    const confirm = within(dialog).getByRole('button', { name: 'Compare 2 models' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(false);
    server.release();
    expect(await within(dialog).findByText('≈ $0.004 – $0.011', { selector: '.font-medium' })).toBeTruthy();

    // Only local models: the estimate goes away and is not asked for.
    await userEvent.click(within(row(dialog, 'big')).getByRole('checkbox'));
    await userEvent.click(within(row(dialog, 'b')).getByRole('checkbox'));
    const calls = server.fetch.mock.calls.length;
    await waitFor(() => expect(within(dialog).queryByText(/Estimated cost/)).toBeNull());
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(server.fetch.mock.calls.length).toBe(calls);
    expect(within(dialog).queryByText(/Estimat/)).toBeNull();
  });
});

it('sends the draft’s attachments with the estimate', async () => {
  const server = estimateServer();
  const file = '01a1fd38-701a-743d-aec4-79b1a96ae799';
  const dialog = await openPicker(server, '', [file]);
  await userEvent.click(within(row(dialog, 'big')).getByRole('checkbox'));
  await userEvent.click(within(row(dialog, 'mid')).getByRole('checkbox'));
  await waitFor(() =>
    expect(server.asked.at(-1)).toEqual({
      models: ['cloud/big', 'cloud/mid'],
      content: '',
      attachments: [file],
    }),
  );
});

describe('cost labels', () => {
  it('rounds to two significant digits below a dollar', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.00004)).toBe('< $0.0001');
    expect(formatUsd(0.00431)).toBe('$0.0043');
    expect(formatUsd(0.0114)).toBe('$0.011');
    expect(formatUsd(2.5)).toBe('$2.50');
    expect(formatCostRange({ minUsd: 0.004, maxUsd: 0.004 })).toBe('≈ $0.004');
  });

  it('says nothing for an all-local choice and names unknown prices', () => {
    const local = { model: 'ollama/a', local: true, promptTokens: 1, maxOutputTokens: 1, price: null };
    expect(
      totalCostLabel({
        models: [{ ...local, costUsd: { minUsd: 0, maxUsd: 0 } }],
        totalUsd: null,
        unpriced: [],
      }),
    ).toBeNull();
    expect(
      totalCostLabel({
        models: [{ ...local, model: 'c/x', local: false, costUsd: null }],
        totalUsd: null,
        unpriced: ['c/x'],
      }),
    ).toBe('Price unknown');
  });
});
