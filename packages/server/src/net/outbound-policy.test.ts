import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { createOutboundPolicy, parseAllowList } from './outbound-policy.js';

describe('the outbound policy', () => {
  it('allows public addresses to everyone and private ones only to trusted callers', () => {
    const policy = createOutboundPolicy();
    expect(policy.allows('example.org', '93.184.215.14', 'untrusted')).toBe(true);
    expect(policy.allows('example.org', '2606:4700::1', 'untrusted')).toBe(true);
    for (const address of ['127.0.0.1', '10.0.0.1', '::1', 'fd00::1', '::ffff:192.168.1.1', '0.0.0.0']) {
      expect(policy.allows('x.test', address, 'untrusted'), address).toBe(false);
      expect(policy.allows('x.test', address, 'trusted'), address).toBe(true);
    }
  });

  it('refuses cloud metadata even to trusted callers, unless the allow-list names it', () => {
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', 'fd00:ec2::254']) {
      expect(createOutboundPolicy().allows('metadata.google.internal', address, 'trusted')).toBe(false);
    }
    expect(createOutboundPolicy(['169.254.169.254']).allows('m', '169.254.169.254', 'trusted')).toBe(true);
  });

  it('matches listed names, addresses and ranges, IPv4 inside mapped IPv6 included', () => {
    const policy = createOutboundPolicy(['ollama.internal', '10.0.0.0/8', 'fd12::/16', '192.168.1.5']);
    expect(policy.allows('OLLAMA.internal.', '172.16.0.9', 'untrusted')).toBe(true);
    expect(policy.allows('a.test', '10.200.0.1', 'untrusted')).toBe(true);
    expect(policy.allows('a.test', '::ffff:10.1.1.1', 'untrusted')).toBe(true);
    expect(policy.allows('a.test', 'fd12:1::1', 'untrusted')).toBe(true);
    expect(policy.allows('a.test', '192.168.1.5', 'untrusted')).toBe(true);
    expect(policy.allows('a.test', '192.168.1.6', 'untrusted')).toBe(false);
    expect(policy.allows('other.internal', '172.16.0.9', 'untrusted')).toBe(false);
  });

  it('answers a question asked again the same way, for each caller apart (answers are remembered)', () => {
    const policy = createOutboundPolicy(['ollama.internal']);
    for (let round = 0; round < 3; round++) {
      expect(policy.allows('localhost', '127.0.0.1', 'trusted')).toBe(true);
      expect(policy.allows('localhost', '127.0.0.1', 'untrusted')).toBe(false);
      expect(policy.allows('ollama.internal', '127.0.0.1', 'untrusted')).toBe(true);
      expect(policy.allows('meta.test', '169.254.169.254', 'trusted')).toBe(false);
    }
    // Past the bound the remembered answers start over, and stay right.
    for (let i = 0; i < 1100; i++) policy.allows(`h${i}.test`, `8.8.${i % 250}.${i % 200}`, 'untrusted');
    expect(policy.allows('localhost', '127.0.0.1', 'untrusted')).toBe(false);
    expect(policy.allows('localhost', '127.0.0.1', 'trusted')).toBe(true);
  });

  it('refuses a bad allow-list entry by name, at start-up', () => {
    for (const entry of ['10.0.0.0/33', '10.0.0.0/8/1', 'http://x', 'a b', '::1/129']) {
      expect(() => parseAllowList([entry]), entry).toThrow(entry);
    }
    expect(() => loadConfig({ LUMINA_OUTBOUND_ALLOW: '127.0.0.1,not a host' })).toThrow(ConfigError);
    expect(
      loadConfig({ LUMINA_OUTBOUND_ALLOW: ' 127.0.0.1 , 10.0.0.0/8,ollama.internal,' }).outbound.allow,
    ).toEqual(['127.0.0.1', '10.0.0.0/8', 'ollama.internal']);
  });
});
