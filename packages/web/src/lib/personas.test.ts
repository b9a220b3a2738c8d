import { describe, expect, it } from 'vitest';
import { conversationPersona, personaPictureUrl } from './personas';

const knight = { id: 'k', name: 'Sir Lancelot', description: '', imageId: 'f1' };
const vale = { id: 'v', name: 'Detective Vale', description: '', imageId: null };

describe('conversationPersona: whom a conversation speaks as, as the server decides', () => {
  it('is the conversation’s choice, else the default, else the account (null)', () => {
    expect(conversationPersona('k', [knight, vale], 'v')).toBe(knight);
    expect(conversationPersona(null, [knight, vale], 'v')).toBe(vale);
    expect(conversationPersona(undefined, [knight, vale], null)).toBeNull();
  });
  it('falls back to the default for a deleted persona, and `account` is the account', () => {
    expect(conversationPersona('gone', [knight, vale], 'v')).toBe(vale);
    expect(conversationPersona('account', [knight, vale], 'v')).toBeNull();
  });
  it('serves a picture only when the persona has one, versioned by its file', () => {
    expect(personaPictureUrl(knight)).toBe('/api/settings/personas/k/picture?v=f1');
    expect(personaPictureUrl(vale)).toBeNull();
  });
});
