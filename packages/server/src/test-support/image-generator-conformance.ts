import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { ImageGenerator } from '../image-generation/image-generator.js';
import type { ProtocolServer } from './protocol-servers/protocol-server.js';

export interface ImageGeneratorHarness {
  /** The local server speaking the service's wire format; closed after the suite. */
  server: ProtocolServer;
  generator: ImageGenerator;
  /** The prompt the service received in its last generation request. */
  promptSent(): string;
}

/**
 * What every image generator must do, whatever its wire format: bring back the picture the
 * service drew with the prompt it was given, turn service errors and garbage into
 * image_generation_failed with the service's words, and stop when its signal fires.
 */
export function describeImageGeneratorConformance(name: string, setup: () => Promise<ImageGeneratorHarness>) {
  describe(`${name} image generator conformance`, () => {
    let harness: ImageGeneratorHarness;
    beforeAll(async () => {
      harness = await setup();
    });
    afterAll(async () => {
      await harness?.server.close();
    });

    const generate = (signal = AbortSignal.timeout(10_000)) =>
      harness.generator.generate({
        prompt: 'A fox keeping a lighthouse',
        negativePrompt: 'text',
        size: 512,
        signal,
      });

    const failure = async (promise: Promise<unknown>): Promise<AppError> => {
      const error = await promise.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    };

    it('brings back the picture the service drew, for the prompt it was given', async () => {
      harness.server.script({ kind: 'text', tokens: [] });
      const bytes = await generate();
      expect((await sharp(bytes).metadata()).format).toBe('png');
      expect(harness.promptSent()).toBe('A fox keeping a lighthouse');
    });

    it('reports a service error with its status, never its words', async () => {
      harness.server.script({ kind: 'http-error', status: 500, message: 'CUDA out of memory' });
      const error = await failure(generate());
      expect(error.code).toBe('image_generation_failed');
      expect(error.status).toBe(502);
      expect(error.message).toContain('500');
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('CUDA');
      expect(error.details).toMatchObject({ backend: harness.generator.backend });
    });

    it('refuses an answer that is not a picture', async () => {
      harness.server.script({ kind: 'malformed', tokens: [] });
      const error = await failure(generate());
      expect(error.code).toBe('image_generation_failed');
    });

    it('fails cleanly when the connection is cut', async () => {
      harness.server.script({ kind: 'cut', tokens: [] });
      await expect(generate()).rejects.toThrow();
    });

    it('stops waiting when its signal fires (a timeout or the caller)', async () => {
      harness.server.script({ kind: 'hang' });
      const started = Date.now();
      await expect(generate(AbortSignal.timeout(300))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
}
