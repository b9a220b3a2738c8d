import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveScreenshot,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { KeyCheckingOpenAiServer, OllamaE2eServer, startModelFileServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// Settings → Models, Admin → Models & pricing and the first-run card, against a real Lumina
// talking to real (local, scripted) Ollama and OpenAI protocol servers.

const admin: Account = { email: 'admin@example.org', password: 'lighthouse keeper 7', name: 'Grace Hopper' };
const member: Account = { email: 'linus@example.org', password: 'penguin sweater 91', name: 'Linus Pauling' };
const newcomer: Account = { email: 'ada@example.org', password: 'analytical engine 3', name: 'Ada Lovelace' };
const GOOD_KEY = 'sk-good-0123456789';
const LOCAL_MODEL = 'ollama/llama3.2:1b';

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
let openai: KeyCheckingOpenAiServer;
let modelFile: Awaited<ReturnType<typeof startModelFileServer>>;
const opened: BrowserContext[] = [];

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  openai = await new KeyCheckingOpenAiServer(GOOD_KEY).listen();
  modelFile = await startModelFileServer({
    fileName: 'tiny-test.gguf',
    sizeBytes: 6_000_000,
    durationMs: 3000,
  });
  server = await startLumina({
    env: {
      OLLAMA_BASE_URL: ollama.origin,
      LUMINA_OLLAMA_AUTODETECT: 'false',
      // The stand-ins for cloud providers listen on loopback, which members may not reach unless
      // the administrator allows it; 127.0.0.2 stays refused (the blocked-address case below).
      LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
    },
  });
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, admin);
  for (const account of [member, newcomer]) {
    const created = await api(setup, server.url, 'POST', '/api/admin/users', account);
    expect(created.status).toBe(201);
  }
  await setup.close();
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
  await openai?.close();
  await modelFile?.close();
});

async function open(
  as: Account,
  {
    viewport = VIEWPORTS.desktop as { width: number; height: number },
    colorScheme = 'light' as 'light' | 'dark',
  } = {},
): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, as);
  return { context, page: await context.newPage(), watch };
}

async function modelsPage(page: Page) {
  await page.goto(`${server.url}/settings/models`);
  await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
  await page.getByRole('heading', { name: 'Ollama', exact: true }).waitFor();
  await page.waitForLoadState('networkidle');
}

const valueNow = async (page: Page, name: string) =>
  Number(await page.getByRole('progressbar', { name }).getAttribute('aria-valuenow'));

describe('models', () => {
  it('first run: Home finds Ollama and makes its model the default', async () => {
    const { context, page, watch } = await open(member);
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Choose the model your avatars use' }).waitFor();
    await page.getByText(`Ollama found at ${ollama.origin}`).waitFor();
    // The other two ways are offered too; a member is told an administrator can download models.
    await page.getByRole('button', { name: 'Add an API key' }).waitFor();
    await page.getByText('An administrator can install Lumina’s embedded engine').waitFor();
    await saveScreenshot(page, 'home-model-setup-first-run');

    await page.getByRole('button', { name: 'Use llama3.2:1b as default' }).click();
    await page.getByRole('heading', { name: 'Your default model is set' }).waitFor();
    const settings = await api(context, server.url, 'GET', '/api/settings');
    expect((settings.json.settings as { defaultModel: string }).defaultModel).toBe(LOCAL_MODEL);
    await saveScreenshot(page, 'home-model-ready-desktop-light');
    expect(watch.problems).toEqual([]);
  });

  it('Try it streams the reply from the default model with the summary, and Esc stops it', async () => {
    const { page, watch } = await open(member);
    await modelsPage(page);
    const form = page.getByRole('form', { name: 'Try a model' });
    await form.getByRole('button', { name: 'Send' }).click();
    await page.getByText(`Answered by ${LOCAL_MODEL}`).waitFor();
    const reply = page.getByRole('region', { name: 'Reply' });
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toBe('Hello, I am a local model.');
    const summary = page.getByLabel('Call summary');
    await summary.waitFor();
    expect(await summary.getByText(LOCAL_MODEL).count()).toBe(1);
    await summary.getByText('12 in · 7 out').waitFor();
    await summary.getByText('$0', { exact: true }).waitFor();
    expect(ollama.lastRequest('/api/chat').body.model).toBe('llama3.2:1b');
    await page.getByRole('region', { name: 'Try it' }).scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'models-try-it-desktop-light');

    // A long reply, stopped with Escape: the request is aborted and the text so far stays.
    ollama.script({ kind: 'text', tokens: Array.from({ length: 60 }, (_, i) => ` word${i}`), delayMs: 150 });
    await form.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toContain('word1');
    await page.keyboard.press('Escape');
    await page.getByText(/^Stopped\./).waitFor();
    await form.getByRole('button', { name: 'Send' }).waitFor();
    await expect.poll(() => ollama.lastRequest('/api/chat').clientAborted, { timeout: 5000 }).toBe(true);
    expect(await reply.textContent()).not.toContain('word59');
    expect(watch.problems).toEqual([]);
  });

  it('pulls an Ollama model with a progress bar that reaches 100%', async () => {
    const { page, watch } = await open(member);
    await modelsPage(page);
    await page.getByRole('button', { name: /^qwen2.5:0.5b/ }).click();
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const bar = 'Downloading qwen2.5:0.5b';
    await expect.poll(() => valueNow(page, bar), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await valueNow(page, bar)).toBeLessThan(100);
    await page.getByText(/ of 1.32 GB/).waitFor();
    await saveScreenshot(page, 'models-pull-progress-desktop-light');
    await page.getByText('Download complete').waitFor({ timeout: 15_000 });
    expect(await valueNow(page, bar)).toBe(100);
    await page.getByText('is ready to use.').waitFor();
    expect(ollama.lastRequest('/api/pull').body.model).toBe('qwen2.5:0.5b');
    expect(watch.problems).toEqual([]);
  });

  it('shows “The API key was refused” next to a cloud provider with a bad key, then works with a good one', async () => {
    const { page, watch } = await open(member);
    await modelsPage(page);
    await page
      .getByRole('region', { name: 'Providers' })
      .getByRole('button', { name: 'Add provider' })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Add a provider' });
    await dialog.getByLabel('Kind').selectOption('openai');
    await dialog.getByLabel('Name').fill('Work OpenAI');
    await dialog.getByLabel('Base URL').fill(`${openai.origin}/v1`);
    await dialog.getByLabel('API key', { exact: true }).fill('sk-wrong-key');
    // A loopback address the administrator did not allow is refused before anything is sent.
    await dialog.getByLabel('Base URL').fill('http://127.0.0.2:9/v1');
    await dialog.getByRole('button', { name: 'Add provider' }).click();
    await dialog.getByText(/private network, which Lumina only connects to for administrators/).waitFor();
    expect(await dialog.getByLabel('Base URL').getAttribute('aria-invalid')).toBe('true');
    await saveScreenshot(page, 'models-add-provider-blocked-desktop-light');
    await dialog.getByLabel('Base URL').fill(`${openai.origin}/v1`);
    await saveScreenshot(page, 'models-add-provider-dialog-desktop-light');
    await dialog.getByRole('button', { name: 'Add provider' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Work OpenAI' }) });
    await row.getByText('Key refused').waitFor();
    await row.getByText('The API key was refused.').waitFor();
    await row.getByText('provider_auth_failed').waitFor();
    await row.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'models-provider-key-refused-desktop-light');

    await row.getByRole('button', { name: 'More actions for Work OpenAI' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Work OpenAI' });
    await edit.getByLabel(/^API key/).fill(GOOD_KEY);
    await edit.getByRole('button', { name: 'Save and check' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByText('Working').waitFor();
    expect(await row.getByText('The API key was refused.').count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });

  it('local-only mode hides cloud models from the picker, and Try it with a cloud model explains why', async () => {
    const { context, page, watch } = await open(member);
    await modelsPage(page);
    const picker = page.getByRole('button', { name: /^Default model/ });
    await picker.click();
    await page.getByRole('combobox', { name: /Search models/ }).fill('gpt-4o-mini');
    await page.getByRole('option', { name: /gpt-4o-mini/ }).click();
    await page.getByText('Default model saved.').waitFor();
    expect(await picker.textContent()).toContain('gpt-4o-mini');

    const localOnly = page.getByRole('switch', { name: 'Local-only mode' });
    await localOnly.click();
    await expect.poll(() => localOnly.getAttribute('aria-checked')).toBe('true');
    // The cloud default is kept but marked, and the cloud models are gone from every picker.
    await picker.getByText('Not available').waitFor();
    const cloudRow = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Work OpenAI' }) });
    await cloudRow.getByText('Not used: local-only').waitFor();
    await page.getByRole('button', { name: 'Add a fallback model' }).click();
    const listbox = page.getByRole('listbox', { name: 'Add a fallback model' });
    await listbox.getByRole('option', { name: /qwen2.5:0.5b/ }).waitFor();
    expect(await listbox.getByRole('option', { name: /gpt-4o-mini/ }).count()).toBe(0);
    expect(await listbox.getByText('Cloud', { exact: true }).count()).toBe(0);
    await page.keyboard.press('Escape');
    const models = await api(context, server.url, 'GET', '/api/models');
    expect((models.json.models as { local: boolean }[]).every((m) => m.local)).toBe(true);

    const form = page.getByRole('form', { name: 'Try a model' });
    await form.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Local-only mode is on, so this cloud model can’t be used.').waitFor();
    await saveScreenshot(page, 'models-local-only-desktop-light');

    await localOnly.click();
    await expect.poll(() => localOnly.getAttribute('aria-checked')).toBe('false');
    await api(context, server.url, 'PUT', '/api/settings', { defaultModel: LOCAL_MODEL });
    expect(watch.problems).toEqual([]);
  });

  it('admin: prices round trip and the instance-wide local-only switch', async () => {
    const { context, page, watch } = await open(admin);
    await page.goto(`${server.url}/admin/models`);
    await page.getByRole('heading', { level: 1, name: 'Models & pricing' }).waitFor();
    await page.getByText('llama.cpp engine').waitFor();

    // Prices: validation, save, reload, edit, remove.
    const prices = page.getByRole('form', { name: 'Prices' });
    await prices.getByRole('button', { name: 'Add a price' }).click();
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await prices.getByText('Enter a model id or a prefix ending in *.').waitFor();
    await prices.getByLabel('Model or prefix, row 1').fill('openai/gpt-4o*');
    await prices.getByLabel('Input, row 1').fill('2.5');
    await prices.getByLabel('Output, row 1').fill('10');
    await prices.getByRole('button', { name: 'Add a price' }).click();
    await prices.getByLabel('Model or prefix, row 2').fill('openai/gpt-4o*');
    await prices.getByLabel('Input, row 2').fill('1');
    await prices.getByLabel('Output, row 2').fill('-3');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await prices.getByText('This pattern is already in the table.').waitFor();
    await prices.getByText('Use a number of 0 or more.').waitFor();
    await prices.getByLabel('Model or prefix, row 2').fill('openrouter/*');
    await prices.getByLabel('Output, row 2').fill('3');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await prices.getByText('Prices saved.').waitFor();

    await page.reload();
    await expect.poll(() => prices.getByLabel('Model or prefix, row 1').inputValue()).toBe('openai/gpt-4o*');
    expect(await prices.getByLabel('Output, row 1').inputValue()).toBe('10');
    await prices.getByLabel('Output, row 1').fill('12.5');
    await prices.getByRole('button', { name: /Remove price row 2/ }).click();
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await prices.getByText('Prices saved.').waitFor();
    const saved = await api(context, server.url, 'GET', '/api/admin/pricing');
    expect(saved.json.prices).toEqual([
      { pattern: 'openai/gpt-4o*', inputUsdPerMillion: 2.5, outputUsdPerMillion: 12.5 },
    ]);

    // The instance switch applies to everyone: a member sees it on, locked, and why.
    const everyone = page.getByRole('switch', { name: 'Local-only mode for everyone' });
    await everyone.click();
    await expect.poll(() => everyone.getAttribute('aria-checked')).toBe('true');
    const memberView = await open(member);
    await modelsPage(memberView.page);
    const own = memberView.page.getByRole('switch', { name: 'Local-only mode' });
    expect(await own.getAttribute('aria-checked')).toBe('true');
    expect(await own.isDisabled()).toBe(true);
    await memberView.page.getByText('an administrator turned it on for this server').waitFor();
    await memberView.context.close();
    await everyone.click();
    await expect.poll(() => everyone.getAttribute('aria-checked')).toBe('false');

    expect(watch.problems).toEqual([]);
  });

  it('admin: downloads a GGUF model with a progress bar', async () => {
    const { page, watch } = await open(admin);

    await page.goto(`${server.url}/admin/models`);
    await page.getByRole('heading', { level: 1, name: 'Models & pricing' }).waitFor();
    // Download a GGUF file from a (loopback) mirror, with a progress bar.
    await page.getByLabel('From').fill(modelFile.url);
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await expect.poll(() => valueNow(page, 'Model download'), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByText(/ of 6.0 MB/).waitFor();
    await saveScreenshot(page, 'admin-models-download-progress-desktop-light');
    await page.getByText('Download complete').waitFor({ timeout: 15_000 });
    expect(await valueNow(page, 'Model download')).toBe(100);
    await page.getByText('Saved tiny-test.gguf').waitFor();
    await page.getByRole('list', { name: 'Downloaded models' }).getByText('tiny-test.gguf').waitFor();
    expect(watch.problems).toEqual([]);
  }, 60_000);
});

describe('model pages look right', () => {
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const suffix = `${viewportName}-${colorScheme}`;
      it(`at ${viewportName} size in ${colorScheme} mode, without sideways scrolling, CSP or axe problems`, async () => {
        const checkPage = async (page: Page, name: string, { dialog = false } = {}) => {
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
          // A dialog is fixed to the screen: capture the screen, not the page behind it.
          if (dialog) await saveViewportScreenshot(page, `${name}-${suffix}`);
          else await saveScreenshot(page, `${name}-${suffix}`);
          if (viewportName === 'desktop') {
            const violations = await seriousAxeViolations(page);
            expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
          }
        };

        // A newcomer without a default model: the set-up card.
        const fresh = await open(newcomer, { viewport, colorScheme });
        await fresh.page.goto(server.url);
        await fresh.page.getByText(`Ollama found at ${ollama.origin}`).waitFor();
        await fresh.page.waitForLoadState('networkidle');
        await checkPage(fresh.page, 'home-model-setup');
        await fresh.page.getByRole('button', { name: 'Add an API key' }).click();
        await fresh.page.getByRole('dialog', { name: 'Add a provider' }).waitFor();
        await checkPage(fresh.page, 'home-add-api-key-dialog', { dialog: true });
        expect(fresh.watch.problems).toEqual([]);
        await fresh.context.close();

        const { page, watch, context } = await open(member, { viewport, colorScheme });
        await modelsPage(page);
        await page.getByText('Key saved').first().waitFor();
        await checkPage(page, 'settings-models');
        await page.getByRole('button', { name: /^Default model/ }).click();
        const listbox = page.getByRole('listbox', { name: 'Default model' });
        await listbox.waitFor();
        await listbox.scrollIntoViewIfNeeded();
        await saveViewportScreenshot(page, `settings-models-picker-${suffix}`);
        await page.keyboard.press('Escape');
        await page
          .getByRole('region', { name: 'Providers' })
          .getByRole('button', { name: 'Add provider' })
          .click();
        const dialog = page.getByRole('dialog', { name: 'Add a provider' });
        await dialog.getByLabel('Base URL').fill('');
        await dialog.getByRole('button', { name: 'Add provider' }).click();
        await dialog.getByText('Enter the server’s address.').waitFor();
        await checkPage(page, 'settings-models-add-provider-errors', { dialog: true });
        await page.keyboard.press('Escape');
        const row = page
          .getByRole('listitem')
          .filter({ has: page.getByRole('heading', { name: 'Work OpenAI' }) });
        await row.getByRole('button', { name: 'More actions for Work OpenAI' }).click();
        await page.getByRole('menuitem', { name: 'Remove' }).waitFor();
        await saveViewportScreenshot(page, `settings-models-provider-menu-${suffix}`);
        await page.getByRole('menuitem', { name: 'Remove' }).click();
        await page.getByRole('dialog', { name: 'Remove Work OpenAI?' }).waitFor();
        await checkPage(page, 'settings-models-remove-dialog', { dialog: true });
        await page.keyboard.press('Escape');
        expect(watch.problems).toEqual([]);
        await context.close();

        const adminView = await open(admin, { viewport, colorScheme });
        await adminView.page.goto(`${server.url}/admin/models`);
        await adminView.page.getByRole('heading', { level: 1, name: 'Models & pricing' }).waitFor();
        await adminView.page.getByText('Models on this server').waitFor();
        await adminView.page
          .getByRole('form', { name: 'Prices' })
          .getByLabel('Model or prefix, row 1')
          .waitFor();
        await adminView.page.waitForLoadState('networkidle');
        await checkPage(adminView.page, 'admin-models');
        expect(adminView.watch.problems).toEqual([]);
        await adminView.context.close();
      }, 120_000);
    }
  }
});
