/**
 * Every stable error code the API, the stream parts and stored reply errors use. Clients branch on
 * these (the SDK, the web app's messages), so a code is never renamed; `AppError` takes only these,
 * which makes a typo a compile error. Grouped by where they arise; the order means nothing.
 */
export const ERROR_CODES = [
  // Requests (http/, routes/)
  'invalid_request',
  'invalid_frame',
  'route_not_found',
  'uri_too_long',
  'unstorable_value',
  'payload_too_large',
  'unsupported_media_type',
  'json_too_deep',
  'too_many_files',
  'rate_limited',
  'service_busy',
  'internal_error',
  'database_unavailable',
  'metrics_token_required',
  // Identity and access (security/, auth)
  'unauthorized',
  'forbidden',
  'admin_only',
  'csrf_failed',
  'invalid_token',
  'insufficient_scope',
  'scope_not_allowed',
  'session_expired',
  'account_disabled',
  'invalid_credentials',
  'wrong_password',
  'weak_password',
  'email_taken',
  'signup_closed',
  'too_many_attempts',
  'password_change_required',
  'same_password',
  'reset_token_invalid',
  'reset_token_expired',
  'reset_token_used',
  'reset_token_superseded',
  'cannot_demote_self',
  'cannot_disable_self',
  'secret_decrypt_failed',
  // Not found (errors.ts notFound(resource) builds `<resource>_not_found`)
  'attachment_not_found',
  'avatar_not_found',
  'card_not_found',
  'conversation_not_found',
  'document_not_found',
  'job_not_found',
  'lorebook_not_found',
  'memory_not_found',
  'message_not_found',
  'model_not_found',
  'model_source_not_found',
  'participant_not_found',
  'persona_not_found',
  'picture_not_found',
  'preset_not_found',
  'provider_not_found',
  'secret_not_found',
  'session_not_found',
  'template_not_found',
  'token_not_found',
  'user_not_found',
  // Conversations and replies (services/turns/, reply-failure.ts, the reply bus)
  'message_empty',
  'message_too_long',
  'cannot_regenerate_greeting',
  'cannot_continue',
  'message_streaming',
  'too_many_replies',
  'interrupted',
  'cancelled',
  'cancel_unreachable',
  'no_model_configured',
  // Compare and merge (services/turns/compare-planner.ts)
  'compare_models_invalid',
  'merge_reply_invalid',
  // Incognito conversations (services/conversation.service.ts, conversation-transfer.service.ts)
  'incognito_permanent',
  'incognito_not_exportable',
  // Participants (services/participant.service.ts)
  'participant_exists',
  'cannot_remove_primary_avatar',
  'cannot_remove_owner',
  // Memories (services/memory.service.ts)
  'memory_limit_reached',
  'memory_not_current',
  'confirmation_required',
  // Model providers (providers/; ProviderErrorCode is this subset)
  'provider_auth_failed',
  'provider_protocol_error',
  'provider_timeout',
  'provider_unavailable',
  'provider_rate_limited',
  'provider_bad_request',
  'context_length_exceeded',
  'local_only',
  'pull_not_supported',
  // The model answered, but not in the shape asked for (structured output: not JSON, breaks the schema)
  'model_bad_output',
  // Background jobs (jobs/)
  'job_not_failed',
  'jobs_unavailable',
  // Local model files (models/)
  'checksum_mismatch',
  'download_failed',
  'download_refused',
  'insufficient_storage',
  'model_exists',
  'not_a_gguf_file',
  // Outbound requests (net/)
  'outbound_address_blocked',
  'outbound_url_refused',
  'outbound_unreachable',
  'outbound_timeout',
  'outbound_http_error',
  'outbound_response_too_large',
  'outbound_line_too_long',
  // Pictures and image generation
  'image_corrupt',
  'image_unsupported',
  'image_too_large',
  'image_too_complex',
  'image_too_many_frames',
  'image_dimensions_too_large',
  'image_aspect_ratio_unsupported',
  'image_generation_failed',
  'image_generation_not_configured',
  'image_generation_timeout',
  // Attachments (attachments/, services/attachment.service.ts)
  'attachment_too_large',
  'attachment_unsupported_type',
  'attachment_unreadable',
  'attachment_in_use',
  // Attachments on messages (services/reply.service.ts, conversation-context.service.ts)
  'attachment_limit',
  'model_cannot_see_images',
  // Knowledge documents of avatars (services/knowledge.service.ts); the document_* ones are a
  // document's stored indexing error (`error.code`), not statuses
  'file_too_large',
  'unsupported_file_type',
  'knowledge_limit_reached',
  'document_encrypted',
  'document_corrupt',
  'document_empty',
  'document_archive_bomb',
  'document_timeout',
  'document_too_complex',
  // Character cards, lorebooks, avatar XML (cards/)
  'card_format_unsupported',
  'card_invalid',
  'card_not_json',
  'card_png_invalid',
  'card_too_large',
  'charx_invalid',
  'charx_too_large',
  'charx_unsafe_path',
  'lorebook_invalid',
  'import_budget_exceeded',
  // A per-file import result, not a status: the user already has an avatar from the same content
  'already_imported',
  'invalid_avatar',
  'invalid_avatar_xml',
  'xml_dtd_forbidden',
  'xml_duplicate',
  'xml_invalid_value',
  'xml_malformed',
  'xml_too_deep',
  'xml_too_large',
  'xml_wrong_root',
  'xml_unknown_element',
  'xml_unknown_attribute',
  'xml_missing',
  'xml_unexpected_content',
  // Conversation files (conversation-formats/)
  'conversation_file_bad_line',
  'conversation_file_empty',
  'conversation_file_invalid',
  'conversation_file_not_json',
  'conversation_file_too_large',
  'conversation_file_unsupported',
  'conversation_file_version_unsupported',
  'conversation_too_many_messages',
  'conversation_tree_invalid',
  // Embeddings (memory/embedder.ts, providers/provider-registry.ts)
  'model_cannot_embed',
  'embedding_dimension_mismatch',
  'embedding_invalid',
  // Voice engines and REST (voice/engines/, routes/voice.routes.ts; docs/voice.md)
  'voice_engine_not_found',
  'voice_not_found',
  'voice_engine_unavailable',
  'voice_synthesis_failed',
  // Network voice engines an admin configures (services/voice-network-engine.service.ts)
  'voice_network_engine_not_found',
  'voice_network_engine_limit',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The resources `notFound(resource)` may name: those whose `<resource>_not_found` is a code. */
export type NotFoundResource = ErrorCode extends infer Code
  ? Code extends `${infer Resource}_not_found`
    ? Resource
    : never
  : never;

/** The codes a model call can end with (providers/types.ts `ProviderErrorCode`). */
export const PROVIDER_ERROR_CODES = [
  'provider_auth_failed',
  'model_not_found',
  'provider_protocol_error',
  'model_bad_output',
  'provider_timeout',
  'provider_unavailable',
  'provider_rate_limited',
  'provider_bad_request',
  'context_length_exceeded',
  'local_only',
  'outbound_address_blocked',
  'cancelled',
] as const satisfies readonly ErrorCode[];

const KNOWN = new Set<string>(ERROR_CODES);

/** Whether a code read from outside (a stored row, a peer instance) is one of ours. */
export const isErrorCode = (code: string): code is ErrorCode => KNOWN.has(code);

/** An error as a client sees it and a reply stores it: a stable code and our own words. */
export interface CodedError {
  code: ErrorCode;
  message: string;
}
