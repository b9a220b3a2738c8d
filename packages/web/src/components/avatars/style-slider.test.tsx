import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { poleText, STYLE_SLIDERS } from '../../lib/avatars';
import { StyleSlider } from './style-slider';

function Controlled({ initial = 45 }: { initial?: number }) {
  const [value, setValue] = useState(initial);
  return <StyleSlider label="Formality" low="casual" high="formal" value={value} onChange={setValue} />;
}

describe('StyleSlider', () => {
  afterEach(cleanup);

  it('writes its two poles under the ends and names the thumb after its label', () => {
    render(<Controlled />);
    expect(screen.getByTestId('pole-low').textContent).toBe('Casual');
    expect(screen.getByTestId('pole-high').textContent).toBe('Formal');
    const slider = screen.getByRole('slider', { name: 'Formality' });
    expect(slider.getAttribute('aria-valuenow')).toBe('45');
    expect(slider.getAttribute('aria-valuetext')).toBe('45, balanced');
    expect(screen.getByText('45 · balanced')).toBeTruthy();
  });

  it('moves with the arrow keys and says which pole it leans to', () => {
    render(<Controlled initial={79} />);
    const slider = screen.getByRole('slider', { name: 'Formality' });
    expect(slider.getAttribute('aria-valuetext')).toBe('79, formal');
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    expect(slider.getAttribute('aria-valuenow')).toBe('80');
    expect(slider.getAttribute('aria-valuetext')).toBe('80, very formal');
    fireEvent.keyDown(slider, { key: 'Home' });
    expect(slider.getAttribute('aria-valuetext')).toBe('0, very casual');
  });

  it('is read-only when disabled', () => {
    render(
      <StyleSlider label="Humor" low="serious" high="playful" value={30} onChange={() => {}} disabled />,
    );
    const slider = screen.getByRole('slider', { name: 'Humor' });
    expect(slider.getAttribute('data-disabled')).not.toBeNull();
  });
});

describe('poleText and the built-in sliders', () => {
  it('uses the prompt compiler’s five bands', () => {
    expect([0, 19, 20, 39, 40, 59, 60, 79, 80, 100].map((v) => poleText(v, 'brief', 'detailed'))).toEqual([
      'very brief',
      'very brief',
      'brief',
      'brief',
      'balanced',
      'balanced',
      'detailed',
      'detailed',
      'very detailed',
      'very detailed',
    ]);
  });

  it('labels every built-in slider with a low and a high pole', () => {
    expect(STYLE_SLIDERS.map((s) => `${s.label}: ${s.low} ↔ ${s.high}`)).toEqual([
      'Formality: casual ↔ formal',
      'Verbosity: brief ↔ detailed',
      'Warmth: detached ↔ warm',
      'Humor: serious ↔ playful',
      'Directness: diplomatic ↔ blunt',
      'Curiosity: incurious ↔ inquisitive',
    ]);
  });

  it('falls back to “low”/“high” for a custom slider without pole words', () => {
    expect(poleText(5, ' ', '')).toBe('very low');
    expect(poleText(95, '', '')).toBe('very high');
  });
});
