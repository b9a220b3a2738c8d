import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useChatShortcuts } from '../../lib/chat-shortcuts';
import { Composer } from './composer';

function Harness({ streaming = false, onSend = vi.fn(), onStop = vi.fn(), onSearch = vi.fn() }) {
  const [value, setValue] = useState('');
  useChatShortcuts({ onSearch, onStop, streaming });
  return (
    <Composer
      value={value}
      onChange={setValue}
      onSend={() => onSend(value)}
      onStop={onStop}
      streaming={streaming}
      placeholder="Message Lumina…"
    />
  );
}

describe('Composer keyboard', () => {
  afterEach(cleanup);

  it('Enter sends the text; Shift+Enter does not', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Hello' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('Hello');
  });

  it('does not send empty or blank text', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: '   ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('while a reply streams: a Stop button, and Escape stops (once, from the box or the page)', () => {
    const onStop = vi.fn();
    const onSend = vi.fn();
    render(<Harness streaming onStop={onStop} onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Next question' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(onStop).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(onStop).toHaveBeenCalledTimes(2);
    fireEvent.click(screen.getByRole('button', { name: 'Stop the reply' }));
    expect(onStop).toHaveBeenCalledTimes(3);
  });

  it('Ctrl+K anywhere asks for the search box', () => {
    const onSearch = vi.fn();
    render(<Harness onSearch={onSearch} />);
    fireEvent.keyDown(document.body, { key: 'k', ctrlKey: true });
    expect(onSearch).toHaveBeenCalledTimes(1);
  });
});
