// Writes the README's picture of the dashboard (docs/dashboard.png) from a live demo fleet:
//   npx tsx scripts/dashboard-screenshot.ts [out.png]
// Needs Chromium (apt-get install -y chromium). The demo (test/dashboard/demo.ts) runs ~12 s so
// the timeline has history, then everything it started is stopped.
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/dashboard/browser.js';
import { demoWarmedUp, showDemo, startDemo } from '../test/dashboard/demo.js';

const HISTORY_MS = 12_000;
const out = process.argv[2] ?? fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));

const demo = await startDemo();
const browser = await launchBrowser();
try {
  await demoWarmedUp(demo.fleet);
  await new Promise((r) => setTimeout(r, HISTORY_MS)); // a picture, not a test: let the timeline fill
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1440, height: 1180 });
  await showDemo(page, demo.fleet);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await demo.stop();
}
