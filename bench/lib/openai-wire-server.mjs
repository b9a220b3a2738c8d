import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The smallest answer a JSON Schema accepts: an object with its required properties, empty
 * arrays, the first enum value, a minimum or zero. What a model answers to a structured-output
 * request when there is nothing to report (memory extraction of "Hello there": no memories).
 */
export function smallestInstance(schema) {
  if (!schema || typeof schema !== 'object') return null;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    const out = {};
    for (const key of schema.required ?? []) out[key] = smallestInstance(schema.properties?.[key]);
    return out;
  }
  if (type === 'array') return [];
  if (type === 'string') return '';
  if (type === 'number' || type === 'integer') return schema.minimum ?? 0;
  if (type === 'boolean') return false;
  if (schema.anyOf?.length) return smallestInstance(schema.anyOf[0]);
  return null;
}

/**
 * A minimal OpenAI chat-completions server on 127.0.0.1: streams `tokens` chunks (` t0`, ` t1` …),
 * then usage and [DONE]. A request with `stream` not true (the server's structured-output and
 * other one-shot calls) gets one `chat.completion` JSON: for a `json_schema` response format the
 * smallest instance of the schema, else the tokens as text. The count is `fixedTokens` when given, else `?tokens=`, else the
 * request's max_tokens, else 50. With `intervalMs` (or `?interval=`) the first token goes out at
 * once and each next one `intervalMs` later, like a model generating; without it every chunk goes
 * out in one write. `GET …/models` lists `bench-model`; `PUT /bench/mode {fixedTokens, intervalMs}`
 * changes both for the next requests.
 * @example const server = await startOpenAiWireServer({ fixedTokens: 100, intervalMs: 20 });
 */
export function startOpenAiWireServer({ fixedTokens, intervalMs = 0 } = {}) {
  const mode = { fixedTokens, intervalMs };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      // The bench switches the pacing between phases without restarting anything.
      if (req.method === 'PUT' && req.url === '/bench/mode') {
        Object.assign(mode, JSON.parse(body));
        res.writeHead(204);
        return res.end();
      }
      if (req.url.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: [{ id: 'bench-model', object: 'model' }] }));
      }
      const query = new URL(req.url, 'http://x').searchParams;
      const request = JSON.parse(body);
      const tokens = mode.fixedTokens ?? Number(query.get('tokens') ?? request.max_tokens ?? 50);
      if (request.stream !== true) {
        const schema = request.response_format?.json_schema?.schema;
        const content = schema
          ? JSON.stringify(smallestInstance(schema))
          : Array.from({ length: tokens }, (_, i) => ` t${i}`).join('');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 1,
            model: 'bench-model',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: tokens + 5 },
          }),
        );
      }
      const spacing = Number(query.get('interval') ?? mode.intervalMs);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta, extra = {}) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      const end = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: tokens + 5 } })}\n\ndata: [DONE]\n\n`;
      if (!(spacing > 0)) {
        let out = chunk({ role: 'assistant', content: '' });
        for (let i = 0; i < tokens; i++) out += chunk({ content: ` t${i}` });
        return res.end(out + end);
      }
      // Paced: token i leaves at start + i * spacing (scheduled against the start, so timer
      // lateness under load does not add up over the reply).
      const start = performance.now();
      res.write(chunk({ role: 'assistant', content: '' }) + chunk({ content: ' t0' }));
      let next = 1;
      let timer;
      const step = () => {
        if (res.destroyed) return;
        if (next >= tokens) return res.end(end);
        res.write(chunk({ content: ` t${next++}` }));
        timer = setTimeout(step, Math.max(0, start + next * spacing - performance.now()));
      };
      timer = setTimeout(step, spacing);
      res.on('close', () => clearTimeout(timer));
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * The same server in its own process, so the bench client's event loop never delays the model's
 * tokens (and the model's work is not charged to the client). Resolves with its origin and a stop.
 * @example const model = await spawnOpenAiWireServer({ fixedTokens: 50 }); model.origin; model.stop();
 */
export function spawnOpenAiWireServer({ fixedTokens, intervalMs = 0 } = {}) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), JSON.stringify({ fixedTokens, intervalMs })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`model server exited (${code}) before listening`)));
    child.stdout.on('data', (bytes) => {
      out += bytes;
      const match = /^listening (\d+)$/m.exec(out);
      if (!match) return;
      child.removeAllListeners('exit');
      resolve({
        origin: `http://127.0.0.1:${match[1]}`,
        pid: child.pid,
        stop: () => child.kill('SIGTERM'),
        /** Changes the token count and pacing of the next requests. */
        setMode: async (next) => {
          const res = await fetch(`http://127.0.0.1:${match[1]}/bench/mode`, {
            method: 'PUT',
            body: JSON.stringify(next),
          });
          if (res.status !== 204) throw new Error(`model server mode: ${res.status}`);
        },
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startOpenAiWireServer(JSON.parse(process.argv[2] ?? '{}'));
  process.stdout.write(`listening ${server.address().port}\n`);
  process.on('SIGTERM', () => process.exit(0));
}
