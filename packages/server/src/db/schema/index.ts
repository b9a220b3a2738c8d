export * from './api-tokens.js';
export * from './avatars.js';
export * from './conversations.js';
export * from './providers.js';
export * from './secrets.js';
export * from './sessions.js';
export * from './settings.js';
export * from './users.js';
