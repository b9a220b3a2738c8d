-- Replies stored before errors got our own words (issue 10 point 5) may hold a driver's text in
-- messages.error: Drizzle's "Failed query: insert into ... params: ...", a connection error that
-- names the host, or a SQLSTATE / errno as the code. Every stored error that is not one of ours
-- (codes are snake_case) or whose message holds SQL becomes internal_error with the words
-- replyFailure() uses for it (services/reply-failure.ts), so no reader (API, follow, exports,
-- backups) shows it again.
UPDATE "messages"
SET "error" = jsonb_build_object('code', 'internal_error', 'message', 'The reply failed on our side')
WHERE jsonb_typeof("error") = 'object'
  AND (
    "error"->>'code' = 'internal_error'
    OR coalesce("error"->>'code', '') !~ '^[a-z][a-z0-9_]*$'
    OR coalesce("error"->>'message', '') ILIKE 'Failed query%'
    OR coalesce("error"->>'message', '') ILIKE '%params:%'
    OR coalesce("error"->>'message', '') ~* '\m(insert\s+into|delete\s+from|update\s+"?\w+"?\s+set|select\s.+\sfrom)\M'
  );
