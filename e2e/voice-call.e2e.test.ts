import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// A voice call in a real browser (issue 14, "Done when"): Chromium's fake microphone plays a
// WAV made at test time with flite — a question, then, while the avatar is still answering
// aloud, a second utterance. The real server hears it with its system engines (pocketsphinx,
// flite/espeak-ng), answers through the conversation engine (an Ollama protocol server), and
// the call screen shows and plays it; the barge-in stops the reply, and what was said is in the
// conversation afterwards.

const person: Account = { email: 'alan@example.org', password: 'imitation game 1950', name: 'Alan Turing' };

/** The reply: long enough (many sentences of flite speech) to still be playing at the barge-in. */
const LONG_REPLY = [
  'The capital of France is Paris. ',
  'It sits on the river Seine in the north of the country. ',
  'Paris has been the capital for more than a thousand years. ',
  'It is famous for its museums, its cafes and its long avenues. ',
  'The Louvre holds the Mona Lisa and many thousands of other works. ',
  'The Eiffel Tower was built for the world fair of eighteen eighty nine. ',
  'Today more than two million people live in the city itself. ',
  'Many more live in the towns around it. ',
];

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
let workDir = '';
let speechWav = '';
/** The avatar every test calls. */
let avatarId = '';
const opened: BrowserContext[] = [];

/** `seconds` of silence at 16 kHz mono, as a WAV file. */
function silence(file: string, seconds: number) {
  execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', file, 'trim', '0', String(seconds)]);
}

/** `text` spoken by flite's kal16 voice, as 16 kHz mono 16-bit WAV. */
function speech(file: string, text: string) {
  const raw = `${file}.flite.wav`;
  execFileSync('flite', ['-voice', 'kal16', '-t', text, '-o', raw]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', file]);
}

function duration(file: string): number {
  return Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }).trim());
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lumina-voice-e2e-'));
  const part = (name: string) => path.join(workDir, name);
  silence(part('lead.wav'), 2);
  speech(part('question.wav'), 'what is the capital of france');
  // The barge-in comes while the reply plays: its first sentence starts about a second after
  // the question ends, and the whole reply is about twenty seconds of speech.
  silence(part('gap.wav'), 7);
  speech(part('barge.wav'), 'please stop and tell me about rome');
  silence(part('tail.wav'), 90);
  speechWav = part('call.wav');
  execFileSync('sox', [
    part('lead.wav'),
    part('question.wav'),
    part('gap.wav'),
    part('barge.wav'),
    part('tail.wav'),
    speechWav,
  ]);
  expect(duration(speechWav)).toBeGreaterThan(100);

  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  // Debian's Chromium with a fake microphone that plays the WAV, and permission granted.
  browser = await launchBrowser([
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${speechWav}`,
  ]);
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, person);
  const avatar = await api(setup, server.url, 'POST', '/api/avatars', {
    name: 'Professor Ada',
    greeting: 'Hello {{user}}, ask me anything.',
  });
  avatarId = (avatar.json.avatar as { id: string }).id;
  await setup.close();
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
});

interface Wire {
  received: Record<string, unknown>[];
  receivedAudioBytes: number;
  sent: Record<string, unknown>[];
  sentAudioBytes: number;
}

/**
 * Records the page's /ws/voice traffic (both ways) in `window.__voiceWire`, so the test can
 * check what the call screen told the server (the `playback {playedMs}` after the barge-in).
 */
const recordVoiceSocket = () => {
  const wire = { received: [], receivedAudioBytes: 0, sent: [], sentAudioBytes: 0 } as {
    received: unknown[];
    receivedAudioBytes: number;
    sent: unknown[];
    sentAudioBytes: number;
  };
  (window as unknown as { __voiceWire: typeof wire }).__voiceWire = wire;
  const Native = window.WebSocket;
  class Recorded extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (!String(url).includes('/ws/voice')) return;
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string') wire.received.push(JSON.parse(event.data));
        else wire.receivedAudioBytes += (event.data as ArrayBuffer).byteLength;
      });
      const send = this.send.bind(this);
      this.send = (data) => {
        if (typeof data === 'string') wire.sent.push(JSON.parse(data));
        else wire.sentAudioBytes += (data as ArrayBuffer).byteLength;
        send(data);
      };
    }
  }
  window.WebSocket = Recorded;
};

const wire = (page: Page) => page.evaluate(() => (window as unknown as { __voiceWire: Wire }).__voiceWire);

describe('a voice call', () => {
  it('hears the question, answers aloud, is interrupted by a second utterance, and stores the turns', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    opened.push(context);
    const watch = watchContext(context);
    await signInByApi(context, server.url, person);
    const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
    const conversationId = (created.json.conversation as { id: string }).id;
    const engines = await api(context, server.url, 'GET', '/api/voice/engines');
    const notReady = (engines.json.engines as { id: string; ready: boolean; detail?: string }[]).filter(
      (e) => !e.ready,
    );
    // The system engines this machine has (pocketsphinx, flite or espeak-ng) must be ready.
    expect(engines.json.defaults, JSON.stringify(notReady)).toMatchObject({
      stt: expect.any(String),
      tts: expect.any(String),
    });

    ollama.script({ kind: 'text', tokens: LONG_REPLY, delayMs: 20 });
    await context.addInitScript(recordVoiceSocket);
    const page = await context.newPage();
    await page.goto(`${server.url}/chat/${conversationId}`);
    await page.getByRole('button', { name: 'Call Professor Ada' }).click();
    const screen = page.getByRole('dialog', { name: 'Call with Professor Ada' });
    await screen.waitFor();

    // The question, transcribed: partials while it is said, then the stored user turn.
    const transcript = screen.getByRole('region', { name: 'Call transcript' });
    await expect
      .poll(async () => (await transcript.textContent({ timeout: 1000 }).catch(() => ''))?.toLowerCase(), {
        timeout: 30_000,
      })
      .toMatch(/capital.*france/);
    let traffic = await wire(page);
    expect(traffic.sent[0]).toEqual({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    expect(traffic.sentAudioBytes).toBeGreaterThan(16_000);

    // Answered aloud: the reply's text on screen, its audio arriving and playing.
    await screen.locator('[data-phase="speaking"]').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => transcript.textContent(), { timeout: 15_000 })
      .toContain('The capital of France is Paris.');
    // The audio streams in as it is made (the text is ahead of it).
    await expect
      .poll(async () => (await wire(page)).receivedAudioBytes, { timeout: 15_000 })
      .toBeGreaterThan(16_000);
    await saveViewportScreenshot(page, 'voice-call-speaking-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The second utterance, during playback, interrupts it: the client stops at once and says
    // how much was heard; the stored reply is cut to that.
    await expect
      .poll(async () => (await wire(page)).received.some((e) => e.type === 'interrupted'), {
        timeout: 30_000,
      })
      .toBe(true);
    traffic = await wire(page);
    const interrupted = traffic.received.find((e) => e.type === 'interrupted')!;
    const answer = traffic.sent.find((e) => e.type === 'playback');
    expect(answer?.playedMs).toBeGreaterThan(0);
    await expect
      .poll(
        async () =>
          (await wire(page)).received.find(
            (e) =>
              e.type === 'assistant_end' && e.messageId === interrupted.messageId && e.interrupted === true,
          ),
        { timeout: 15_000 },
      )
      .toBeTruthy();
    const cut = (await wire(page)).received.find(
      (e) => e.type === 'assistant_end' && e.messageId === interrupted.messageId && e.interrupted === true,
    ) as { text: string };
    expect(cut.text.length).toBeLessThan(LONG_REPLY.join('').trim().length);
    await expect.poll(() => transcript.textContent()).toContain('(interrupted)');
    // Partial transcripts came while the person spoke (the two utterances).
    expect(traffic.received.some((e) => e.type === 'partial_transcript')).toBe(true);
    const timing = traffic.received.find((e) => e.type === 'turn_timing');
    expect(timing).toBeTruthy();
    await expect(screen.getByTestId('call-latency').textContent()).resolves.toMatch(/\d+ ms/);

    // End the call: the screen goes, the socket closes normally, and the conversation shows the
    // spoken question and the cut reply.
    await screen.getByRole('button', { name: 'End call', exact: true }).click();
    await screen.waitFor({ state: 'detached' });
    const messages = page.locator('article[data-message-id]');
    await expect
      .poll(async () => (await messages.allTextContents()).join(' ').toLowerCase(), { timeout: 15_000 })
      .toMatch(/capital.*france/);
    const branch = await api(context, server.url, 'GET', `/api/conversations/${conversationId}/messages`);
    const stored = branch.json.messages as { id: string; role: string; content: string }[];
    expect(stored.find((m) => m.id === interrupted.messageId)?.content).toBe(cut.text);
    // The questions as stored (what was heard), so a failure says what the recogniser made of them.
    const questions = stored.filter((m) => m.role === 'user').map((m) => m.content);
    expect(questions.join(' | ')).toMatch(/capital.*france/i);
    expect(watch.problems).toEqual([]);
  });

  it('reads a reply aloud in the avatar’s voice, and the settings page shows the engines this server found', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, colorScheme: 'dark' });
    opened.push(context);
    const watch = watchContext(context);
    await signInByApi(context, server.url, person);
    const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
    const conversationId = (created.json.conversation as { id: string }).id;
    const page = await context.newPage();
    const speaks: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/api/voice/speak')) speaks.push(response.status());
    });
    await page.goto(`${server.url}/chat/${conversationId}`);
    // The greeting is the avatar's first reply: its words, spoken.
    const greeting = page.locator('article[data-message-id]').first();
    await greeting.getByRole('button', { name: 'Read aloud' }).click();
    await greeting.getByRole('button', { name: 'Stop reading aloud' }).waitFor();
    // It plays to its end, then the button is back.
    await greeting.getByRole('button', { name: 'Read aloud' }).waitFor({ timeout: 20_000 });
    expect(speaks).toEqual([200]);
    expect(await greeting.getByRole('alert').count()).toBe(0);

    await page.goto(`${server.url}/settings/voice`);
    const stt = page.getByRole('list', { name: 'Speech to text' });
    await stt.waitFor();
    expect(await stt.getByText('Ready').count()).toBeGreaterThan(0);
    await page.getByRole('list', { name: 'Voices' }).getByRole('listitem').first().waitFor();
    await saveViewportScreenshot(page, 'voice-settings-phone-dark');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
  });
});
