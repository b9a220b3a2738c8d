import type { ServerResponse } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  RecordedRequest,
  ScriptedReply,
} from '../packages/server/src/test-support/protocol-servers/protocol-server.js';
import { type Account, api, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveScreenshot,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// Compare (issue 15 point 1) in a real browser: one message answered by four local models at
// once, side by side; one model fails alone; "Continue with this one"; a merge by a chosen
// model; a consensus judged by another, its citations linked to the columns; the board after a reload; dark mode; tabs on a phone; "Stop all".

const person: Account = {
  email: 'ada@example.org',
  password: 'analytical engine 1843',
  name: 'Ada Lovelace',
};

/** Each model answers in its own words; `broken` answers with an error; `slow` makes them all crawl. */
class CompareOllama extends OllamaE2eServer {
  slow = false;
  readonly answers: Record<string, string[]> = {
    'llama3.2:1b': ['Saturn has', ' **146** known moons', ', Titan the largest', '.'],
    'qwen2.5:3b': ['Titan', ' is bigger than', ' Mercury', ' and has a thick atmosphere', '.'],
    'mistral:7b': ['Its rings are', ' mostly *water ice*', ', a few metres thick', '.'],
  };

  constructor() {
    super();
    this.models.push(
      { name: 'qwen2.5:3b', family: 'qwen2', contextLength: 32_768, capabilities: ['completion'] },
      { name: 'mistral:7b', family: 'llama', contextLength: 32_768, capabilities: ['completion'] },
      { name: 'broken:1b', family: 'llama', contextLength: 8_192, capabilities: ['completion'] },
    );
  }

  protected override async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const model: string = req.body?.model ?? '';
    // Chosen just before the base class takes the reply (synchronously), so concurrent calls
    // each get their model's answer.
    if (req.path === '/api/chat') this.defaultReply = this.replyFor(model, req.body?.messages);
    await super.handle(req, res);
  }

  private replyFor(model: string, messages: { content?: string }[] | undefined): ScriptedReply {
    if (model.startsWith('broken'))
      return { kind: 'http-error', status: 400, message: 'this model is broken' };
    const asked = messages?.at(-1)?.content ?? '';
    const tokens = asked.includes('You are the judge')
      ? [
          'Saturn has 146 known moons; Titan is bigger than Mercury.',
          '\n\n## Points of disagreement\n\n',
          '- What matters most: the moons [A1], Titan [A2] or the rings [A3].',
          '\n- How thick the rings are: only one answer says [A3]; [A9] is not an answer.',
        ]
      : asked.includes('assistants answered')
        ? [
            '**Merged:**',
            ' Saturn has 146 moons',
            '; Titan is bigger than Mercury',
            '; the rings are water ice',
            '.',
          ]
        : (this.answers[model.replace(/:latest$/, '')] ?? ['Hello', '.']);
    return { kind: 'text', tokens, delayMs: this.slow ? 400 : 30 };
  }
}

let server: LuminaServer;
let browser: Browser;
let ollama: CompareOllama;
const opened: BrowserContext[] = [];
let avatarId = '';
let conversationId = '';

beforeAll(async () => {
  ollama = await new CompareOllama().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const context = await browser.newContext();
  opened.push(context);
  await signUpByApi(context, server.url, person);
  await api(context, server.url, 'PUT', '/api/settings', { defaultModel: 'ollama/llama3.2:1b' });
  const avatar = await api(context, server.url, 'POST', '/api/avatars', { name: 'Professor Orbit' });
  avatarId = (avatar.json.avatar as { id: string }).id;
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
});

async function open({
  viewport = VIEWPORTS.desktop as { width: number; height: number },
  colorScheme = 'light' as 'light' | 'dark',
} = {}): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme });
  opened.push(context);
  const watch = watchContext(context);
  await api(context, server.url, 'POST', '/api/auth/login', {
    email: person.email,
    password: person.password,
  });
  const page = await context.newPage();
  return { context, page, watch };
}

const board = (page: Page) => page.getByTestId('compare-board').last();
const columns = (page: Page) => board(page).getByTestId('compare-column');
const column = (page: Page, model: string) =>
  board(page).locator(`[data-testid="compare-column"][data-model="${model}"]`);

async function chooseModels(page: Page, names: string[], shot?: string) {
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Compare models' });
  await dialog.waitFor();
  for (const name of names)
    await dialog.getByRole('checkbox', { name: new RegExp(name.replace('.', '\\.')) }).check();
  if (shot) {
    await saveViewportScreenshot(page, shot);
    expect(await seriousAxeViolations(page)).toEqual([]);
  }
  await dialog.getByRole('button', { name: `Compare ${names.length} models` }).click();
  await page.getByText(`Comparing ${names.length} models`).waitFor();
}

async function newConversation(context: BrowserContext, page: Page) {
  const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
  const id = (created.json.conversation as { id: string }).id;
  await page.goto(`${server.url}/chat/${id}`);
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
  return id;
}

describe('compare', () => {
  it('answers one message with four models side by side; one fails alone; continue, merge, reload', async () => {
    const { context, page, watch } = await open();
    conversationId = await newConversation(context, page);
    await chooseModels(
      page,
      ['llama3.2:1b', 'qwen2.5:3b', 'mistral:7b', 'broken:1b'],
      'compare-picker-desktop-light',
    );
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Tell me one thing about Saturn.');
    await box.press('Enter');

    await expect.poll(() => columns(page).count()).toBe(4);
    await expect
      .poll(() => board(page).getByText('Writing…', { exact: true }).count(), { timeout: 15_000 })
      .toBe(0);
    // Markdown is drawn once its renderer has loaded.
    await expect.poll(() => column(page, 'ollama/llama3.2:1b').textContent()).toContain('146 known moons');
    expect(await column(page, 'ollama/qwen2.5:3b').textContent()).toContain('bigger than Mercury');
    expect(await column(page, 'ollama/mistral:7b').textContent()).toContain('water ice');
    const broken = column(page, 'ollama/broken:1b');
    expect(await broken.getByText('Failed', { exact: true }).count()).toBe(1);
    // Each column has its own timings; the first model's answer is the conversation's.
    expect(await column(page, 'ollama/qwen2.5:3b').getByText('Took').count()).toBe(1);
    // (The branch is read again once every column has ended.)
    await expect
      .poll(() => column(page, 'ollama/llama3.2:1b').getByText('In the conversation').count())
      .toBe(1);
    await saveScreenshot(page, 'compare-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // "Continue with this one": the branch moves to the second model's answer.
    await column(page, 'ollama/qwen2.5:3b')
      .getByRole('button', { name: /Continue with/ })
      .click();
    await expect
      .poll(() => column(page, 'ollama/qwen2.5:3b').getByText('In the conversation').count())
      .toBe(1);
    const branch = await api(context, server.url, 'GET', `/api/conversations/${conversationId}/messages`);
    const last = (branch.json.messages as { content: string; model: string }[]).at(-1)!;
    expect(last).toMatchObject({ model: 'ollama/qwen2.5:3b' });

    // Merge with a chosen model: one more column, written from the three finished answers.
    await board(page)
      .getByRole('button', { name: /Merge with/ })
      .click();
    await page.getByRole('menuitem', { name: /mistral:7b/ }).click();
    await expect.poll(() => columns(page).count()).toBe(5);
    const merged = columns(page).last();
    await expect.poll(() => merged.textContent(), { timeout: 15_000 }).toContain('the rings are water ice');
    expect(await merged.textContent()).toContain('Merged from 3 answers');
    await expect.poll(() => board(page).getByText('Writing…', { exact: true }).count()).toBe(0);

    // Consensus: a judge reads the three finished answers (not the merge, not the failed one),
    // and its points of disagreement link to the columns they cite.
    await board(page)
      .getByRole('button', { name: /Find consensus/ })
      .click();
    await page.getByRole('menuitem', { name: /qwen2\.5:3b/ }).click();
    await expect.poll(() => columns(page).count()).toBe(6);
    const judged = columns(page).last();
    await expect.poll(() => judged.textContent(), { timeout: 15_000 }).toContain('[A9] is not an answer');
    await expect.poll(() => board(page).getByText('Writing…', { exact: true }).count()).toBe(0);
    expect(await judged.getByRole('heading', { name: 'Consensus · qwen2.5:3b' }).count()).toBe(1);
    expect(await judged.getByText('Judged 3 answers:').count()).toBe(1);
    expect(await judged.getByRole('button', { name: /^Answer A3, mistral:7b/ }).count()).toBe(2);
    expect(await judged.getByRole('button', { name: /Answer A9/ }).count()).toBe(0);
    await judged.getByRole('button', { name: 'Answer A3, mistral:7b' }).first().click();
    await expect
      .poll(() =>
        column(page, 'ollama/mistral:7b')
          .first()
          .evaluate((el) => el === document.activeElement),
      )
      .toBe(true);
    await judged.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'compare-consensus-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const stored = await api(context, server.url, 'GET', `/api/conversations/${conversationId}/messages`);
    const consensus = (stored.json.messages as { metadata: { consensus?: { from: string[] } } }[]).at(-1)!;
    expect(consensus.metadata.consensus?.from).toHaveLength(3);

    // Everything is stored: a reload shows the same board, and search finds a column.
    await page.reload();
    await expect.poll(() => columns(page).count()).toBe(6);
    expect(await column(page, 'ollama/mistral:7b').first().textContent()).toContain('water ice');
    const search = await api(context, server.url, 'GET', '/api/search?q=Mercury');
    expect((search.json.hits as unknown[]).length).toBeGreaterThan(0);
    expect(watch.problems).toEqual([]);
  });

  it('looks right in dark mode and as tabs on a phone', async () => {
    const dark = await open({ colorScheme: 'dark' });
    await dark.page.goto(`${server.url}/chat/${conversationId}`);
    await expect.poll(() => columns(dark.page).count()).toBe(6);
    await saveScreenshot(dark.page, 'compare-desktop-dark');
    expect(await seriousAxeViolations(dark.page)).toEqual([]);

    for (const colorScheme of ['light', 'dark'] as const) {
      const phone = await open({ viewport: VIEWPORTS.phone, colorScheme });
      await phone.page.goto(`${server.url}/chat/${conversationId}`);
      const tabs = board(phone.page).getByRole('tab');
      await expect.poll(() => tabs.count()).toBe(6);
      // One answer at a time: the one in the conversation, then the one a tab picks.
      expect(await columns(phone.page).filter({ visible: true }).count()).toBe(1);
      if (colorScheme === 'light') {
        // The consensus as a tab; a citation chip opens the answer it cites.
        await tabs.filter({ hasText: 'Consensus' }).click();
        const judged = columns(phone.page).filter({ visible: true }).first();
        await judged.getByRole('button', { name: 'Answer A1, llama3.2:1b' }).first().waitFor();
        await board(phone.page).scrollIntoViewIfNeeded();
        await saveScreenshot(phone.page, 'compare-consensus-phone-light');
        await judged.getByRole('button', { name: 'Answer A1, llama3.2:1b' }).first().click();
        await expect
          .poll(() => columns(phone.page).filter({ visible: true }).first().getAttribute('data-model'))
          .toBe('ollama/llama3.2:1b');
      }
      await tabs.filter({ hasText: 'mistral' }).first().click();
      await expect
        .poll(() => columns(phone.page).filter({ visible: true }).first().getAttribute('data-model'))
        .toBe('ollama/mistral:7b');
      await board(phone.page).scrollIntoViewIfNeeded();
      await saveScreenshot(phone.page, `compare-phone-${colorScheme}`);
      if (colorScheme === 'dark') expect(await seriousAxeViolations(phone.page)).toEqual([]);
      expect(phone.watch.problems).toEqual([]);
    }
    expect(dark.watch.problems).toEqual([]);
  });

  it('stops every column at once', async () => {
    const { context, page, watch } = await open();
    await newConversation(context, page);
    await chooseModels(page, ['llama3.2:1b', 'qwen2.5:3b']);
    ollama.slow = true;
    try {
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill('Slowly, please.');
      await box.press('Enter');
      await expect.poll(() => columns(page).count()).toBe(2);
      await expect.poll(() => board(page).getByText('Writing…', { exact: true }).count()).toBe(2);
      await expect.poll(() => columns(page).first().textContent()).toContain('Saturn has');
      await saveScreenshot(page, 'compare-streaming-desktop-light');
      await board(page).getByRole('button', { name: 'Stop all' }).click();
      await expect
        .poll(() => board(page).getByText('Stopped', { exact: true }).count(), { timeout: 10_000 })
        .toBe(2);
    } finally {
      ollama.slow = false;
    }
    expect(watch.problems).toEqual([]);
  });
});
