import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import { saveViewportScreenshot, seriousAxeViolations, VIEWPORTS, watchContext } from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';
import {
  heard,
  joinWavs,
  launchFakeMicBrowser,
  PARIS_REPLY,
  recordVoiceSocket,
  saveTimeline,
  silenceWav,
  speechWav,
  timeline,
  voiceWire,
  wavSeconds,
} from './support/voice.js';

// A voice call in a real browser (issue 14, "Done when"): Chromium's fake microphone plays a
// WAV made at test time with flite — a question, then, while the avatar is still answering
// aloud, a second utterance. The real server hears it with its system engines (pocketsphinx,
// flite/espeak-ng), answers through the conversation engine (an Ollama protocol server), and
// the call screen shows and plays it; the barge-in stops the reply, and what was said is in the
// conversation afterwards.
//
// The fake microphone plays on its own clock from the moment the page opens it, so the WAV's
// pauses are the test's timing: they are sized for a machine two to three times slower than an
// idle one (measured with everything pinned to one busy core), see the comments below.

const person: Account = { email: 'alan@example.org', password: 'imitation game 1950', name: 'Alan Turing' };

/**
 * The reply: long enough (about forty seconds of flite speech) to still be playing when the
 * barge-in comes however quickly it started, see BARGE_GAP_SECONDS.
 */
const LONG_REPLY = PARIS_REPLY;

/**
 * Silence before the question. The fake microphone starts playing when the page opens it; the
 * call's socket and `ready` come after, and audio before `ready` is not sent (docs/voice.md).
 * Measured: `ready` 0.3–0.6 s after the microphone opened, 1.5 s on one busy core.
 */
const LEAD_SECONDS = 4;
/**
 * Silence between the question and the barge-in. The barge-in must come while the reply plays:
 * after its first audio (the end of the question, then endpointing, the transcript, the model
 * and the first sentence's TTS: 0.6–1.5 s idle, up to ~5 s on one busy core) and before the
 * reply's ~40 s of audio end.
 */
const BARGE_GAP_SECONDS = 12;

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
let workDir = '';
/** The avatar every test calls. */
let avatarId = '';
const opened: BrowserContext[] = [];

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lumina-voice-e2e-'));
  const part = (name: string) => path.join(workDir, name);
  silenceWav(part('lead.wav'), LEAD_SECONDS);
  speechWav(part('question.wav'), 'what is the capital of france');
  silenceWav(part('gap.wav'), BARGE_GAP_SECONDS);
  speechWav(part('barge.wav'), 'please stop and tell me about rome');
  silenceWav(part('tail.wav'), 120);
  const speech = part('call.wav');
  joinWavs(
    speech,
    ['lead', 'question', 'gap', 'barge', 'tail'].map((p) => part(`${p}.wav`)),
  );
  expect(wavSeconds(speech)).toBeGreaterThan(130);

  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchFakeMicBrowser(speech);
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

describe('a voice call', () => {
  it('hears the question, answers aloud, is interrupted by a second utterance, and stores the turns', {
    timeout: 180_000,
  }, async () => {
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
    const received = async (type: string) => (await voiceWire(page)).received.filter((e) => e.type === type);
    /** Waits for the server's first `type` event; a timeout says what the call heard and when. */
    const first = async (type: string, timeout: number, where?: (e: Record<string, unknown>) => boolean) => {
      await expect
        .poll(async () => (await received(type)).some((e) => !where || where(e)), { timeout })
        .toBe(true)
        .catch(async (error: Error) => {
          const wire = await voiceWire(page);
          throw new Error(`no ${type} within ${timeout} ms. ${heard(wire)}\n${timeline(wire)}`, {
            cause: error,
          });
        });
      return (await received(type)).find((e) => !where || where(e))!;
    };

    // The question, transcribed and stored: the server's final transcript (partials may be
    // anything on the way), then the same words as the person's turn on screen.
    const question = await first('final_transcript', 60_000);
    let wire = await voiceWire(page);
    expect(question.text, `${heard(wire)}\n${timeline(wire)}`).toMatch(/capital of france/);
    expect(wire.sent[0]).toMatchObject({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    expect(wire.sentAudioBytes).toBeGreaterThan(16_000);
    // Its words were final segment by segment (segment_transcript, at the speaker's short pauses)
    // before the turn was stored; the stored turn is those segments merged.
    const segments = wire.received.filter((e) => e.type === 'segment_transcript' && e.at <= question.at);
    expect(segments.length, timeline(wire)).toBeGreaterThan(0);
    expect(segments.at(-1)!.turnText).toBe(question.text);
    const transcript = screen.getByRole('region', { name: 'Call transcript' });
    await expect.poll(() => transcript.textContent(), { timeout: 10_000 }).toContain(question.text);

    // Answered aloud: the reply's text on screen, its audio arriving and playing.
    await screen.locator('[data-phase="speaking"]').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => transcript.textContent(), { timeout: 15_000 })
      .toContain('The capital of France is Paris.');
    // The audio streams in as it is made (the text is ahead of it).
    await expect
      .poll(async () => (await voiceWire(page)).receivedAudioBytes, { timeout: 15_000 })
      .toBeGreaterThan(16_000);
    await saveViewportScreenshot(page, 'voice-call-speaking-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    // The same moment in dark mode and on a phone (the barge-in below does not wait for these).
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveViewportScreenshot(page, 'voice-call-speaking-desktop-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveViewportScreenshot(page, 'voice-call-speaking-phone-dark');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await saveViewportScreenshot(page, 'voice-call-speaking-phone-light');
    await page.setViewportSize(VIEWPORTS.desktop);

    // The second utterance, during playback, interrupts it: the client stops at once and says
    // how much was heard; the stored reply is cut to that.
    const interrupted = await first('interrupted', 60_000);
    const cut = await first(
      'assistant_end',
      15_000,
      (e) => e.messageId === interrupted.messageId && e.interrupted === true,
    );
    wire = await voiceWire(page);
    const answer = wire.sent.find((e) => e.type === 'playback' && e.at >= interrupted.at);
    expect(answer?.playedMs, timeline(wire)).toBeGreaterThan(0);
    expect((cut.text as string).length).toBeGreaterThan(0);
    expect((cut.text as string).length).toBeLessThan(LONG_REPLY.join('').trim().length);
    await expect.poll(() => transcript.textContent()).toContain('(interrupted)');
    expect(wire.received.some((e) => e.type === 'turn_timing')).toBe(true);
    // Partial transcripts came while the person spoke, whenever the recogniser kept up with the
    // speech (a turn's final text within 2 s of its end; 0.2–0.6 s measured here, also on one busy
    // core). A recogniser far behind real time (9 s with two calls' tests on one core) finds its
    // partials after the speech ended, and the server drops those (voice/pipeline/speech-to-text.ts).
    const keptUp = wire.received.some(
      (e) =>
        e.type === 'turn_timing' && typeof e.finalTranscriptMs === 'number' && e.finalTranscriptMs < 2000,
    );
    if (keptUp)
      expect(
        wire.received.some((e) => e.type === 'partial_transcript'),
        timeline(wire),
      ).toBe(true);
    await expect(screen.getByTestId('call-latency').textContent()).resolves.toMatch(/\d+ ms/);

    // End the call: the screen goes, the socket closes normally, and the conversation shows the
    // spoken question and the cut reply.
    await screen.getByRole('button', { name: 'End call', exact: true }).click();
    await screen.waitFor({ state: 'detached' });
    const messages = page.locator('article[data-message-id]');
    await expect
      .poll(async () => (await messages.allTextContents()).join(' ').toLowerCase(), { timeout: 15_000 })
      .toContain(question.text);
    const branch = await api(context, server.url, 'GET', `/api/conversations/${conversationId}/messages`);
    const stored = branch.json.messages as { id: string; role: string; content: string }[];
    expect(stored.find((m) => m.id === question.messageId)?.content).toBe(question.text);
    expect(stored.find((m) => m.id === interrupted.messageId)?.content).toBe(cut.text);
    await saveTimeline('voice-call-hands-free', await voiceWire(page));
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
