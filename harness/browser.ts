// Debian's chromium driven by playwright-core, for the dashboard's test and
// `npm run bench`: the system browser (never a download), headless, no sandbox
// when root (chromium refuses to run its sandbox as root), no background
// networking, a fresh profile per launch.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why no browser can run here (for `skip`), or false. */
export function noBrowser(): string | false {
  return fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium; npm test's setup installs it)`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: process.getuid?.() !== 0,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}
