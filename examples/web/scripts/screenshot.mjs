/* global window */
// Screenshot of the built example page (dist/, `npx vite build`) with a shared photo analysed, for the pipeline README.
// Usage (examples/web): node scripts/screenshot.mjs [photo] [out.png]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sharedDir } from "@fer/preprocess/node";
import { chromium } from "playwright-core";
import { startStaticServer } from "./static-server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const photo = process.argv[2] ?? "apollo11_crew.jpg";
const out = path.resolve(process.argv[3] ?? "screenshot.png");
const server = await startStaticServer([
  ["/photos/", path.join(sharedDir(), "photos")],
  ["/", path.join(here, "..", "dist")],
]);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true });
const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
await page.goto(`${server.url}/`);
await page.evaluate(() => window.fer.ready);
await page.evaluate((u) => window.fer.analyzeUrl(u), `/photos/${photo}`);
await page.screenshot({ path: out, fullPage: true });
console.log(`wrote ${out}: ${await page.textContent("#status")}`);
await browser.close();
await server.close();
