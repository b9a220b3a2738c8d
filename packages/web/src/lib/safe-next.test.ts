import { describe, expect, it } from 'vitest';
import { loginPathFor, safeNextPath } from './safe-next';

describe('safeNextPath', () => {
  it('keeps a path on this site, with its query and hash', () => {
    expect(safeNextPath('/settings/tokens')).toBe('/settings/tokens');
    expect(safeNextPath('/admin/users?q=ada#top')).toBe('/admin/users?q=ada#top');
  });

  it.each([
    ['an absolute URL', 'https://evil.example/phish'],
    ['a protocol-relative URL', '//evil.example'],
    ['a backslash that browsers read as a slash', '/\\evil.example'],
    ['an encoded backslash in the middle', '/\\/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path without a slash', 'settings'],
    ['a tab inside the host part', '/\t/evil.example'],
    ['a newline', '/ok\n//evil.example'],
    ['nothing', ''],
    ['null', null],
  ])('refuses %s', (_label, next) => {
    expect(safeNextPath(next)).toBe('/');
  });

  it('does not return to the sign-in pages (no loop)', () => {
    expect(safeNextPath('/login')).toBe('/');
    expect(safeNextPath('/signup?next=/x')).toBe('/');
  });

  it('uses the given fallback', () => {
    expect(safeNextPath('//evil.example', '/home')).toBe('/home');
  });
});

describe('loginPathFor', () => {
  it('remembers where the person was going', () => {
    expect(loginPathFor({ pathname: '/settings/sessions', search: '?a=1' })).toBe(
      '/login?next=%2Fsettings%2Fsessions%3Fa%3D1',
    );
  });

  it('leaves out "next" for the home page', () => {
    expect(loginPathFor({ pathname: '/', search: '' })).toBe('/login');
  });
});
