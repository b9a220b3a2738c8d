import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { AvatarVoice } from '../domain/avatar.js';
import { AppError } from '../errors.js';
import type { AuthEpochs } from '../security/auth-epoch.js';
import { authenticateUpgrade, reauthenticate } from '../security/authenticate.js';
import type { IdentityService } from '../services/identity.service.js';
import type { MessageEditService } from '../services/message-edit.service.js';
import type { ReplyService } from '../services/reply.service.js';
import { EngineUnavailableError } from '../voice/call-engines.js';
import type { SttEngine, TtsEngine, VadEngine } from '../voice/engines/types.js';
import type { EndpointingOptions } from '../voice/pipeline/speech-detector.js';
import { replyServiceBridge } from '../voice/reply-service-bridge.js';
import { observeSegmentFinal, observeTurnTiming } from '../voice/voice-metrics.js';
import { type VoiceEvent, VoiceSession } from '../voice/voice-session.js';

/** Close codes of docs/voice.md. */
export const VOICE_CLOSE = {
  normal: 1000,
  policy: 1008,
  badInput: 4400,
  idle: 4408,
  tooManySessions: 4429,
  engineUnavailable: 4503,
} as const;

export interface VoiceEngineSet {
  vad: VadEngine;
  stt: SttEngine;
  tts: TtsEngine;
}

export interface VoiceSocketDeps {
  replies: Pick<ReplyService, 'send' | 'followStarted' | 'follow' | 'cancel'>;
  edits: Pick<MessageEditService, 'editInPlace' | 'delete'>;
  identities: IdentityService;
  epochs: AuthEpochs;
  /** The voice of the avatar of one of the user's conversations; 404 `conversation_not_found` otherwise. */
  conversationVoice: (userId: string, conversationId: string) => Promise<AvatarVoice>;
  /** The engines for a call in this voice; throws (503 `engine_unavailable`, …) when one cannot run. */
  engines: (voice: AvatarVoice) => Promise<VoiceEngineSet>;
  /** Calls open at once on this instance (default 32). */
  maxSessions?: number;
  /** A call with no frame from the client this long ends with 4408 (default 60 s). */
  idleTimeoutMs?: number;
  /**
   * Bytes waiting in the socket's send buffer above which audio is dropped (default 1 MiB); once
   * what waits plus the audio dropped since the client last kept up passes 4× this, the call ends
   * with `client_too_slow`. (The kernel's socket buffers come first: over TCP on loopback they
   * take ~4 MB before anything waits here.)
   */
  maxBufferedBytes?: number;
  endpointing?: Partial<EndpointingOptions>;
  playbackReportWaitMs?: number;
}

const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    sampleRate: z.number(),
    mode: z.enum(['hands_free', 'push_to_talk']).default('hands_free'),
  }),
  z.object({ type: z.literal('end') }),
  z.object({ type: z.literal('cancel') }),
  z.object({ type: z.literal('playback'), playedMs: z.number().nonnegative().finite() }),
  z.object({ type: z.literal('mute'), muted: z.boolean() }),
]);

/** Binary frames that are a file or container, not raw PCM (WAV, Ogg, FLAC, MP3, WebM/Matroska). */
const CONTAINER_MAGIC = ['RIFF', 'OggS', 'fLaC', 'ID3'].map((s) => Buffer.from(s, 'latin1'));
const WEBM_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const isContainer = (data: Buffer) =>
  CONTAINER_MAGIC.some((magic) => data.subarray(0, magic.length).equals(magic)) ||
  data.subarray(0, 4).equals(WEBM_MAGIC);

let openSessions = 0;

/** Calls open on this process now (tests, metrics). */
export const openVoiceSessions = () => openSessions;

/**
 * `GET /ws/voice?conversationId=`: one call per socket (docs/voice.md). Authenticated on upgrade
 * like the other sockets (session cookie with the CSRF rule, or `?token=`), the conversation must
 * be the caller's; the credential is checked again before every turn and on every revoke (a
 * revoked one ends the call with `session_expired` once the current turn is over).
 */
export const voiceSocketRoutes =
  (deps: VoiceSocketDeps): FastifyPluginAsync =>
  async (app) => {
    const maxSessions = deps.maxSessions ?? 32;
    const idleTimeoutMs = deps.idleTimeoutMs ?? 60_000;
    const maxBuffered = deps.maxBufferedBytes ?? 1024 * 1024;

    app.get('/ws/voice', { websocket: true, schema: { hide: true } }, (socket: WebSocket, request) => {
      const sendJson = (event: VoiceEvent) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
      };
      const refuse = (closeCode: number, code: string, message: string) => {
        sendJson({ type: 'error', code, message });
        if (socket.readyState === socket.OPEN) socket.close(closeCode, code);
      };

      let userId: string;
      try {
        userId = authenticateUpgrade(request).user.id;
      } catch (err) {
        const known = err instanceof AppError;
        refuse(
          VOICE_CLOSE.policy,
          known ? err.code : 'unauthorized',
          known ? err.message : 'Sign in to call',
        );
        return;
      }
      const conversationId = (request.query as Record<string, unknown>).conversationId;
      if (typeof conversationId !== 'string' || !z.uuid().safeParse(conversationId).success) {
        refuse(
          VOICE_CLOSE.badInput,
          'invalid_request',
          'conversationId must be the id of one of your conversations',
        );
        return;
      }
      if (openSessions >= maxSessions) {
        refuse(
          VOICE_CLOSE.tooManySessions,
          'too_many_sessions',
          `This server takes ${maxSessions} calls at once; try again shortly`,
        );
        return;
      }
      openSessions += 1;
      new VoiceCall(socket, request, deps, userId, conversationId, { idleTimeoutMs, maxBuffered }).run();
      socket.on('close', () => {
        openSessions -= 1;
      });
    });
  };

/** One socket's call: its frames, its session, its timers. */
class VoiceCall {
  private session: VoiceSession | undefined;
  private starting = false;
  private expired = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Audio bytes dropped since the client last kept up (reported once per such stretch). */
  private droppedBytes = 0;
  private voice: Promise<AvatarVoice>;
  private stopListening: () => void = () => {};

  constructor(
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
    private readonly deps: VoiceSocketDeps,
    private readonly userId: string,
    private readonly conversationId: string,
    private readonly limits: { idleTimeoutMs: number; maxBuffered: number },
  ) {
    this.voice = deps.conversationVoice(userId, conversationId);
    this.voice.catch(() => {});
  }

  run() {
    const { socket } = this;
    this.voice.catch((err) => {
      const known = err instanceof AppError;
      this.close(
        VOICE_CLOSE.policy,
        known ? err.code : 'internal_error',
        known ? err.message : 'Something went wrong on our side',
      );
    });
    this.stopListening = this.deps.epochs.onBump((bumped) => {
      if (bumped === this.userId) void this.recheck();
    });
    this.touch();
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.touch();
      try {
        if (isBinary) this.audio(data);
        else this.json(data);
      } catch (err) {
        this.fail(err);
      }
    });
    socket.on('close', () => {
      clearTimeout(this.idleTimer);
      this.stopListening();
      this.session?.close();
    });
  }

  private touch() {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () => this.close(VOICE_CLOSE.idle, 'idle_timeout', 'Nothing was received for too long; the call ended'),
      this.limits.idleTimeoutMs,
    );
    this.idleTimer.unref();
  }

  private sendJson(event: VoiceEvent) {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(event));
  }

  /**
   * Out with backpressure: while more than the limit waits unsent, audio is dropped (reported once
   * per stretch); once what waits plus what was dropped passes 4× the limit, the client is too
   * slow for the call, which ends.
   */
  private send = (event: VoiceEvent | Int16Array) => {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN) return;
    const limit = this.limits.maxBuffered;
    if (socket.bufferedAmount + this.droppedBytes > 4 * limit) {
      this.close(
        VOICE_CLOSE.policy,
        'client_too_slow',
        'The connection does not keep up with the audio; the call ended',
      );
      return;
    }
    if (event instanceof Int16Array) {
      if (socket.bufferedAmount > limit) {
        if (this.droppedBytes === 0) {
          this.sendJson({
            type: 'error',
            code: 'audio_dropped',
            message: 'Audio was dropped: the connection does not keep up',
          });
        }
        this.droppedBytes += event.byteLength;
        return;
      }
      this.droppedBytes = 0;
      socket.send(Buffer.from(event.buffer, event.byteOffset, event.byteLength), { binary: true });
      return;
    }
    this.sendJson(event);
  };

  /**
   * Ends the call: the error, then the close frame. The session stops now (its reply cancelled),
   * not when the client acknowledges the close — a client that does not read may never do so
   * (the socket is destroyed after ws's close timeout then).
   */
  private close(code: number, errorCode: string, message: string) {
    this.sendJson({ type: 'error', code: errorCode, message });
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, errorCode);
    }
    clearTimeout(this.idleTimer);
    this.session?.close();
  }

  private badInput(code: string, message: string) {
    this.close(VOICE_CLOSE.badInput, code, message);
  }

  private fail(err: unknown) {
    if (err instanceof AppError && err.code === 'session_expired') {
      this.close(VOICE_CLOSE.policy, 'session_expired', err.message);
      return;
    }
    const known = err instanceof AppError;
    if (!known) this.request.log.error({ err }, 'voice call failed');
    this.sendJson({
      type: 'error',
      code: known ? err.code : ((err as { code?: string })?.code ?? 'internal_error'),
      message: known ? err.message : 'Something went wrong on our side',
    });
  }

  /** The credential once more; a revoked one ends the call now or after the current turn. */
  private async authorize(): Promise<void> {
    try {
      await reauthenticate(this.request, this.deps.identities);
    } catch (err) {
      if (!(err instanceof AppError && err.status === 401)) throw err;
      throw new AppError(401, 'session_expired', 'Your session has ended. Sign in again to continue.');
    }
  }

  private async recheck() {
    try {
      await this.authorize();
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'session_expired')) return;
      this.expired = true;
      if (!this.session?.turnInProgress) this.fail(err);
    }
  }

  private audio(data: Buffer) {
    if (!this.session && !this.starting) {
      this.badInput('audio_before_start', 'Send {"type":"start"} before any audio');
      return;
    }
    if (data.length % 2 !== 0 || isContainer(data)) {
      this.badInput(
        'bad_frame',
        'Audio frames are raw PCM16LE mono: a whole number of 2-byte samples, no file headers',
      );
      return;
    }
    const samples = new Int16Array(data.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
    if (this.session) this.session.audio(samples, this.sampleRate);
    // Audio sent right after `start`, while the engines open, waits (up to ~5 s of packets).
    else if (this.early.length < 50) this.early.push(samples);
  }

  private early: Int16Array[] = [];

  private sampleRate = 16_000;

  private json(data: Buffer) {
    let parsed: ReturnType<typeof clientFrameSchema.safeParse>;
    try {
      parsed = clientFrameSchema.safeParse(JSON.parse(data.toString('utf8')));
    } catch {
      this.badInput('unknown_message', 'Frames are JSON messages of docs/voice.md or binary PCM16 audio');
      return;
    }
    if (!parsed.success) {
      this.badInput('unknown_message', 'The message is not one of start, end, cancel, playback, mute');
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'start') {
      void this.start(frame.sampleRate, frame.mode);
      return;
    }
    if (!this.session) {
      if (this.starting) {
        this.sendJson({ type: 'error', code: 'not_ready', message: 'Wait for "ready" before this message' });
        return;
      }
      this.badInput('audio_before_start', 'Send {"type":"start"} first');
      return;
    }
    switch (frame.type) {
      case 'end':
        this.session.endOfUtterance();
        return;
      case 'cancel':
        this.session.cancel();
        return;
      case 'playback':
        this.session.playback(frame.playedMs);
        return;
      case 'mute':
        this.session.mute(frame.muted);
        return;
    }
  }

  private async start(sampleRate: number, mode: 'hands_free' | 'push_to_talk') {
    if (this.session || this.starting) {
      this.sendJson({ type: 'error', code: 'already_started', message: 'This call has started already' });
      return;
    }
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 48_000) {
      this.badInput('bad_sample_rate', 'sampleRate must be a whole number of Hz from 8,000 to 48,000');
      return;
    }
    this.starting = true;
    this.sampleRate = sampleRate;
    let engines: VoiceEngineSet;
    let voice: AvatarVoice;
    try {
      voice = await this.voice;
    } catch {
      return; // run() closes the call
    }
    try {
      engines = await this.deps.engines(voice);
    } catch (err) {
      const known = err instanceof EngineUnavailableError;
      if (!known) this.request.log.error({ err }, 'voice engines failed');
      this.close(
        VOICE_CLOSE.engineUnavailable,
        known ? err.code : 'engine_unavailable',
        known ? err.message : 'A speech engine cannot run on this server',
      );
      return;
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    const log = this.request.log;
    this.session = await VoiceSession.start(
      {
        engines,
        voice: { voice: voice.voice, rate: voice.rate, pitch: voice.pitch },
        chat: replyServiceBridge({
          replies: this.deps.replies,
          edits: this.deps.edits,
          userId: this.userId,
          conversationId: this.conversationId,
          authorize: () => this.authorize(),
        }),
        send: this.send,
        ...(this.deps.endpointing ? { endpointing: this.deps.endpointing } : {}),
        ...(this.deps.playbackReportWaitMs ? { playbackReportWaitMs: this.deps.playbackReportWaitMs } : {}),
        onTiming: (timing) => {
          observeTurnTiming(timing);
          log.info({ turnTiming: timing, conversationId: this.conversationId }, 'voice turn');
        },
        onSegmentFinal: (ms) => {
          observeSegmentFinal(ms);
          log.debug({ segmentFinalMs: Math.round(ms), conversationId: this.conversationId }, 'voice segment');
        },
        onTurnEnd: () => {
          // The turn is over (its reply sent, or its interruption settled): an expired call ends now.
          if (this.expired) {
            this.close(
              VOICE_CLOSE.policy,
              'session_expired',
              'Your session has ended. Sign in again to continue.',
            );
          }
        },
        onFailure: (err) => this.fail(err),
        onDrop: () =>
          this.sendJson({
            type: 'error',
            code: 'audio_dropped',
            message: 'Audio was dropped: the server does not keep up',
          }),
      },
      { sampleRate, mode },
    );
    if (this.socket.readyState !== this.socket.OPEN) {
      this.session.close();
      return;
    }
    for (const samples of this.early.splice(0)) this.session.audio(samples, sampleRate);
  }
}
