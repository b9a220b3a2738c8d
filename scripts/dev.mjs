#!/usr/bin/env node
// `npm run dev`: the API server with reload on change (tsx watch, port 8080 unless PORT is set)
// and Vite's dev server (http://127.0.0.1:5173) proxying /api, /health, /metrics and /ws to it.
import { spawn } from 'node:child_process';

const port = process.env.PORT ?? '8080';
const env = {
  ...process.env,
  PORT: port,
  LUMINA_API_PORT: port,
  LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
};
const children = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'packages/server/src/bin.ts'], {
    stdio: 'inherit',
    env,
  }),
  spawn('npm', ['run', 'dev', '-w', '@lumina/web', '--', '--host', '127.0.0.1'], { stdio: 'inherit', env }),
];
const stop = (signal) => {
  for (const child of children) child.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of children)
  child.on('exit', (code) => {
    stop('SIGTERM');
    process.exitCode = code ?? 0;
  });
