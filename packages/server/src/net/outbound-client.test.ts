import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient, type HostLookup, type OutboundClient } from './outbound-client.js';

/** A local server whose answer each test scripts; it records what reached it. */
class ScriptedServer {
  readonly seen: { path: string; headers: IncomingHttpHeaders; clientPort: number }[] = [];
  answer: (path: string, res: ServerResponse) => void = (_path, res) => res.end('ok');
  private readonly server = http.createServer((req, res) => {
    this.seen.push({ path: req.url ?? '/', headers: req.headers, clientPort: req.socket.remotePort ?? 0 });
    this.answer(req.url ?? '/', res);
  });
  port = 0;
  async listen() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  close() {
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Names that resolve as the test says, counting every lookup. */
function fakeDns(answers: Record<string, string[] | (() => string[])>) {
  const calls: string[] = [];
  const lookup: HostLookup = async (hostname) => {
    calls.push(hostname);
    const entry = answers[hostname];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, calls };
}

/** Reads a Node-stream body to its end as text. */
async function readAll(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) text += String(chunk);
  return text;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: { code?: string; message: string }) => error,
  );

describe('the guarded outbound client', () => {
  let server: ScriptedServer;
  let other: ScriptedServer;
  const clients: OutboundClient[] = [];
  const client = (options: Parameters<typeof createOutboundClient>[0]) => {
    const made = createOutboundClient(options);
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    [server, other] = await Promise.all([new ScriptedServer().listen(), new ScriptedServer().listen()]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    server.answer = (_path, res) => res.end('ok');
    server.seen.length = 0;
    other.seen.length = 0;
  });
  afterAll(async () => {
    await Promise.all([server.close(), other.close()]);
  });

  it('refuses loopback for an ordinary user with one error whatever the port, before connecting', async () => {
    const fetch = client({}).fetch('untrusted');
    const closedPort = await new ScriptedServer().listen().then(async (s) => {
      await s.close();
      return s.port;
    });
    const open = await failure(fetch(`http://127.0.0.1:${server.port}/`));
    const closed = await failure(fetch(`http://127.0.0.1:${closedPort}/`));
    const fetchBadPort = await failure(fetch('http://127.0.0.1:1/')); // on fetch's own "bad port" list
    expect(open).toMatchObject({ code: 'outbound_address_blocked' });
    expect(closed).toMatchObject({ code: 'outbound_address_blocked', message: open.message });
    expect(fetchBadPort).toMatchObject({ code: 'outbound_address_blocked', message: open.message });
    expect(server.seen).toHaveLength(0);
  });

  it.each(['2130706433', '0177.0.0.1', '0x7f.1', '127.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]'])(
    'refuses the odd loopback spelling %s',
    async (host) => {
      const error = await failure(client({}).fetch('untrusted')(`http://${host}:${server.port}/`));
      expect(error).toMatchObject({ code: 'outbound_address_blocked' });
      expect(server.seen).toHaveLength(0);
    },
  );

  it('lets the operator (trusted) reach loopback, but never a metadata address', async () => {
    const outbound = client({ lookup: fakeDns({ 'metadata.google.internal': ['169.254.169.254'] }).lookup });
    const response = await outbound.fetch('trusted')(`http://127.0.0.1:${server.port}/hello`);
    expect(await response.text()).toBe('ok');
    const metadata = await failure(
      outbound.fetch('trusted')('http://metadata.google.internal/computeMetadata/v1/'),
    );
    expect(metadata).toMatchObject({ code: 'outbound_address_blocked' });
  });

  it('reuses kept-alive connections for calls in a row (model calls), never across trust', async () => {
    const outbound = client({ allow: ['127.0.0.1'] });
    const url = `http://127.0.0.1:${server.port}/v1/chat`;
    const trusts = [
      'trusted',
      'trusted',
      'trusted',
      'trusted',
      'untrusted',
      'untrusted',
      'untrusted',
      'untrusted',
    ];
    for (const trust of trusts as ('trusted' | 'untrusted')[]) {
      const response = await outbound.fetch(trust)(url, { method: 'POST', body: '{}' });
      expect(await response.text()).toBe('ok');
    }
    // undici may open a second connection while the first is being released; never one per call.
    const ports = server.seen.map((request) => request.clientPort);
    const trusted = new Set(ports.slice(0, 4));
    const untrusted = new Set(ports.slice(4));
    expect(trusted.size).toBeLessThan(4);
    expect(untrusted.size).toBeLessThan(4);
    expect([...untrusted].filter((port) => trusted.has(port))).toEqual([]);
  });

  it('refuses a name that resolves to a private address (and one with any private address among others)', async () => {
    const dns = fakeDns({ 'inside.test': ['10.0.0.7'], 'mixed.test': ['93.184.215.14', '127.0.0.1'] });
    const fetch = client({ lookup: dns.lookup }).fetch('untrusted');
    expect(await failure(fetch('http://inside.test/'))).toMatchObject({ code: 'outbound_address_blocked' });
    expect(await failure(fetch(`http://mixed.test:${server.port}/`))).toMatchObject({
      code: 'outbound_address_blocked',
    });
    expect(server.seen).toHaveLength(0);
  });

  it('refuses when the name points elsewhere by the time it connects (DNS rebinding)', async () => {
    // The request's first look at the name sees an allowed address; the connection's look a blocked one.
    let answers = 0;
    const dns = fakeDns({ 'rebind.test': () => (answers++ === 0 ? ['127.0.0.1'] : ['10.0.0.1']) });
    const fetch = client({ lookup: dns.lookup, allow: ['127.0.0.1'] }).fetch('untrusted');
    expect(await failure(fetch(`http://rebind.test:${server.port}/`))).toMatchObject({
      code: 'outbound_address_blocked',
    });
    expect(server.seen).toHaveLength(0);
  });

  it('connects to the address it checked, never to a later DNS answer', async () => {
    // Two looks (the request's and the connection's) see an allowed address; any later one would not.
    let answers = 0;
    const dns = fakeDns({ 'pinned.test': () => (answers++ < 2 ? ['127.0.0.1'] : ['10.0.0.1']) });
    const outbound = client({ lookup: dns.lookup, allow: ['127.0.0.1'] });
    const response = await outbound.fetch('untrusted')(`http://pinned.test:${server.port}/pinned`);
    expect(await response.text()).toBe('ok');
    expect(server.seen.map((s) => s.path)).toEqual(['/pinned']);
    expect(server.seen[0]!.headers.host).toBe(`pinned.test:${server.port}`);
    expect(dns.calls).toEqual(['pinned.test', 'pinned.test']);
  });

  it('opens what LUMINA_OUTBOUND_ALLOW lists: addresses, ranges and names', async () => {
    const dns = fakeDns({ 'ollama.internal': ['127.0.0.1'] });
    for (const allow of [['127.0.0.1'], ['127.0.0.0/8'], ['::ffff:127.0.0.0/104'], ['ollama.internal']]) {
      const fetch = client({ lookup: dns.lookup, allow }).fetch('untrusted');
      const host = allow[0] === 'ollama.internal' ? 'ollama.internal' : '127.0.0.1';
      expect(await (await fetch(`http://${host}:${server.port}/`)).text()).toBe('ok');
    }
  });

  it('checks every redirect hop and refuses one that leads to a private address', async () => {
    const dns = fakeDns({ 'public.test': ['127.0.0.1'] });
    server.answer = (path, res) => {
      if (path === '/start') res.writeHead(302, { location: `http://127.0.0.1:${other.port}/secret` }).end();
      else res.end('ok');
    };
    const fetch = client({ lookup: dns.lookup, allow: ['public.test'] }).fetch('untrusted');
    expect(await failure(fetch(`http://public.test:${server.port}/start`))).toMatchObject({
      code: 'outbound_address_blocked',
    });
    expect(other.seen).toHaveLength(0);
  });

  it('never sends credentials to another origin on a redirect, and keeps them on the same origin', async () => {
    const dns = fakeDns({ 'api.test': ['127.0.0.1'], 'elsewhere.test': ['127.0.0.1'] });
    server.answer = (path, res) => {
      if (path === '/models') res.writeHead(307, { location: '/v2/models' }).end();
      else if (path === '/v2/models')
        res.writeHead(302, { location: `http://elsewhere.test:${other.port}/collect` }).end();
      else res.end('ok');
    };
    const fetch = client({ lookup: dns.lookup, allow: ['api.test', 'elsewhere.test'] }).fetch('untrusted');
    const response = await fetch(`http://api.test:${server.port}/models`, {
      headers: { authorization: 'Bearer sk-secret', 'x-api-key': 'sk-secret', accept: 'application/json' },
    });
    expect(await response.text()).toBe('ok');
    expect(server.seen.map((s) => s.headers.authorization)).toEqual(['Bearer sk-secret', 'Bearer sk-secret']);
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0]!.headers).not.toHaveProperty('authorization');
    expect(other.seen[0]!.headers).not.toHaveProperty('x-api-key');
    expect(other.seen[0]!.headers.accept).toBe('application/json');
  });

  it('does not follow redirects past the limit, nor for POST', async () => {
    server.answer = (path, res) => res.writeHead(302, { location: `${path}x` }).end();
    const fetch = client({ allow: ['127.0.0.1'] }).fetch('untrusted', { maxRedirects: 2 });
    expect((await fetch(`http://127.0.0.1:${server.port}/a`)).status).toBe(302);
    expect(server.seen.map((s) => s.path)).toEqual(['/a', '/ax', '/axx']);
    server.seen.length = 0;
    expect((await fetch(`http://127.0.0.1:${server.port}/p`, { method: 'POST', body: '{}' })).status).toBe(
      302,
    );
    expect(server.seen).toHaveLength(1);
  });

  it('caps the response size, declared or not', async () => {
    const big = 'x'.repeat(64 * 1024);
    const fetch = client({ allow: ['127.0.0.1'] }).fetch('untrusted', { maxResponseBytes: 1000 });
    server.answer = (_path, res) => res.writeHead(200, { 'content-length': big.length }).end(big);
    expect(await failure(fetch(`http://127.0.0.1:${server.port}/declared`))).toMatchObject({
      code: 'outbound_response_too_large',
    });
    server.answer = (_path, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.write(big);
      res.end(big);
    };
    const response = await fetch(`http://127.0.0.1:${server.port}/chunked`);
    expect(await failure(response.text())).toMatchObject({ code: 'outbound_response_too_large' });
  });

  it('fails a stream whose line grows past the cap, while it is still arriving', async () => {
    let stop = false;
    server.answer = (_path, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"ok":true}\n');
      // One endless line: the client must give up on its own, the server never ends it.
      const more = () => {
        if (stop || res.destroyed) return;
        res.write('y'.repeat(16 * 1024), () => setImmediate(more));
      };
      more();
    };
    const fetch = client({ allow: ['127.0.0.1'] }).fetch('untrusted', { maxLineBytes: 256 * 1024 });
    const response = await fetch(`http://127.0.0.1:${server.port}/stream`);
    const error = await failure(response.text());
    stop = true;
    expect(error).toMatchObject({ code: 'outbound_line_too_long' });
  });

  it('refuses a URL it cannot or must not fetch', async () => {
    const fetch = client({}).fetch('trusted');
    expect(await failure(fetch('file:///etc/passwd'))).toMatchObject({ code: 'outbound_url_refused' });
    expect(await failure(fetch('http://user:pass@example.org/'))).toMatchObject({
      code: 'outbound_url_refused',
    });
  });

  it('checks a URL before it is saved', async () => {
    const dns = fakeDns({ 'inside.test': ['192.168.0.10'] });
    const outbound = client({ lookup: dns.lookup });
    await expect(outbound.assertAllowed('http://inside.test:11434', 'untrusted')).rejects.toMatchObject({
      code: 'outbound_address_blocked',
    });
    await expect(outbound.assertAllowed('http://[::ffff:7f00:1]/', 'untrusted')).rejects.toMatchObject({
      code: 'outbound_address_blocked',
    });
    await expect(outbound.assertAllowed('http://inside.test:11434', 'trusted')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://unknown.test/', 'untrusted')).resolves.toBeUndefined();
  });

  describe('request(): Node-stream bodies through the same guard', () => {
    it('refuses loopback for an ordinary user before connecting, and lets the operator reach it', async () => {
      const outbound = client({});
      const refused = await failure(
        outbound.request('untrusted')(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: '{}' }),
      );
      expect(refused).toMatchObject({ code: 'outbound_address_blocked' });
      expect(server.seen).toHaveLength(0);
      const response = await outbound.request('trusted')(`http://127.0.0.1:${server.port}/hello`);
      expect(response.status).toBe(200);
      expect(await readAll(response.body)).toBe('ok');
    });

    it('checks the address again when it connects (DNS rebinding)', async () => {
      let answers = 0;
      const dns = fakeDns({ 'rebind.test': () => (answers++ === 0 ? ['127.0.0.1'] : ['10.0.0.1']) });
      const request = client({ lookup: dns.lookup, allow: ['127.0.0.1'] }).request('untrusted');
      expect(await failure(request(`http://rebind.test:${server.port}/`))).toMatchObject({
        code: 'outbound_address_blocked',
      });
      expect(server.seen).toHaveLength(0);
    });

    it('shares the kept-alive pools of fetch, never across trust', async () => {
      const outbound = client({ allow: ['127.0.0.1'] });
      const url = `http://127.0.0.1:${server.port}/v1/chat`;
      for (const trust of ['trusted', 'trusted', 'trusted', 'untrusted', 'untrusted', 'untrusted'] as const) {
        const response = await outbound.request(trust)(url, { method: 'POST', body: '{}' });
        expect(await readAll(response.body)).toBe('ok');
      }
      await (await outbound.fetch('trusted')(url, { method: 'POST', body: '{}' })).text();
      const ports = server.seen.map((request) => request.clientPort);
      const trusted = new Set([...ports.slice(0, 3), ports[6]!]);
      const untrusted = new Set(ports.slice(3, 6));
      expect(trusted.size).toBeLessThan(4);
      expect(untrusted.size).toBeLessThan(3);
      expect([...untrusted].filter((port) => trusted.has(port))).toEqual([]);
    });

    it('follows no redirect', async () => {
      server.answer = (path, res) => res.writeHead(302, { location: `${path}x` }).end();
      const request = client({ allow: ['127.0.0.1'] }).request('untrusted');
      for (const method of ['GET', 'POST'] as const) {
        const response = await request(`http://127.0.0.1:${server.port}/p`, { method });
        expect(response.status).toBe(302);
        await readAll(response.body);
      }
      expect(server.seen.map((s) => s.path)).toEqual(['/p', '/p']);
    });

    it('caps the body size, declared or counted, failing the stream with the same codes as fetch', async () => {
      const big = 'x'.repeat(64 * 1024);
      const request = client({ allow: ['127.0.0.1'] }).request('untrusted', { maxResponseBytes: 1000 });
      server.answer = (_path, res) => res.writeHead(200, { 'content-length': big.length }).end(big);
      expect(await failure(request(`http://127.0.0.1:${server.port}/declared`))).toMatchObject({
        code: 'outbound_response_too_large',
      });
      server.answer = (_path, res) => {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.write(big);
        res.end(big);
      };
      const response = await request(`http://127.0.0.1:${server.port}/chunked`);
      expect(await failure(readAll(response.body))).toMatchObject({ code: 'outbound_response_too_large' });
    });

    it('fails a stream whose line grows past the cap while it arrives, and closes the connection', async () => {
      let sent = 0;
      let closed!: Promise<void>;
      server.answer = (_path, res) => {
        closed = new Promise((resolve) => res.on('close', () => resolve()));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"ok":true}\n\n');
        // One endless line: the client must give up on its own, the server never ends it.
        const more = () => {
          if (res.destroyed) return;
          sent += 16 * 1024;
          res.write('y'.repeat(16 * 1024), () => setImmediate(more));
        };
        more();
      };
      const request = client({ allow: ['127.0.0.1'] }).request('untrusted', { maxLineBytes: 256 * 1024 });
      const response = await request(`http://127.0.0.1:${server.port}/stream`, { method: 'POST' });
      expect(await failure(readAll(response.body))).toMatchObject({ code: 'outbound_line_too_long' });
      await closed;
      expect(sent).toBeLessThan(8 * 1024 * 1024);
    });

    it('ends a call past its timeout with outbound_timeout', async () => {
      server.answer = () => {}; // never answers
      const request = client({ allow: ['127.0.0.1'] }).request('untrusted', { timeoutMs: 100 });
      expect(await failure(request(`http://127.0.0.1:${server.port}/slow`))).toMatchObject({
        code: 'outbound_timeout',
      });
    });

    it('refuses a URL it must not fetch', async () => {
      const request = client({}).request('trusted');
      expect(await failure(request('file:///etc/passwd'))).toMatchObject({ code: 'outbound_url_refused' });
    });
  });
});
