import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/gateway.ts';
import { type ConsoleWorld, launchChromium, signInWithToken, startConsoleWorld, watchPage } from './support.ts';

const SHOTS = join(REPO_ROOT, 'docs', 'console');
const AXE = readFileSync(join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core in the page (through the DevTools protocol, so the page's CSP does not apply to it); serious or worse. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

describe('the console in Chromium', () => {
  let world: ConsoleWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let key = '';

  beforeAll(async () => {
    world = await startConsoleWorld();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    problems = watchPage(page);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('signs in with a pasted token, and the browser holds only an HttpOnly, Secure, SameSite=Strict cookie', async () => {
    await signInWithToken(page, world.baseUrl, world.adminToken);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === '__Host-gatehouse-session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(JSON.stringify(await page.evaluate('({ ...localStorage, ...sessionStorage })'))).not.toContain('gha_');
    expect(problems).toEqual([]);
  });

  it('takes a new user from the empty overview to a working key, and the key works with the openai client', async () => {
    await page.getByRole('heading', { name: 'Get started' }).waitFor();
    await shoot(page, 'overview-empty');
    await page.getByRole('button', { name: 'Create tenant, team and key' }).click();
    key = (await page.getByTestId('once-secret').textContent()) ?? '';
    expect(key).toMatch(/^gh_[A-Za-z0-9]{43}$/);
    await shoot(page, 'key-created');
    const openai = new OpenAI({ baseURL: `${world.baseUrl}/v1`, apiKey: key });
    const completion = await openai.chat.completions.create({
      model: 'llama3',
      messages: [{ role: 'user', content: 'hello from the console test' }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(problems).toEqual([]);
  });
});
