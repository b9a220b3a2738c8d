// What the hostile inputs of issue 10 cost the built server now (PGlite mode): pictures whose
// header promises a huge picture, CHARX zip bombs (declared and lying sizes) and a bulk import of
// archives at the per-archive limit, JSON nested 10,000 deep (card import, PATCH body), and a
// model that streams one endless line (OpenAI-wire SSE and Ollama NDJSON). Each case is sent
// `reps` times as a signed-in ordinary user; for each we record the answers (status and error
// code), the time to the whole answer (p50/max) and the server process's peak RSS.
//
// How the peak is measured, and why it is honest: every case gets a fresh server process (same
// data dir), which first does one ordinary request of the same kind (so libraries such as sharp
// are loaded and the peak is the hostile input's, not a first use's). Then the kernel's peak-RSS
// counter (VmHWM) is reset to the current RSS by writing "5" to /proc/<pid>/clear_refs, the
// case runs, and VmHWM is read: the exact peak during the case, kept by the kernel, that no
// sampling interval can miss. VmRSS is also sampled every 20 ms as a cross-check; when the
// reset is not permitted, the sampled maximum is reported instead (`peakSource: "sampled"`).
// A fresh process per case also keeps one case's leftover heap from showing up in the next.
// The inputs are built here (zlib, yazl streaming), never imported from the server's sources.
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { progress, runAsMain } from './lib/common.mjs';
import { ROOT, readMemory, round, sleep, startServer, summarize, tempDir } from './lib/server.mjs';

// yazl is a dependency of the server package; resolve it from there so hoisting does not matter.
const yazl = createRequire(path.join(ROOT, 'packages', 'server', 'package.json'))('yazl');

const MiB = 1024 * 1024;
const CSRF = { 'x-lumina-csrf': '1' };
const OPERATOR = { email: 'operator@example.org', password: 'an operator passphrase', name: 'Operator' };
const USER = { email: 'hostile@example.org', password: 'a hostile passphrase', name: 'Hostile' };
/** No answer within this is recorded as a timeout, so one hanging case cannot stall the bench. */
const REQUEST_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// Inputs

function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A PNG of `width`×`height` whose every row is really there (one IDAT of deflated scanlines),
 * the way the 117 KB 1,000,000×40 file was: a decoder that trusts it decodes it all.
 * Rows come from `row(y)` (filter byte included) and are deflated as a stream, so a 20,000×20,000
 * picture (400 MB of scanlines) never sits in this process's memory.
 */
async function streamedPng(width, height, { colorType = 0, row, textChunks = [] } = {}) {
  const channels = colorType === 2 ? 3 : 1;
  const zeroRow = Buffer.alloc(width * channels + 1); // filter 0, black pixels
  const rowAt = row ?? (() => zeroRow);
  const deflate = zlib.createDeflate({ level: 9 });
  const compressed = buffer(deflate);
  for (let y = 0; y < height; y++) {
    if (!deflate.write(rowAt(y))) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType; // 0 greyscale, 2 RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', await compressed),
    ...textChunks,
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ordinary photo-sized upload: 1024×768 RGB, a gradient with some noise (about 2 MB). */
function normalPng() {
  let seed = 42;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return (seed >> 16) & 0x0f;
  };
  return streamedPng(1024, 768, {
    colorType: 2,
    row: (y) => {
      const row = Buffer.alloc(1024 * 3 + 1);
      for (let x = 0; x < 1024; x++) {
        row[1 + x * 3] = ((x >> 2) + noise()) & 0xff;
        row[2 + x * 3] = (((y / 3) | 0) + noise()) & 0xff;
        row[3 + x * 3] = (((x + y) >> 3) + noise()) & 0xff;
      }
      return row;
    },
  });
}

const cardV3 = (name) => ({
  spec: 'chara_card_v3',
  spec_version: '3.0',
  data: { name, description: '', first_mes: `Hello, I am ${name}.`, group_only_greetings: [] },
});

/** `{"a":{"a":…[[0]]…}}` nested `depth` levels, half objects, half arrays. */
function deeplyNestedJson(depth) {
  const half = Math.floor(depth / 2);
  return `${'{"a":'.repeat(half)}${'['.repeat(depth - half)}0${']'.repeat(depth - half)}${'}'.repeat(half)}`;
}

/** `bytes` zeros as a stream of 1 MiB chunks (one shared, never-written buffer). */
function zeroStream(bytes) {
  const chunk = Buffer.alloc(MiB);
  return Readable.from(
    (function* () {
      for (let left = bytes; left > 0; left -= MiB) yield left >= MiB ? chunk : chunk.subarray(0, left);
    })(),
    { objectMode: false },
  );
}

/**
 * A zip written by yazl: `bytes` entries from memory, `zeros` entries streamed (deflated as they
 * are read, so gigabytes of zeros never sit in memory).
 */
function zipArchive(entries) {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if (entry.bytes) zip.addBuffer(entry.bytes, entry.path);
    else zip.addReadStreamLazy(entry.path, { size: entry.zeros }, (cb) => cb(null, zeroStream(entry.zeros)));
  }
  zip.end();
  return buffer(zip.outputStream);
}

/**
 * Rewrites the uncompressed size that the central directory declares for `name` (the sizes a
 * reader checks before inflating): a header that lies, which no honest zip writer produces.
 */
function declareSize(zip, name, size) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('declareSize: not a central directory header');
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      zip.writeUInt32LE(size, at + 24);
      return zip;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`declareSize: ${name} is not in the archive`);
}

/**
 * One CHARX at the per-archive limit of docs/security.md: two 31 MiB entries (62 MiB of the
 * 64 MiB per archive, under 32 MiB per entry), zeros with a random byte every 256, which deflate
 * about 75:1 — under the 200:1 per-entry and 100:1 per-archive ratio checks, so each archive
 * alone is accepted and only the per-request budget can stop a request carrying 50 of them.
 */
async function charxAtArchiveLimit() {
  const entryBytes = 31 * MiB;
  const data = Buffer.alloc(entryBytes);
  const noise = Buffer.from(Array.from({ length: entryBytes / 256 }, () => (Math.random() * 256) | 0));
  for (let i = 0; i < entryBytes; i += 256) data[i] = noise[i / 256];
  const cardJson = Buffer.from(JSON.stringify(cardV3('At the limit')));
  const archive = await zipArchive([
    { path: 'card.json', bytes: cardJson },
    { path: 'assets/other/a.bin', bytes: data },
    { path: 'assets/other/b.bin', bytes: data },
  ]);
  const declared = cardJson.length + 2 * entryBytes;
  const ratio = declared / archive.length;
  if (ratio >= 100) throw new Error(`charxAtArchiveLimit: ratio ${ratio.toFixed(1)}:1 would be refused`);
  return { archive, declared, ratio };
}

// ---------------------------------------------------------------------------------------------
// A model server that speaks both wires: normal short replies for `bench-ok`, and for
// `bench-endless` one line that never ends until `lineBytes` have been sent.

function startHostileModelServer(lineBytes) {
  // One entry per endless reply: the bytes of the line the kernel accepted, and whether the reader
  // hung up (closed the connection) or took the line to its end.
  const endless = [];
  const piece = Buffer.alloc(64 * 1024, 'z');
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const json = (value) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const models = ['bench-ok', 'bench-endless'];
      if (req.url.endsWith('/models'))
        return json({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) });
      if (req.url === '/api/tags') return json({ models: models.map((name) => ({ name, model: name })) });
      if (req.url === '/api/version') return json({ version: '0.6.0' });
      if (req.url === '/api/show')
        return json({ model_info: { 'llama.context_length': 8192 }, capabilities: ['completion'] });
      const sse = req.url.startsWith('/v1/');
      if (!(sse && req.url.endsWith('/chat/completions')) && req.url !== '/api/chat') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"error":"not found"}');
      }
      const model = JSON.parse(body).model;
      res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/x-ndjson' });
      const sseChunk = (delta, finish = null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const ollamaLine = (content, done) =>
        `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done, ...(done && { done_reason: 'stop', prompt_eval_count: 5, eval_count: 1 }) })}\n`;
      const ending = sse ? `${sseChunk({}, 'stop')}data: [DONE]\n\n` : ollamaLine('', true);
      if (model !== 'bench-endless') {
        return res.end(
          sse
            ? `${sseChunk({ role: 'assistant', content: 'Hi' })}${ending}`
            : `${ollamaLine('Hi', false)}${ending}`,
        );
      }
      // The line opens like a real delta and then never closes its string.
      res.write(
        sse
          ? 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"bench-endless","choices":[{"index":0,"delta":{"content":"'
          : '{"model":"bench-endless","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"',
      );
      const state = { accepted: 0, ended: null };
      endless.push(state);
      res.on('close', () => {
        state.ended ??= 'reader hung up';
      });
      const more = () => {
        if (res.destroyed) return;
        if (state.accepted >= lineBytes) {
          // Whoever read the whole line gets a well-formed end (what the old server did).
          state.ended = 'line sent in full';
          return res.end(sse ? `"}}]}\n\n${ending}` : `"},"done":false}\n${ending}`);
        }
        res.write(piece, (err) => {
          if (err) return;
          state.accepted += piece.length;
          setImmediate(more);
        });
      };
      more();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({
        origin: `http://127.0.0.1:${server.address().port}`,
        /**
         * The endless replies since the last call, once each has ended (or after `waitMs`: a
         * reader that stops reading without closing leaves its reply open).
         */
        async takeEndless(waitMs = 3000) {
          const deadline = performance.now() + waitMs;
          while (endless.some((s) => !s.ended) && performance.now() < deadline) await sleep(20);
          return endless.splice(0).map((s) => ({ ...s, ended: s.ended ?? 'still open' }));
        },
        close: () => {
          server.closeAllConnections();
          return new Promise((done) => server.close(done));
        },
      });
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Client

function cookieOf(res) {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/**
 * A bulk import is a 200 with one result per file; what matters is each file's outcome:
 * `files` counts them ("ok ×1, import_budget_exceeded ×49"), where "ok, picture refused" is a
 * card imported with the generated face because its picture was refused (the warning is kept).
 */
function fileOutcomes(results) {
  const counts = {};
  let pictureWarning;
  for (const result of results) {
    const refused = result.ok && result.warnings.find((w) => w.startsWith('The picture could not be used'));
    pictureWarning ??= refused;
    const key = result.ok ? `ok${refused ? ', picture refused' : ''}` : result.error.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return {
    files: Object.entries(counts)
      .map(([key, n]) => `${key} ×${n}`)
      .join(', '),
    ...(pictureWarning && { pictureWarning }),
  };
}

/** Signs the ordinary user in (signing up the operator, then the user, on a new data dir). */
async function signIn(url) {
  const post = (route, body) =>
    fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CSRF },
      body: JSON.stringify(body),
    });
  let res = await post('/api/auth/login', { email: USER.email, password: USER.password });
  if (res.status === 401) {
    // A new data dir: the first account becomes the admin; the cases run as the second, ordinary one.
    const operator = await post('/api/auth/signup', OPERATOR);
    if (operator.status !== 201 && operator.status !== 409)
      throw new Error(`operator signup: ${operator.status} ${await operator.text()}`);
    res = await post('/api/auth/signup', USER);
    if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`);
  } else if (res.status !== 200) {
    throw new Error(`login: ${res.status} ${await res.text()}`);
  }
  const cookie = cookieOf(res);
  const headers = { ...CSRF, cookie };
  /** One request; resolves to { status, code, body } with the error code if there is one. */
  const send = async (method, route, { body, type } = {}) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON (an SSE stream is read elsewhere)
    }
    return { status: res.status, code: json?.error?.code ?? null, details: json?.error?.details, body: json };
  };
  const sendJson = (method, route, value) =>
    send(method, route, {
      body: typeof value === 'string' ? value : JSON.stringify(value),
      type: 'application/json',
    });
  const importFiles = async (files) => {
    const form = new FormData();
    for (const file of files) form.append('file', new Blob([file.bytes]), file.name);
    const answer = await send('POST', '/api/avatars/import', { body: form });
    return {
      status: answer.status,
      code: answer.code,
      ...fileOutcomes(answer.body?.results ?? []),
      details: answer.body?.results?.find((r) => !r.ok)?.error.details,
    };
  };
  /** One chat turn in a fresh conversation; reads the SSE reply to its end. */
  const chatTurn = async (avatarId, model) => {
    const created = await sendJson('POST', '/api/conversations', { avatarId, title: 'hostile', model });
    if (created.status !== 201) return { status: created.status, code: created.code };
    const res = await fetch(`${url}/api/conversations/${created.body.conversation.id}/messages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Hello' }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (res.status !== 200) {
      const body = await res.json().catch(() => null);
      return { status: res.status, code: body?.error?.code ?? null };
    }
    const decoder = new TextDecoder();
    let pending = '';
    let error = null;
    let finish = null;
    let text = '';
    for await (const bytes of res.body) {
      pending += decoder.decode(bytes, { stream: true });
      let end = pending.indexOf('\n\n');
      while (end !== -1) {
        const block = pending.slice(0, end);
        pending = pending.slice(end + 2);
        end = pending.indexOf('\n\n');
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event === 'error') error = JSON.parse(data);
        if (event === 'finish') finish = JSON.parse(data);
        if (event === 'text-delta') text += JSON.parse(data).delta;
      }
    }
    return {
      status: res.status,
      // The HTTP answer is the 200 of the stream; the error part carries the code.
      code: error?.code ?? null,
      finishStatus: finish?.status ?? null,
      textChars: text.length,
    };
  };
  return { send, sendJson, importFiles, chatTurn };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Resets the process's VmHWM to its current RSS; false when the kernel does not let us. */
function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS now, every `everyMs` and at `stop()`, which returns the largest value seen, MB. */
function sampleRss(pid, everyMs = 20) {
  let max = 0;
  const sample = () => {
    try {
      max = Math.max(max, readMemory(pid).rssMB);
    } catch {
      // the process is gone; the case records that
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

const alive = (pid) => fs.existsSync(`/proc/${pid}/status`);

/**
 * Runs one case on a fresh server: sign in, `warmUp` (an ordinary request of the same kind),
 * settle, reset the peak, send the hostile input `reps` times, read the peak.
 */
async function runCase(ctx, name, spec) {
  progress(`hostile: ${name} (${spec.about})`);
  const server = await startServer({ dataDir: ctx.dataDir, env: { ...ctx.env, ...(spec.env ?? {}) } });
  try {
    await sleep(ctx.settleMs);
    const afterStart = server.memory();
    const client = await signIn(server.url);
    const warm = spec.warmUp ? await spec.warmUp(client, ctx) : null;
    await sleep(ctx.settleMs);
    const before = server.memory();
    const peakReset = resetPeak(server.pid);
    const sampler = sampleRss(server.pid);
    const runs = [];
    for (let i = 0; i < ctx.reps; i++) {
      const started = performance.now();
      try {
        const answer = await spec.send(client, ctx);
        runs.push({ ...answer, ms: performance.now() - started });
      } catch (err) {
        runs.push({
          status: null,
          code: null,
          failure: err.name === 'TimeoutError' ? 'timeout' : err.message,
        });
      }
      if (!alive(server.pid)) break;
    }
    const sampledMax = sampler.stop();
    const serverAlive = alive(server.pid);
    const after = serverAlive ? server.memory() : null;
    const peak = peakReset && after ? after.peakRssMB : sampledMax;
    const answers = {};
    for (const run of runs) {
      const key = run.failure
        ? `failed: ${run.failure}`
        : [
            run.status,
            run.code,
            run.files && `[${run.files}]`,
            run.finishStatus && `finish ${run.finishStatus}`,
          ]
            .filter(Boolean)
            .join(' ');
      answers[key] = (answers[key] ?? 0) + 1;
    }
    const times = runs.filter((r) => r.ms !== undefined).map((r) => r.ms);
    const timing = times.length ? summarize(times) : null;
    const result = {
      about: spec.about,
      input: spec.input,
      expected: spec.expected,
      answers,
      asExpected: runs.length === ctx.reps && runs.every((r) => spec.matches(r)),
      ...(runs.find((r) => r.details) && { errorDetails: runs.find((r) => r.details).details }),
      ...(runs.find((r) => r.pictureWarning) && {
        pictureWarning: runs.find((r) => r.pictureWarning).pictureWarning,
      }),
      timeToAnswerMs: timing ? { p50: timing.median, max: timing.max, n: timing.n } : null,
      memoryMB: {
        afterStart: afterStart.rssMB,
        beforeCase: before.rssMB,
        peak,
        peakOverBefore: round(peak - before.rssMB, 1),
        peakSource: peakReset && after ? 'VmHWM reset before the case' : 'sampled every 20 ms',
        sampledMax,
        afterCase: after?.rssMB ?? null,
      },
      serverAlive,
    };
    if (warm) result.warmUp = warm;
    if (spec.after) Object.assign(result, await spec.after(ctx));
    return result;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

const is =
  (status, code = null) =>
  (run) =>
    run.status === status && run.code === code;

async function buildCases(options, model) {
  progress('hostile: building inputs');
  const bombBytes = options.quick ? 256 * MiB : 2048 * MiB;
  const built = {
    normal: await normalPng(),
    strip: await streamedPng(1_000_000, 40),
    huge: await streamedPng(20_000, 20_000),
    thin: await streamedPng(8192, 40),
    widestAllowed: await streamedPng(8192, 410),
    largestAllowed: await streamedPng(6324, 6324),
  };
  const chara = pngChunk(
    'tEXt',
    Buffer.concat([
      Buffer.from('chara\0', 'latin1'),
      Buffer.from(Buffer.from(JSON.stringify(cardV3('Strip'))).toString('base64'), 'latin1'),
    ]),
  );
  built.stripCard = await streamedPng(1_000_000, 40, { textChunks: [chara] });
  const cardJson = Buffer.from(JSON.stringify(cardV3('Bomb')));
  built.declaredBomb = await zipArchive([
    { path: 'card.json', bytes: cardJson },
    { path: 'assets/other/zeros.bin', zeros: bombBytes },
  ]);
  built.lyingBomb = declareSize(Buffer.from(built.declaredBomb), 'assets/other/zeros.bin', 100);
  const atLimit = await charxAtArchiveLimit();
  built.deepJson = deeplyNestedJson(10_000);
  built.deepCard = JSON.stringify({
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data: { name: 'Deep', extensions: 'DEEP' },
  }).replace('"DEEP"', built.deepJson);
  const okCard = Buffer.from(JSON.stringify(cardV3('Fine')));

  const picture = (bytes) => (client, ctx) =>
    client.send('PUT', `/api/avatars/${ctx.avatarId}/image`, { body: bytes, type: 'image/png' });
  const pictureWarmUp = async (client, ctx) => {
    const answer = await picture(built.normal)(client, ctx);
    return { normalPicture: answer.status };
  };
  const importWarmUp = async (client) => ({
    normalImport: (await client.importFiles([{ name: 'fine.json', bytes: okCard }])).files,
  });
  const fileResult = (files) => (run) => run.status === 200 && run.files === files;
  const png = (bytes, width, height) => ({ bytes: bytes.length, width, height });

  const modelCase = (provider) => ({
    about: `one chat turn whose model (${provider === 'openai' ? 'OpenAI-wire SSE' : 'Ollama NDJSON'}, a system provider) streams one ${model.lineBytes / 1e6} MB line`,
    input: { lineBytes: model.lineBytes, model: `${provider}/bench-endless` },
    expected: 'SSE 200 whose error part is provider_protocol_error',
    env:
      provider === 'openai'
        ? { OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: `${model.origin}/v1` }
        : { OLLAMA_BASE_URL: model.origin },
    warmUp: async (client, ctx) => {
      const turn = await client.chatTurn(ctx.avatarId, `${provider}/bench-ok`);
      await model.takeEndless(0);
      return { normalTurn: `${turn.status} ${turn.finishStatus ?? turn.code}` };
    },
    send: (client, ctx) => client.chatTurn(ctx.avatarId, `${provider}/bench-endless`),
    matches: (run) => run.status === 200 && run.code === 'provider_protocol_error',
    after: async () => {
      const replies = await model.takeEndless();
      return {
        modelServer: {
          // Bytes of the line the kernel took from the model server (Lumina's reads plus socket
          // buffers) before the reply ended; 200 MB each would mean the whole line was read.
          endlessReplies: replies.length,
          lineMBAccepted: replies.map((r) => round(r.accepted / MiB, 2)),
          ended: [...new Set(replies.map((r) => r.ended))],
        },
      };
    },
  });

  return {
    normalPicture: {
      about: 'an ordinary picture upload (baseline)',
      input: png(built.normal, 1024, 768),
      expected: '200',
      warmUp: pictureWarmUp,
      send: picture(built.normal),
      matches: is(200),
    },
    picture1000000x40: {
      about: 'PUT /api/avatars/:id/image with the issue’s 1,000,000×40 PNG (every row present)',
      input: png(built.strip, 1_000_000, 40),
      expected: '413 image_dimensions_too_large',
      warmUp: pictureWarmUp,
      send: picture(built.strip),
      matches: is(413, 'image_dimensions_too_large'),
    },
    picture20000x20000: {
      about: 'PUT /api/avatars/:id/image with a 20,000×20,000 PNG (400 MP, every row present)',
      input: png(built.huge, 20_000, 20_000),
      expected: '413 image_dimensions_too_large',
      warmUp: pictureWarmUp,
      send: picture(built.huge),
      matches: is(413, 'image_dimensions_too_large'),
    },
    picture8192x40: {
      about: 'a strip within the side limit but past the aspect ratio (204.8:1)',
      input: png(built.thin, 8192, 40),
      expected: '422 image_aspect_ratio_unsupported',
      warmUp: pictureWarmUp,
      send: picture(built.thin),
      matches: is(422, 'image_aspect_ratio_unsupported'),
    },
    pictureWidestAllowed8192x410: {
      about: 'the widest picture the limits let through (8,192 px side, 20:1), decoded and cropped',
      input: png(built.widestAllowed, 8192, 410),
      expected: '200',
      warmUp: pictureWarmUp,
      send: picture(built.widestAllowed),
      matches: is(200),
    },
    pictureLargestAllowed6324x6324: {
      about: 'the largest picture the limits let through (40 MP), decoded and cropped',
      input: png(built.largestAllowed, 6324, 6324),
      expected: '200',
      warmUp: pictureWarmUp,
      send: picture(built.largestAllowed),
      matches: is(200),
    },
    cardWithPicture1000000x40: {
      about: 'POST /api/avatars/import of a PNG card that is the 1,000,000×40 picture',
      input: png(built.stripCard, 1_000_000, 40),
      expected: '200, the file imports with the generated face and a warning naming the side limit',
      warmUp: importWarmUp,
      send: (client) => client.importFiles([{ name: 'strip.png', bytes: built.stripCard }]),
      matches: (run) =>
        fileResult('ok, picture refused ×1')(run) && run.pictureWarning.includes('8192 pixels per side'),
    },
    charxDeclaredBomb: {
      about: `POST /api/avatars/import of a CHARX whose entry declares and holds ${round(bombBytes / MiB)} MiB of zeros`,
      input: { bytes: built.declaredBomb.length, inflatesToBytes: bombBytes + cardJson.length },
      expected: '200, the file refused with charx_too_large before inflating',
      warmUp: importWarmUp,
      send: (client) => client.importFiles([{ name: 'bomb.charx', bytes: built.declaredBomb }]),
      matches: fileResult('charx_too_large ×1'),
    },
    charxLyingBomb: {
      about: `the same CHARX with the central directory declaring 100 bytes for the ${round(bombBytes / MiB)} MiB entry`,
      input: { bytes: built.lyingBomb.length, declaredEntryBytes: 100, inflatesToBytes: bombBytes },
      expected: '200, the file refused with charx_too_large while inflating',
      warmUp: importWarmUp,
      send: (client) => client.importFiles([{ name: 'liar.charx', bytes: built.lyingBomb }]),
      matches: fileResult('charx_too_large ×1'),
    },
    charxBulk50AtArchiveLimit: {
      about: 'one POST /api/avatars/import carrying 50 CHARX files, each at the per-archive limit',
      input: {
        files: 50,
        bytesEach: atLimit.archive.length,
        requestBytes: 50 * atLimit.archive.length,
        inflatesToBytesEach: atLimit.declared,
        ratioEach: round(atLimit.ratio, 1),
      },
      expected: '200: the first file imports, the other 49 are import_budget_exceeded (64 MiB per request)',
      warmUp: importWarmUp,
      send: (client) =>
        client.importFiles(
          Array.from({ length: 50 }, (_, i) => ({ name: `limit-${i}.charx`, bytes: atLimit.archive })),
        ),
      matches: fileResult('ok ×1, import_budget_exceeded ×49'),
    },
    jsonDeepCardImport: {
      about: 'POST /api/avatars/import of a JSON card whose extensions nest 10,000 levels',
      input: { bytes: Buffer.byteLength(built.deepCard), depth: 10_000 },
      expected: '200, the file refused with json_too_deep',
      warmUp: importWarmUp,
      send: (client) => client.importFiles([{ name: 'deep.json', bytes: Buffer.from(built.deepCard) }]),
      matches: fileResult('json_too_deep ×1'),
    },
    jsonDeepPatchBody: {
      about: 'PATCH /api/avatars/:id whose JSON body nests 10,000 levels',
      input: { bytes: Buffer.byteLength(built.deepJson) + 16, depth: 10_000 },
      expected: '400 json_too_deep',
      warmUp: async (client, ctx) => ({
        normalPatch: (await client.sendJson('PATCH', `/api/avatars/${ctx.avatarId}`, { description: 'calm' }))
          .status,
      }),
      send: (client, ctx) =>
        client.sendJson('PATCH', `/api/avatars/${ctx.avatarId}`, `{"description":${built.deepJson}}`),
      matches: is(400, 'json_too_deep'),
    },
    modelEndlessLineOpenAiSse: modelCase('openai'),
    modelEndlessLineOllamaNdjson: modelCase('ollama'),
  };
}

export async function benchHostile(options = {}) {
  const lineBytes = 200 * 1000 * 1000;
  const model = { ...(await startHostileModelServer(lineBytes)), lineBytes };
  const dataDir = tempDir();
  const ctx = {
    dataDir,
    reps: options.quick ? 2 : 5,
    settleMs: options.quick ? 500 : 1500,
    env: {
      LOG_LEVEL: 'warn',
      LUMINA_API_LIMIT_PER_MINUTE: '1000000',
      LUMINA_LOGIN_LIMIT_PER_MINUTE: '10000',
      // Only the model cases get a provider (their own env); nothing else probes one.
      LUMINA_OLLAMA_AUTODETECT: 'false',
    },
  };
  try {
    // The first start creates the database (initdb, migrations: far more memory than a later
    // start), so it is done here, unmeasured, with the accounts and the avatar the cases use.
    progress('hostile: first start (creates the database, the accounts and the avatar)');
    const first = await startServer({ dataDir, env: ctx.env });
    try {
      const client = await signIn(first.url);
      const created = await client.sendJson('POST', '/api/avatars', { name: 'Target' });
      if (created.status !== 201) throw new Error(`create avatar: ${created.status} ${created.code}`);
      ctx.avatarId = created.body.avatar.id;
    } finally {
      await first.stop();
    }
    const cases = await buildCases(options, model);
    const results = {};
    for (const [name, spec] of Object.entries(cases)) {
      // One failing case (a server that would not start, say) is reported, not fatal to the rest.
      results[name] = await runCase(ctx, name, spec).catch((err) => ({
        about: spec.about,
        error: err.message,
        asExpected: false,
      }));
    }
    const normal = results.normalPicture;
    return {
      description:
        'Hostile inputs of issue 10 against the built server (PGlite), each sent `reps` times in a row by a signed-in ordinary user on a fresh server process after one ordinary request of the same kind; timeToAnswerMs is request start to the end of the answer (the SSE stream for chat turns); memoryMB.peak is the server process VmHWM after resetting it (clear_refs) just before the case, so peakOverBefore is what the case cost on top of the warmed-up process',
      reps: ctx.reps,
      baseline: {
        rssAfterStartMB: normal.memoryMB?.afterStart ?? null,
        rssAfterNormalPictureMB: normal.memoryMB?.beforeCase ?? null,
        peakDuringNormalPicturesMB: normal.memoryMB?.peak ?? null,
      },
      allAsExpected: Object.values(results).every((r) => r.asExpected && r.serverAlive),
      cases: results,
    };
  } finally {
    await model.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await runAsMain(import.meta.url, 'hostile', benchHostile);
