#!/usr/bin/env node
// Loads each URL given in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), as a page and as a fetch() from that page (how the app's
// map and popups load prebake's files), so that the server behind the URLs can
// record the Accept-Encoding Chromium sends. Self-signed certificates are
// accepted (the test's HTTPS server). Prints {"loaded": n}.
// usage: PREBAKE_BROWSER_PEERS=DIR node accept-encoding.mjs URL...
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(path.join(process.env.PREBAKE_BROWSER_PEERS, 'node_modules', 'x.js'));
const {chromium} = require('playwright-core');

setTimeout(() => { console.error('accept-encoding: gave up after 60 s'); process.exit(2); }, 60000).unref();
const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: JSON.parse(process.env.CHROMIUM_ARGS || '[]'),
});
let loaded = 0;
try {
    const context = await browser.newContext({ignoreHTTPSErrors: true});
    const page = await context.newPage();
    for (const url of process.argv.slice(2)) {
        await page.goto(url + '/page');
        await page.evaluate(async u => { await (await fetch(u + '/fetch')).text(); }, url);
        loaded++;
    }
} finally {
    await browser.close();
}
console.log(JSON.stringify({loaded}));
