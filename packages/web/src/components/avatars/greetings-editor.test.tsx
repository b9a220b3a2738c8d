import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { AlternateGreetings } from './greetings-editor';

describe('AlternateGreetings preview', () => {
  afterEach(cleanup);

  it('previews each greeting as Markdown, without running HTML or loading pictures', async () => {
    const values = [
      '*waves* Hello **there**.\n\n- one\n- two',
      '<img src=x onerror="alert(1)"><script>alert(2)</script> ![pic](https://example.org/p.png)',
    ];
    const { container } = render(<AlternateGreetings values={values} onChange={() => {}} readOnly={false} />);
    const previews = container.querySelectorAll('details');
    expect(previews).toHaveLength(2);
    // Closed while editing; a click on "Preview" opens it.
    expect(previews[0]?.open).toBe(false);
    fireEvent.click(screen.getAllByText('Preview')[0]!);

    await waitFor(() => expect(previews[0]?.querySelector('strong')?.textContent).toBe('there'));
    expect(previews[0]?.querySelector('em')?.textContent).toBe('waves');
    expect(previews[0]?.querySelectorAll('li')).toHaveLength(2);
    expect(previews[0]?.textContent).not.toContain('**');

    await waitFor(() => expect(previews[1]?.querySelector('.md')).not.toBeNull());
    expect(previews[1]?.querySelector('img, script')).toBeNull();
    expect(previews[1]?.querySelector('[onerror]')).toBeNull();
  });

  it('shows no preview for an empty greeting, and opens them when read only', () => {
    const { container, rerender } = render(
      <AlternateGreetings values={['', 'Hi']} onChange={() => {}} readOnly={false} />,
    );
    expect(container.querySelectorAll('details')).toHaveLength(1);
    rerender(<AlternateGreetings values={['Hi']} onChange={() => {}} readOnly />);
    expect(container.querySelector('details')?.open).toBe(true);
  });
});
