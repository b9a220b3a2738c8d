import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// The settings a chat runs on: generation presets (Settings → Models), an avatar's Generation
// section and personas (Settings → Profile), with content in them, at desktop and phone sizes in
// both themes: no sideways scrolling, axe-clean, screenshots to look at.

const person: Account = {
  email: 'mary@example.org',
  password: 'difference engine 12',
  name: 'Mary Somerville',
};

let server: LuminaServer;
let ollama: OllamaE2eServer;
let browser: Browser;
let avatarId: string;

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, person);
  const preset = await api(setup, server.url, 'POST', '/api/presets', {
    name: 'Storyteller',
    settings: { temperature: 1.1, topP: 0.92, maxTokens: 600, stop: ['###'] },
  });
  expect(preset.status).toBe(201);
  const presetId = (preset.json.preset as { id: string }).id;
  const avatars = await api(setup, server.url, 'GET', '/api/avatars');
  avatarId = (avatars.json.avatars as { id: string }[])[0]!.id;
  const patched = await api(setup, server.url, 'PATCH', `/api/avatars/${avatarId}`, {
    generation: { presetId, settings: { temperature: 0.8 } },
  });
  expect(patched.status).toBe(200);
  const personas = await api(setup, server.url, 'PUT', '/api/settings', {
    personas: [
      { name: 'Captain Mary', description: 'A ship’s captain who charts the stars.' },
      { name: 'Mary the student', description: 'Learning astronomy, curious about everything.' },
    ],
  });
  expect(personas.status, JSON.stringify(personas.json)).toBe(200);
  await setup.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await ollama?.close();
});

const SCREENS = [
  { name: 'presets', path: '/settings/models', ready: 'Storyteller' },
  { name: 'avatar-generation', path: '', ready: 'Save as preset' },
  { name: 'personas', path: '/settings/profile', ready: 'Captain Mary' },
];

describe('chat settings screens', () => {
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`render at ${viewportName} size in ${colorScheme} mode, axe-clean, without sideways scrolling`, async () => {
        const context = await browser.newContext({ viewport, colorScheme });
        const watch = watchContext(context);
        await signInByApi(context, server.url, person);
        const page = await context.newPage();
        for (const screen of SCREENS) {
          await page.goto(`${server.url}${screen.path || `/avatars/${avatarId}`}`);
          const ready = page.getByText(screen.ready).first();
          await ready.waitFor();
          await ready.scrollIntoViewIfNeeded();
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect(overflow, `${screen.name} scrolls sideways`).toBeLessThanOrEqual(0);
          const violations = await seriousAxeViolations(page);
          expect(violations, `${screen.name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
          await saveScreenshot(page, `${screen.name}-${viewportName}-${colorScheme}`);
        }
        expect(watch.problems).toEqual([]);
        await context.close();
      });
    }
  }
});
