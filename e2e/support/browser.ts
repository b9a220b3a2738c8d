import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 375, height: 812 },
} as const;

/** Debian's Chromium, headless; no browser download needed. `extraArgs` add flags (e.g. a fake microphone). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/** Saves a full-page screenshot to e2e/artifacts/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  // From the top: a full-page capture of a scrolled page draws fixed and sticky parts mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** Saves what is on screen now (no scrolling): for menus and pop-overs that scrolling would close. */
export async function saveViewportScreenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page and returns the serious and critical violations. axe is evaluated
 * through the DevTools protocol rather than added as a <script>: the app's Content-Security-Policy
 * (rightly) refuses inline scripts.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await fs.readFile(createRequire(import.meta.url).resolve('axe-core'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Collects what must never happen in a browser context: Content-Security-Policy violations
 * (Chromium reports them in the console) and uncaught errors, from every page it opens. Check
 * `problems` at the end of a test.
 * @example
 * const watch = watchContext(context);
 * await page.goto(url);
 * expect(watch.problems).toEqual([]);
 */
export function watchContext(context: BrowserContext): { problems: string[] } {
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Refused to (execute|load|apply|connect|frame|evaluate)/i.test(text))
        problems.push(`CSP on ${page.url()}: ${text}`);
    });
    page.on('pageerror', (error) => problems.push(`Uncaught on ${page.url()}: ${error.message}`));
  };
  for (const page of context.pages()) watch(page);
  context.on('page', watch);
  return { problems };
}
