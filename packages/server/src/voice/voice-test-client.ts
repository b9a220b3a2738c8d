import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { decodeWav } from './engines/resample.js';

/** Speech made now by `flite -voice kal16` (16 kHz mono): what the voice tests and bench say. */
export function fliteSpeech(text: string): { samples: Int16Array; sampleRate: number } {
  const dir = mkdtempSync(join(tmpdir(), 'lumina-voice-'));
  try {
    const file = join(dir, 'speech.wav');
    execFileSync('flite', ['-voice', 'kal16', '-t', text, '-o', file]);
    return decodeWav(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type VoiceClientEvent = Record<string, unknown> & { type: string; at: number };

/**
 * A real /ws/voice client for tests and the bench: records every JSON event with its arrival time
 * (`performance.now()`), counts the binary audio, and streams PCM16 in real time.
 */
export async function openVoiceClient(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const events: VoiceClientEvent[] = [];
  const audio: { at: number; bytes: number }[] = [];
  let close: { code: number; reason: string } | undefined;
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const at = performance.now();
    if (isBinary) audio.push({ at, bytes: data.length });
    else events.push({ ...(JSON.parse(String(data)) as { type: string }), at });
  });
  const closed = new Promise<void>((resolve) =>
    socket.on('close', (code, reason) => {
      close = { code, reason: String(reason) };
      resolve();
    }),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const client = {
    socket,
    events,
    audio,
    closed,
    close: () => close,
    send: (message: Record<string, unknown>) => socket.send(JSON.stringify(message)),
    sendBinary: (bytes: Buffer) => socket.send(bytes, { binary: true }),
    /** The first event (after `from`) matching, waiting up to `timeoutMs`. */
    async next(
      match: (e: VoiceClientEvent) => boolean,
      timeoutMs = 20_000,
      from = 0,
    ): Promise<VoiceClientEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.slice(from).find(match);
        if (found) return found;
        if (Date.now() > deadline || close) {
          throw new Error(
            `no matching voice event; got ${JSON.stringify(events.map((e) => e.type))} close ${JSON.stringify(close)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    /**
     * Streams `samples` in `packetMs` packets at real-time pace; `onPacket` sees each packet's
     * send time and whether it held speech (by index range `voiced`).
     */
    async stream(
      samples: Int16Array,
      sampleRate: number,
      packetMs = 100,
      onPacket?: (at: number, index: number) => void,
    ) {
      const perPacket = Math.round((sampleRate * packetMs) / 1000);
      const started = performance.now();
      for (let i = 0, n = 0; i < samples.length; i += perPacket, n++) {
        const wait = started + n * packetMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (socket.readyState !== socket.OPEN) return;
        const packet = samples.subarray(i, i + perPacket);
        onPacket?.(performance.now(), n);
        socket.send(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength), { binary: true });
      }
    },
  };
  return client;
}

/** `speech` followed by `silenceMs` of silence (the end-of-turn pause). */
export function withSilence(
  speech: Int16Array,
  sampleRate: number,
  silenceMs: number,
  beforeMs = 0,
): Int16Array {
  const before = Math.round((sampleRate * beforeMs) / 1000);
  const out = new Int16Array(before + speech.length + Math.round((sampleRate * silenceMs) / 1000));
  out.set(speech, before);
  return out;
}
