import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AvatarVoice } from '../domain/avatar.js';
import { AppError, invalidRequest } from '../errors.js';
import { progressStream } from '../http/progress-stream.js';
import { sendServerSentEvents } from '../http/sse.js';
import { requireAdmin, requireIdentity } from '../security/authenticate.js';
import type { VoiceEngines } from '../voice/engines/registry.js';
import { concatSamples, encodeWav } from '../voice/engines/resample.js';
import type { VoiceModels } from '../voice/engines/sherpa-models.js';
import type { TtsEngine } from '../voice/engines/types.js';
import { errorResponses } from './schemas.js';

export interface VoiceRouteDeps {
  engines: VoiceEngines;
  models: VoiceModels;
  /** The avatar's voice, for an avatar the user may chat with (404 `avatar_not_found` otherwise). */
  avatarVoice(userId: string, avatarId: string): Promise<AvatarVoice>;
  /** Whole-request bound of `POST /api/voice/speak` (default 30 s). */
  speakTimeoutMs?: number;
  /** Syntheses at once across the instance (default 4); more wait for nothing: 503 `service_busy`. */
  maxConcurrentSpeak?: number;
}

export const MAX_SPEAK_TEXT = 2_000;

const multiplier = z.number().min(0.25).max(4);

/** Engine errors (plain errors with a string `code`) → the API's codes and statuses. */
function engineFailure(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'engine_not_found':
      return new AppError(404, 'voice_engine_not_found', message);
    case 'local_only':
      return new AppError(403, 'local_only', message);
    case 'voice_not_found':
      return new AppError(404, 'voice_not_found', message);
    case 'bad_tts_option':
    case 'text_too_long':
      return invalidRequest(message);
    case 'engine_not_installed':
      return new AppError(503, 'voice_engine_unavailable', message);
    case 'tts_timeout':
      return new AppError(504, 'voice_synthesis_failed', 'The voice engine did not finish in time');
    default:
      return new AppError(502, 'voice_synthesis_failed', `The voice engine failed: ${message}`);
  }
}

/**
 * The voice REST API (docs/voice.md): engines and their readiness, a TTS engine's voices, speech
 * for a text in an avatar's voice (voice preview, "read aloud"), and the downloadable models.
 */
export const voiceRoutes =
  (deps: VoiceRouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['voice'];
    const speakTimeoutMs = deps.speakTimeoutMs ?? 30_000;
    const maxConcurrentSpeak = deps.maxConcurrentSpeak ?? 4;
    let speaking = 0;

    // Named when the routes register, which keeps the components of openapi.json in a stable order.
    const engineDto = z
      .object({
        id: z.string(),
        kind: z.enum(['vad', 'stt', 'tts']),
        family: z.enum(['system', 'sherpa', 'network', 'builtin']),
        label: z.string(),
        remote: z.boolean().describe('Audio leaves this machine; refused in local-only mode'),
        ready: z.boolean(),
        code: z
          .string()
          .optional()
          .describe('Why not ready: engine_not_installed, model_missing, local_only, …'),
        detail: z.string().optional().describe('One sentence, with what to install'),
      })
      .meta({ id: 'VoiceEngine' });

    const voiceDto = z
      .object({
        id: z.string(),
        label: z.string(),
        language: z.string().nullable(),
        gender: z.enum(['female', 'male']).nullable(),
      })
      .meta({ id: 'TtsVoice' });

    const modelDto = z
      .object({
        id: z.string(),
        kind: z.enum(['vad', 'stt', 'tts']),
        engine: z.string(),
        label: z.string(),
        sizeBytes: z.number().int(),
        sha256: z.string().describe("SHA-256 of the model's largest file; every file's is in `files`"),
        license: z.string(),
        installed: z.boolean(),
        code: z.string().optional().describe('model_missing or model_corrupt when not installed'),
        detail: z.string().optional(),
        files: z.array(z.object({ name: z.string(), sizeBytes: z.number().int(), sha256: z.string() })),
      })
      .meta({ id: 'VoiceModel' });

    const ttsEngine = async (id: string | null | undefined): Promise<TtsEngine> => {
      let engine: TtsEngine;
      await deps.engines.localOnly(); // the admin's switch as it is now
      try {
        engine = deps.engines.tts(id);
      } catch (err) {
        throw engineFailure(err);
      }
      const readiness = await engine.readiness();
      if (!readiness.ready) {
        throw new AppError(
          503,
          'voice_engine_unavailable',
          readiness.detail ?? `${engine.label} cannot run on this server now`,
          { engineCode: readiness.code ?? null },
        );
      }
      return engine;
    };

    app.get(
      '/api/voice/engines',
      {
        schema: {
          tags,
          summary: 'Every voice engine on this instance, whether it can run now, and the defaults',
          response: {
            200: z.object({
              engines: z.array(engineDto),
              defaults: z.object({ vad: z.string(), stt: z.string(), tts: z.string() }),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        requireIdentity(request);
        const engines = await deps.engines.list();
        return { engines, defaults: deps.engines.defaults() };
      },
    );

    app.get(
      '/api/voice/engines/:id/voices',
      {
        schema: {
          tags,
          summary: "A TTS engine's voices",
          params: z.object({ id: z.string().min(1).max(100) }),
          response: { 200: z.object({ voices: z.array(voiceDto) }), ...errorResponses(401, 403, 404, 503) },
        },
      },
      async (request) => {
        requireIdentity(request);
        const engine = await ttsEngine(request.params.id);
        try {
          return { voices: await engine.voices() };
        } catch (err) {
          throw engineFailure(err);
        }
      },
    );

    app.post(
      '/api/voice/speak',
      {
        schema: {
          tags,
          summary: "Speech for a text (audio/wav, PCM16 mono) in an avatar's voice or the one given",
          description:
            "The avatar's voice (engine, voice, rate, pitch) unless a field overrides it; without an avatar, the default engine. Voice preview and read-aloud use it. 404 for an avatar you cannot chat with.",
          body: z.object({
            text: z.string().trim().min(1).max(MAX_SPEAK_TEXT),
            avatarId: z.uuid({ message: 'must be an avatar id (UUID)' }).optional(),
            engine: z.string().min(1).max(100).optional(),
            voice: z.string().min(1).max(200).optional(),
            rate: multiplier.optional(),
            pitch: multiplier.optional(),
          }),
          response: {
            200: z.any().describe('audio/wav, PCM16 mono at the engine’s rate'),
            ...errorResponses(400, 401, 403, 404, 502, 503, 504),
          },
        },
      },
      async (request, reply) => {
        const { user } = requireIdentity(request);
        const body = request.body;
        const avatar = body.avatarId ? await deps.avatarVoice(user.id, body.avatarId) : null;
        // Another engine than the avatar's: the avatar's voice id belongs to its engine, not this one.
        const sameEngine = !body.engine || body.engine === avatar?.engine;
        const engine = await ttsEngine(body.engine ?? avatar?.engine);
        if (speaking >= maxConcurrentSpeak) {
          throw new AppError(503, 'service_busy', 'Too many voices are being synthesized; try again');
        }
        speaking++;
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), speakTimeoutMs);
        const onClose = () => {
          if (!reply.sent) controller.abort();
        };
        // The response's close before it is sent: the client went away.
        reply.raw.once('close', onClose);
        try {
          const parts: Int16Array[] = [];
          let sampleRate = 0;
          for await (const chunk of engine.synthesize(body.text, {
            voice: body.voice ?? (sameEngine ? (avatar?.voice ?? null) : null),
            rate: body.rate ?? avatar?.rate ?? 1,
            pitch: body.pitch ?? avatar?.pitch ?? 1,
            signal: controller.signal,
          })) {
            if (sampleRate && chunk.sampleRate !== sampleRate) {
              throw new AppError(502, 'voice_synthesis_failed', 'The voice engine changed its sample rate');
            }
            sampleRate = chunk.sampleRate;
            parts.push(chunk.samples);
          }
          if (controller.signal.aborted) {
            throw new AppError(504, 'voice_synthesis_failed', 'The voice engine did not finish in time');
          }
          if (!sampleRate)
            throw new AppError(502, 'voice_synthesis_failed', 'The voice engine produced no audio');
          return reply
            .type('audio/wav')
            .header('cache-control', 'no-store')
            .send(encodeWav(concatSamples(parts), sampleRate));
        } catch (err) {
          throw engineFailure(err);
        } finally {
          speaking--;
          clearTimeout(timer);
          reply.raw.off('close', onClose);
        }
      },
    );

    app.get(
      '/api/voice/models',
      {
        schema: {
          tags,
          summary: 'Downloadable speech models (sherpa-onnx) and whether each is installed',
          response: { 200: z.object({ models: z.array(modelDto) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        requireIdentity(request);
        const models = await deps.models.list();
        return {
          models: models.map(({ ready: _ready, ...model }) => model),
        };
      },
    );

    app.post(
      '/api/admin/voice/models/:id',
      {
        schema: {
          tags: ['admin', ...tags],
          summary: 'Download a speech model with resume and SHA-256 per file',
          description:
            'SSE: `progress {receivedBytes, totalBytes, bytesPerSecond}` … then `done {id, sizeBytes, files}` or `error {code, message}`.',
          params: z.object({ id: z.string().min(1).max(200) }),
          response: { ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        // Unknown ids are a plain 404 before the event stream starts.
        await deps.models.status(request.params.id);
        await sendServerSentEvents(request, reply, (signal) =>
          progressStream(
            (onProgress) => deps.models.download(request.params.id, onProgress, signal),
            (result) => ({ ...result }),
          ),
        );
        await deps.engines.refresh();
      },
    );
  };
