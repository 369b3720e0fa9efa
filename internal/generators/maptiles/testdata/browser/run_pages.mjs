#!/usr/bin/env node
// Opens pages in headless Chromium (playwright-core) and prints what each page
// leaves in window.result (a promise), with the browser console's errors.
// usage: node run_pages.mjs URL...   (env: PREBAKE_BROWSER_PEERS, CHROMIUM, CHROMIUM_ARGS,
//        SCREENSHOT_DIR: also save a screenshot of page i as SCREENSHOT_DIR/i.png)
// Prints a JSON array, one {url, result, errors} per page.
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const peers = process.env.PREBAKE_BROWSER_PEERS;
const {chromium} = await import(pathToFileURL(path.join(peers, 'node_modules/playwright-core/index.mjs')).href);
const browser = await chromium.launch({executablePath: process.env.CHROMIUM, args: JSON.parse(process.env.CHROMIUM_ARGS)});
const out = [];
try {
    for (const url of process.argv.slice(2)) {
        const page = await browser.newPage({viewport: {width: 800, height: 600}});
        const errors = [];
        // Errors and warnings, but not the software GL driver's performance notes.
        page.on('console', m => {
            if ((m.type() === 'error' || m.type() === 'warning') && !m.text().includes('GL Driver Message')) errors.push(`${m.type()}: ${m.text()}`);
        });
        page.on('response', r => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
        page.on('pageerror', e => errors.push(`pageerror: ${e.message}`));
        page.on('requestfailed', r => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
        let result;
        try {
            await page.goto(url);
            await page.waitForFunction(() => window.result !== undefined, null, {timeout: Number(process.env.PAGE_TIMEOUT_MS || 60000)});
            result = await page.evaluate(() => window.result);
            // SCREENSHOT_DIR: a PNG of each page once it finished, <index>.png.
            if (process.env.SCREENSHOT_DIR) await page.screenshot({path: path.join(process.env.SCREENSHOT_DIR, `${out.length}.png`)});
        } catch (e) {
            result = {error: `page did not finish: ${e.message}`};
        }
        out.push({url, result, errors});
        await page.close();
    }
} finally {
    await browser.close();
}
process.stdout.write(JSON.stringify(out));
