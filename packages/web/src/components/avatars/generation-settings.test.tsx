import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GenerationSettings } from '../../lib/generation-presets';
import { GenerationFields } from './generation-settings';

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
