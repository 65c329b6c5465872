// The dashboard's page load times, measured in headless Chromium: each page loaded afresh
// (the document, its script and styles, and the API calls it makes) until it shows its data,
// a few times each, the median reported. Two servers are measured in the same run, the one
// under test and a baseline (an empty ledger), so the figures come with their ratio.
//   node test/pageload.mjs OWNER "URL KEY ASSET TRANSFER" "BASELINE_URL KEY ASSET TRANSFER" [RUNS]
// Each server is given with an admin key, the asset of OWNER's wallet and a transfer to show.
import { chromium } from 'playwright-core';

const [owner, underTest, baseline, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
// Each page with what it shows once its data is in.
const pagesOf = (asset, transfer) => [
  ['overview', 'overview', 'main table tbody tr'],
  ['find an owner', 'find?q=' + encodeURIComponent(owner), 'main table tbody tr'],
  ['account', 'account/' + encodeURIComponent('wallet:' + owner + ':' + asset), 'table.entries tbody tr'],
  ['transfer', 'transfer/' + encodeURIComponent(transfer), 'ol.life li'],
  ['holds and withdrawals', 'pending', 'main table tbody tr'],
  ['deposits', 'deposits', 'main table tbody tr, main .problem'],
  ['webhooks', 'webhooks', 'main table tbody tr'],
  ['reconciliations', 'reconciliations', 'main table tbody tr'],
];

// ready is true once the page shows its data and nothing is loading any more.
const ready = (selector) =>
  !!document.querySelector(selector) &&
  ![...document.querySelectorAll('[role=status]')].some((e) => /Loading|Checking/.test(e.textContent));

async function measure(server) {
  const [target, apiKey, asset, transfer] = server.split(' ');
  const pages = pagesOf(asset, transfer);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await page.goto(target + '/ui/');
  await page.evaluate((k) => sessionStorage.setItem('coffer.key', k), apiKey);
  const out = {};
  for (const [name, hash, selector] of pages) {
    const times = [];
    for (let i = 0; i < runs + 1; i++) {
      await page.goto('about:blank');
      const t0 = Date.now();
      await page.goto(target + '/ui/#/' + hash);
      await page.waitForFunction(ready, selector, { timeout: 30000, polling: 5 }).catch((e) => {
        throw new Error(`${target}: page ${name} (#/${hash}) did not show ${selector}: ${e.message}`);
      });
      if (i > 0) times.push(Date.now() - t0); // the first warms the server's and browser's caches
    }
    times.sort((a, b) => a - b);
    out[name] = times[Math.floor(times.length / 2)];
  }
  await browser.close();
  return out;
}

const base = await measure(baseline);
const full = await measure(underTest);
console.log('| page | empty ledger, ms | 1,000,000 transfers, ms | ratio |');
console.log('|---|---:|---:|---:|');
for (const name of Object.keys(full)) {
  console.log(`| ${name} | ${base[name]} | ${full[name]} | ${(full[name] / base[name]).toFixed(2)} |`);
}
