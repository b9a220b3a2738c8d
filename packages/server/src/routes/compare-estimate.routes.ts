import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireIdentity } from '../security/authenticate.js';
import type { CompareEstimateService } from '../services/compare-estimate.service.js';
import { attachmentIds, errorResponses, idParams } from './schemas.js';

const costRange = z
  .object({ minUsd: z.number(), maxUsd: z.number() })
  .describe('USD: `minUsd` the prompt alone, `maxUsd` the prompt and a reply of the full budget');

export const compareEstimateDto = z
  .object({
    models: z.array(
      z.object({
        model: z.string(),
        local: z.boolean().describe('A local model costs nothing'),
        promptTokens: z
          .number()
          .int()
          .describe(
            'Tokens sent: the assembled context with the new message, counted as the context inspector counts them',
          ),
        maxOutputTokens: z
          .number()
          .int()
          .describe(
            'The reply budget the reply is capped at (the generation settings’ max tokens, else CHAT_REPLY_TOKENS)',
          ),
        price: z
          .object({ inputUsdPerMillion: z.number(), outputUsdPerMillion: z.number() })
          .nullable()
          .describe('The admin’s price for the model; null for a local or unpriced model'),
        costUsd: costRange.nullable().describe('0–0 for a local model; null when the price is unknown'),
      }),
    ),
    totalUsd: costRange
      .nullable()
      .describe('The sum over the models whose cost is known; null when none is (see `unpriced`)'),
    unpriced: z.array(z.string()).describe('Cloud models without a price, left out of the total'),
  })
  .meta({ id: 'CompareEstimate' });

/** What a compare would cost before it is sent (issue 15; docs/conversations.md "Compare"). */
export const compareEstimateRoutes =
  (deps: { estimates: CompareEstimateService }): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/api/conversations/:id/compare/estimate',
      {
        schema: {
          tags: ['conversations'],
          summary: 'Estimate what a compare would cost, per model and in total, before sending it',
          description:
            'Plans the compare `POST /api/conversations/{id}/compare` would run with the same body (nothing is stored, no model is called) and, for each model, counts the tokens its reply’s context would send and prices them with the admin’s model prices. The reply is priced as anything from nothing to the full reply budget the call is capped at, so each cost is a range. Local models cost 0; models without a price have `costUsd: null`. The models are checked as the send checks them: 400 `compare_models_invalid`, 404 `model_not_found`, 403 `local_only`. `content` may be empty (a draft); `attachments` are checked and counted as the send would (404 `attachment_not_found`, 422 `attachment_limit`, 422 `model_cannot_see_images`).',
          params: idParams,
          body: z.object({
            content: z.string().describe('The message as drafted so far (may be empty)'),
            parentId: z.uuid().optional(),
            attachments: attachmentIds
              .optional()
              .describe('Uploaded attachments the message will carry: their text and pictures are counted'),
            models: z
              .array(z.string().min(1).max(300))
              .max(16)
              .describe('2–6 distinct `provider/model` ids (else 400 `compare_models_invalid`)'),
          }),
          response: { 200: compareEstimateDto, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request) =>
        deps.estimates.estimate(requireIdentity(request).user.id, request.params.id, request.body),
    );
  };
