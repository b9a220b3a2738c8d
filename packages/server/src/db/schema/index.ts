export * from './sessions.js';
export * from './settings.js';
export * from './users.js';
