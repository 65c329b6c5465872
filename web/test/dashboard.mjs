// The dashboard driven in a real browser (Debian's Chromium through playwright-core). Run by
// cmd/coffer's TestDashboardBrowser against a `coffer serve` it filled through the API; it
// prints one JSON object of what it saw, which the Go test checks, and exits non-zero when a
// step cannot be done. Settings come from the environment:
//   COFFER_UI_URL      the server, http://127.0.0.1:PORT
//   COFFER_UI_ADMIN    an admin key; COFFER_UI_READER a reader key
//   COFFER_UI_OWNER    the owner whose wallet the test looks up
//   COFFER_UI_WEBHOOK  the webhook endpoint whose delivery it redelivers; where the server
//                      has approvals, it approves the first adjustment waiting
//   COFFER_UI_SHOTS    the folder the screenshots go to
//   CHROMIUM           the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(k + ' is not set');
  return v;
};
// settled waits until the page shown has loaded: a table, the word that the server has no
// such API, or an error on it, and nothing loading any more. Right after its heading
// appears, a page may not have started loading yet.
const settled = (page) =>
  page.waitForFunction(() => {
    const main = document.querySelector('main');
    const shown = main.querySelector('table, [role=alert]') || /This server has no .* API/.test(main.textContent);
    const loading = [...main.querySelectorAll('[role=status]')].some((e) => e.textContent.includes('Loading'));
    return shown && !loading;
  });
const base = env('COFFER_UI_URL') + '/ui/';
const shots = env('COFFER_UI_SHOTS');
const owner = env('COFFER_UI_OWNER');
// A failed request is the browser's console error too; those the pages expect (a search's
// not_found, a placeholder's missing API) are not errors of the page, so only the page's own
// errors and console errors of other kinds are kept.
const seen = { pageErrors: [], shots: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  // A laptop's screen.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && seen.pageErrors.push(m.text()));
  page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
  const shot = async (name) => {
    const path = `${shots}/${name}.png`;
    await page.screenshot({ path, fullPage: true });
    seen.shots.push(path);
  };

  // Sign in as an admin, with the keyboard: the key field is focused by its label.
  await page.goto(base);
  await page.getByLabel('API key').fill(env('COFFER_UI_ADMIN'));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByRole('table', { name: /Balances by asset/ }).waitFor();
  seen.totals = await page.getByRole('table', { name: /Balances by asset/ }).locator('tbody tr').allInnerTexts();
  seen.nav = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();
  await page.locator('.chart canvas').first().waitFor();
  await shot('overview');

  // Keyboard: after a load, the first Tab reaches the skip link, and the focus is visible.
  await page.reload();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('Tab');
  seen.firstTab = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
  seen.focusOutline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);

  // Find the owner, then open the wallet.
  await page.getByRole('link', { name: 'Find' }).click();
  await page.getByLabel(/Owner, account id/).fill(owner);
  await page.keyboard.press('Enter');
  const wallets = page.getByRole('table', { name: 'Wallets of owner ' + owner });
  await wallets.waitFor();
  seen.wallets = await wallets.locator('tbody tr').allInnerTexts();
  await wallets.getByRole('link').first().click();
  await page.getByRole('heading', { name: /^Account / }).waitFor();
  await page.getByRole('table', { name: /Entries/ }).waitFor();
  seen.accountHeading = await page.getByRole('heading', { level: 1 }).innerText();
  seen.balances = await page.getByRole('definition').evaluateAll((dds) => dds.map((d) => d.previousElementSibling.textContent + ': ' + d.textContent));
  seen.entries = await page.getByRole('table', { name: /Entries/ }).locator('tbody tr').allInnerTexts();
  await shot('account');

  // A transfer's life, from the entries' first link.
  await page.getByRole('table', { name: /Entries/ }).getByRole('link').first().click();
  await page.getByRole('heading', { name: /^Transfer / }).waitFor();
  await page.getByRole('heading', { name: 'Life' }).waitFor();
  seen.transferHeading = await page.getByRole('heading', { level: 1 }).innerText();
  seen.transferLife = await page.locator('ol.life li').allInnerTexts();

  // The other pages load without an error.
  seen.pages = {};
  for (const name of ['Holds and withdrawals', 'Deposits', 'Payouts', 'Reconciliations']) {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await settled(page);
    seen.pages[name] = await page.locator('main').innerText();
  }

  // Redeliver a webhook delivery.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('link', { name: env('COFFER_UI_WEBHOOK') }).click();
  const deliveries = page.getByRole('table', { name: /Deliveries/ });
  await deliveries.getByRole('button', { name: /^Redeliver evt_/ }).first().waitFor();
  const before = await deliveries.locator('tbody tr').count();
  await deliveries.getByRole('button', { name: /^Redeliver evt_/ }).first().click();
  await page.getByText(/^Redelivered evt_\d+: /).waitFor();
  seen.redelivered = await page.getByText(/^Redelivered evt_\d+: /).innerText();
  await page.waitForFunction((n) => document.querySelectorAll('main table tbody tr').length > n, before);
  seen.deliveries = await deliveries.locator('tbody tr').allInnerTexts();
  await shot('webhook');

  // Approvals: approve the adjustment waiting, where the server has approvals.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('heading', { name: 'Approvals' }).waitFor();
  await settled(page);
  seen.approvals = await page.locator('main').innerText();
  const approve = page.getByRole('button', { name: /^Approve / });
  if ((await approve.count()) > 0) {
    await approve.first().click();
    await page.getByText(/: approved/).waitFor();
    seen.approved = await page.getByText(/: approved/).innerText();
    await shot('approvals');
  }

  // A reader sees no admin pages.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').fill(env('COFFER_UI_READER'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  seen.readerNav = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();
  seen.readerWho = await page.locator('header .who').innerText();

  // A wrong key is refused with the API's sentence.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').fill('not-a-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  seen.wrongKey = await page.getByRole('alert').innerText();
  await shot('signin');
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(seen) + '\n');
