import http from 'node:http';

/**
 * A minimal OpenAI chat-completions server on 127.0.0.1: streams `tokens` chunks (` t0`, ` t1` …),
 * then usage and [DONE]. The count is `fixedTokens` when given, else `?tokens=`, else the
 * request's max_tokens, else 50. `GET …/models` lists `bench-model`.
 * @example const server = await startOpenAiWireServer({ fixedTokens: 50 }); server.address().port
 */
export function startOpenAiWireServer({ fixedTokens } = {}) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: [{ id: 'bench-model', object: 'model' }] }));
      }
      const tokens =
        fixedTokens ??
        Number(new URL(req.url, 'http://x').searchParams.get('tokens') ?? JSON.parse(body).max_tokens ?? 50);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta, extra = {}) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      let out = chunk({ role: 'assistant', content: '' });
      for (let i = 0; i < tokens; i++) out += chunk({ content: ` t${i}` });
      out += `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: tokens + 5 } })}\n\n`;
      out += 'data: [DONE]\n\n';
      res.end(out);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
