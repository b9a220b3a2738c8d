import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GenerationSettings } from '../../lib/generation-presets';
import { model } from '../../test/model-fixtures';
import { fakeApi, renderWithApp } from '../../test/render';
import { AvatarGenerationSettings, GenerationFields } from './generation-settings';

describe('GenerationFields', () => {
  afterEach(cleanup);

  it('shows only the settings the model takes', () => {
    render(<GenerationFields settings={{}} supported={['temperature', 'maxTokens']} onChange={() => {}} />);
    expect(screen.getByTestId('setting-temperature')).toBeTruthy();
    expect(screen.getByTestId('setting-maxTokens')).toBeTruthy();
    expect(screen.queryByTestId('setting-topK')).toBeNull();
    expect(screen.queryByTestId('setting-minP')).toBeNull();
    expect(screen.queryByText('Stop strings')).toBeNull();
  });

  it('shows every setting when the model is not known', () => {
    render(<GenerationFields settings={{}} supported={null} onChange={() => {}} />);
    for (const key of ['temperature', 'topP', 'topK', 'minP', 'repetitionPenalty', 'seed'])
      expect(screen.getByTestId(`setting-${key}`)).toBeTruthy();
    expect(screen.getByText('Stop strings')).toBeTruthy();
  });

  it('resets a field to the default, and says what applies when unset', () => {
    const onChange = vi.fn<(settings: GenerationSettings) => void>();
    const { rerender } = render(
      <GenerationFields
        settings={{ temperature: 0.7, seed: 5 }}
        inherited={{ topP: 0.9 }}
        supported={['temperature', 'topP', 'seed']}
        onChange={onChange}
      />,
    );
    expect(screen.getByTestId('setting-topP').textContent).toContain('0.9 (inherited)');
    fireEvent.click(screen.getByRole('button', { name: 'Reset Temperature to default' }));
    expect(onChange).toHaveBeenLastCalledWith({ seed: 5 });
    expect(screen.queryByRole('button', { name: 'Reset Top-p to default' })).toBeNull();

    const seed = screen.getByRole('spinbutton');
    fireEvent.change(seed, { target: { value: '42' } });
    expect(onChange).toHaveBeenLastCalledWith({ temperature: 0.7, seed: 42 });
    fireEvent.change(seed, { target: { value: '1.5' } });
    expect(onChange).toHaveBeenCalledTimes(2); // not an integer: not taken
    fireEvent.change(seed, { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({ temperature: 0.7 });

    rerender(<GenerationFields settings={{}} supported={['temperature']} readOnly onChange={onChange} />);
    expect(screen.getByTestId('setting-temperature').textContent).toContain('Default');
    expect(screen.queryByRole('button', { name: /Reset/ })).toBeNull();
  });
});

describe('Save as preset', () => {
  afterEach(cleanup);

  it('makes the values in effect a new preset, which the avatar then uses', async () => {
    const stamp = '2026-01-02T00:00:00.000Z';
    const base = {
      id: '0199a1b2-0000-7000-8000-00000000a001',
      name: 'Calm',
      settings: { topP: 0.8 },
      createdAt: stamp,
      updatedAt: stamp,
    };
    const api = fakeApi({
      'GET /api/presets': () => ({ presets: [base] }),
      'GET /api/models': () => ({ models: [model('ollama/llama3.2')], defaultModel: null }),
      'POST /api/presets': async (request) => {
        const body = (await request.json()) as { name: string; settings: object };
        const preset = {
          id: '0199a1b2-0000-7000-8000-00000000a002',
          ...body,
          createdAt: stamp,
          updatedAt: stamp,
        };
        return new Response(JSON.stringify({ preset }), { status: 201 });
      },
    });
    const onChange = vi.fn();
    renderWithApp(
      <AvatarGenerationSettings
        generation={{ presetId: base.id, settings: { temperature: 1.1 } }}
        modelId={null}
        readOnly={false}
        onChange={onChange}
      />,
      { fetch: api.fetch },
    );
    await screen.findByRole('option', { name: 'Calm' });
    fireEvent.click(screen.getByRole('button', { name: 'Save as preset' }));
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Lively' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save preset' }));
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
        name: 'Lively',
        settings: { topP: 0.8, temperature: 1.1 },
      }),
    );
    await waitFor(() =>
      expect(onChange).toHaveBeenLastCalledWith({
        presetId: '0199a1b2-0000-7000-8000-00000000a002',
        settings: {},
      }),
    );
  });

  it('is off while nothing is set', async () => {
    const api = fakeApi({
      'GET /api/presets': () => ({ presets: [] }),
      'GET /api/models': () => ({ models: [], defaultModel: null }),
    });
    renderWithApp(
      <AvatarGenerationSettings
        generation={{ presetId: null, settings: {} }}
        modelId={null}
        readOnly={false}
        onChange={() => {}}
      />,
      { fetch: api.fetch },
    );
    expect((screen.getByRole('button', { name: 'Save as preset' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
