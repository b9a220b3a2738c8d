import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveWords } from './call-view';

afterEach(cleanup);

describe('LiveWords', () => {
  it('shows the final words of the turn plainly and the recogniser’s guess after them, muted', () => {
    render(
      <p>
        <LiveWords heard="what time is it" partial="what time is it good" />
      </p>,
    );
    expect(screen.getByTestId('heard-transcript').textContent).toBe('what time is it');
    const guess = screen.getByTestId('partial-transcript');
    expect(guess.textContent).toBe('good');
    expect(guess.className).toContain('italic');
    expect(screen.getByText(/what time is it/).parentElement?.textContent).toBe('what time is it good');
  });

  it('a guess alone (no segment final yet) is all muted; final words alone show no guess', () => {
    const { rerender } = render(<LiveWords heard="" partial="what" />);
    expect(screen.queryByTestId('heard-transcript')).toBeNull();
    expect(screen.getByTestId('partial-transcript').textContent).toBe('what');
    rerender(<LiveWords heard="what time" partial="what time" />);
    expect(screen.getByTestId('heard-transcript').textContent).toBe('what time');
    expect(screen.queryByTestId('partial-transcript')).toBeNull();
  });
});
