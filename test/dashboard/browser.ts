// The system Chromium (Debian's `chromium` package), driven headless through playwright-core: no
// browser download. Tests that use it register with testNeeding(CHROMIUM_REQUIREMENT, ...), so a
// machine without it skips them loudly and CI (OLLAMA_SIM_REQUIRE=all) fails instead.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Requirement } from '../requirements.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_REQUIREMENT: Requirement = {
  name: 'chromium',
  missing: () => (existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} does not exist`),
  install: 'apt-get install -y chromium',
};

// The network is closed here: without these Chromium waits on update, sync and QUIC probes.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium with its own throwaway profile (--user-data-dir); close() removes both. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ollama-sim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Every console error and uncaught exception of the page, as text. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}
