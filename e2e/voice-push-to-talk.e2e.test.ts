import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import { saveViewportScreenshot, seriousAxeViolations, watchContext } from './support/browser.js';
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
  waitForMic,
} from './support/voice.js';

// Push-to-talk in a real browser (issue 14): Chromium's fake microphone says the same question
// over and over (the WAV loops), and the call screen must send nothing of it until the talk
// button (or Space) is held; releasing it ends the turn (`end`), and the server transcribes the
// held stretch and answers aloud. Holding Space over the reply stops it at once and talks. The test follows the fake microphone's level in the page to
// hold the button across exactly one question, from the silence before it to the one after.

const person: Account = { email: 'grace@example.org', password: 'compiler nanoseconds 1952', name: 'Grace' };
/** The first reply: long (about half a minute of speech), so it still plays when Space is held over it. */
const REPLY = PARIS_REPLY.slice(0, 10);
/** A phone (the size of a common one), in dark mode: the call screen's smallest layout. */
const PHONE = { width: 390, height: 844 };

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
let workDir = '';
let avatarId = '';
const opened: BrowserContext[] = [];

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lumina-ptt-e2e-'));
  const part = (name: string) => path.join(workDir, name);
  // One loop: 1.5 s silence, the question (~1.8 s), 2.5 s silence — a 4 s pause between questions
  // to press and release in.
  silenceWav(part('before.wav'), 1.5);
  speechWav(part('question.wav'), 'what is the capital of france');
  silenceWav(part('after.wav'), 2.5);
  const loop = part('loop.wav');
  joinWavs(loop, [part('before.wav'), part('question.wav'), part('after.wav')]);

  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchFakeMicBrowser(loop);
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, person);
  const avatar = await api(setup, server.url, 'POST', '/api/avatars', { name: 'Professor Ada' });
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

/** Holds the talk control (`press`/`release`) across one whole question of the looping microphone. */
async function talkOverOneQuestion(page: Page, press: () => Promise<void>, release: () => Promise<void>) {
  // Start in the pause between two questions, so the held stretch has the whole of one.
  await waitForMic(page, 'speaking', { forMs: 150, timeoutMs: 30_000 });
  await waitForMic(page, 'silent', { forMs: 600, timeoutMs: 30_000 });
  await press();
  await waitForMic(page, 'speaking', { forMs: 150, timeoutMs: 30_000 });
  await waitForMic(page, 'silent', { forMs: 600, timeoutMs: 30_000 });
  await release();
}

describe('push-to-talk', () => {
  it('sends nothing until the button is held; releasing it ends the turn and the reply comes; Space held over a reply stops it and talks', {
    timeout: 180_000,
  }, async () => {
    const context = await browser.newContext({ viewport: PHONE, colorScheme: 'dark', hasTouch: false });
    opened.push(context);
    const watch = watchContext(context);
    await signInByApi(context, server.url, person);
    const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
    const conversationId = (created.json.conversation as { id: string }).id;
    ollama.script({ kind: 'text', tokens: REPLY, delayMs: 20 });
    await context.addInitScript(recordVoiceSocket);
    const page = await context.newPage();
    await page.goto(`${server.url}/chat/${conversationId}`);
    // The mode chosen in an earlier call is remembered in the browser.
    await page.evaluate(() => localStorage.setItem('lumina.voice.mode', 'push_to_talk'));
    await page.getByRole('button', { name: 'Call Professor Ada' }).click();
    const screen = page.getByRole('dialog', { name: 'Call with Professor Ada' });
    await screen.waitFor();
    await expect
      .poll(
        async () => await screen.getByRole('radio', { name: 'Push to talk' }).getAttribute('aria-checked'),
      )
      .toBe('true');
    const talkButton = screen.getByRole('button', { name: 'Hold to talk' });
    await expect.poll(() => talkButton.isEnabled(), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(async () => (await voiceWire(page)).received.some((e) => e.type === 'ready'), { timeout: 30_000 })
      .toBe(true);
    let wire = await voiceWire(page);
    expect(wire.sent[0]).toMatchObject({ type: 'start', sampleRate: 16_000, mode: 'push_to_talk' });

    // A whole question is said while nothing is held: not a byte of it leaves the page, and the
    // server hears nothing (no speech, no transcript).
    await waitForMic(page, 'speaking', { forMs: 150, timeoutMs: 30_000 });
    await waitForMic(page, 'silent', { forMs: 600, timeoutMs: 30_000 });
    wire = await voiceWire(page);
    expect(wire.sentAudioBytes, timeline(wire)).toBe(0);
    expect(
      wire.received.filter((e) =>
        ['vad', 'partial_transcript', 'segment_transcript', 'final_transcript'].includes(e.type),
      ),
    ).toEqual([]);
    await expect(screen.getByTestId('call-phase').getAttribute('data-phase')).resolves.toBe('listening');
    await saveViewportScreenshot(page, 'voice-call-push-to-talk-phone-dark');

    // Held with the pointer across one question: audio goes out while held, `end` on release,
    // then the transcript of what was said and the spoken reply.
    const box = (await talkButton.boundingBox())!;
    await talkOverOneQuestion(
      page,
      async () => {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.down();
        await screen.getByRole('button', { name: 'Listening…' }).waitFor();
      },
      () => page.mouse.up(),
    );
    wire = await voiceWire(page);
    const released = wire.sent.find((e) => e.type === 'end');
    expect(released, timeline(wire)).toBeTruthy();
    expect(wire.sentAudioBytes).toBeGreaterThan(2 * 32_000);
    // Nothing was sent after the release.
    expect(wire.lastAudioSentAt!).toBeLessThanOrEqual(released!.at);
    const final = async (count: number) => {
      await expect
        .poll(
          async () => (await voiceWire(page)).received.filter((e) => e.type === 'final_transcript').length,
          {
            timeout: 60_000,
          },
        )
        .toBeGreaterThanOrEqual(count)
        .catch(async (error: Error) => {
          const now = await voiceWire(page);
          throw new Error(`no final transcript ${count}. ${heard(now)}\n${timeline(now)}`, { cause: error });
        });
      return (await voiceWire(page)).received.filter((e) => e.type === 'final_transcript')[count - 1]!;
    };
    const question = await final(1);
    wire = await voiceWire(page);
    expect(question.text, `${heard(wire)}\n${timeline(wire)}`).toMatch(/capital of france/);
    // The turn ended with the release, not with a pause in the speech.
    expect(question.at).toBeGreaterThan(released!.at);
    // The press is one segment, whatever its pauses: its final words came with the release.
    const pressSegments = wire.received.filter((e) => e.type === 'segment_transcript' && e.at <= question.at);
    expect(pressSegments, timeline(wire)).toHaveLength(1);
    expect(pressSegments[0]).toMatchObject({ index: 0, turnText: question.text });
    expect(pressSegments[0]!.at).toBeGreaterThan(released!.at);
    const transcript = screen.getByRole('region', { name: 'Call transcript' });
    await expect
      .poll(() => transcript.textContent(), { timeout: 30_000 })
      .toContain('The capital of France is Paris.');
    await screen.locator('[data-phase="speaking"]').waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => (await voiceWire(page)).receivedAudioBytes, { timeout: 15_000 })
      .toBeGreaterThan(16_000);
    await saveViewportScreenshot(page, 'voice-call-push-to-talk-speaking-phone-dark');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Space (the key the screen names) held while the reply still plays stops it at once
    // (`cancel`; the server's `interrupted` answered with how much was heard, the stored reply
    // cut to that) and talks: one more question, ended by releasing Space.
    wire = await voiceWire(page);
    const reply = wire.received.find((e) => e.type === 'tts_start')!;
    let pressedAt = 0;
    await talkOverOneQuestion(
      page,
      async () => {
        pressedAt = await page.evaluate(() => performance.now());
        await page.keyboard.down('Space');
        await screen.getByRole('button', { name: 'Listening…' }).waitFor();
      },
      () => page.keyboard.up('Space'),
    );
    const second = await final(2);
    wire = await voiceWire(page);
    expect(second.text, `${heard(wire)}\n${timeline(wire)}`).toMatch(/capital of france/);
    expect(wire.sent.filter((e) => e.type === 'end')).toHaveLength(2);
    const cancel = wire.sent.find((e) => e.type === 'cancel');
    expect(cancel?.at, timeline(wire)).toBeGreaterThanOrEqual(pressedAt);
    const interrupted = wire.received.find((e) => e.type === 'interrupted');
    expect(interrupted?.messageId, timeline(wire)).toBe(reply.messageId);
    const heardMs = wire.sent.find((e) => e.type === 'playback' && e.at >= interrupted!.at);
    expect(heardMs?.playedMs).toBeGreaterThan(0);
    await expect
      .poll(
        async () =>
          (await voiceWire(page)).received.find(
            (e) => e.type === 'assistant_end' && e.messageId === reply.messageId && e.interrupted === true,
          ),
        { timeout: 15_000 },
      )
      .toBeTruthy();
    wire = await voiceWire(page);
    const cut = wire.received.find(
      (e) => e.type === 'assistant_end' && e.messageId === reply.messageId && e.interrupted === true,
    )!;
    expect((cut.text as string).length).toBeGreaterThan(0);
    expect((cut.text as string).length).toBeLessThan(REPLY.join('').trim().length);

    // The second reply plays to its end on the speakers, then the call listens again; what the
    // microphone says now is ignored again.
    await expect
      .poll(
        async () =>
          (await voiceWire(page)).received.some(
            (e) => e.type === 'assistant_end' && e.messageId !== reply.messageId && e.interrupted === false,
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
    await screen.locator('[data-phase="listening"]').waitFor({ timeout: 30_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    wire = await voiceWire(page);
    const bytesAfterTurns = wire.sentAudioBytes;
    await waitForMic(page, 'speaking', { forMs: 150, timeoutMs: 30_000 });
    await waitForMic(page, 'silent', { forMs: 600, timeoutMs: 30_000 });
    expect((await voiceWire(page)).sentAudioBytes).toBe(bytesAfterTurns);
    await saveTimeline('voice-call-push-to-talk', await voiceWire(page));

    // Both questions are stored in the conversation.
    await screen.getByRole('button', { name: 'End call', exact: true }).click();
    await screen.waitFor({ state: 'detached' });
    const branch = await api(context, server.url, 'GET', `/api/conversations/${conversationId}/messages`);
    const stored = branch.json.messages as { id: string; role: string; content: string }[];
    expect(stored.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      question.text,
      second.text,
    ]);
    expect(stored.find((m) => m.id === reply.messageId)?.content).toBe(cut.text);
    expect(watch.problems).toEqual([]);
  });
});
