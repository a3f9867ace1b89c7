import { existsSync } from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

import { startTestStack, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

/**
 * The operator's view: the Temporal Web UI of the test server, in a real (headless) Chromium, finds
 * a refund by its search attributes. `UPDATE_SCREENSHOT=1` saves the page as docs/temporal-ui.png.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
const describeWithBrowser = haveChromium ? describe : describe.skip;
if (!haveChromium) console.warn(`UI check skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

let stack: TestStack;
let browser: Browser;
beforeAll(async () => {
  if (!haveChromium) return;
  stack = await startTestStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describeWithBrowser('Temporal Web UI', () => {
  it('lists a refund found by its search attributes', async () => {
    const ui = process.env.TEST_TEMPORAL_UI_URL;
    expect(ui).toBeDefined();
    const paymentId = await stack.api.sandpayCollection(5000);
    const refundId = uniqueRefundId('ui');
    await stack.refunds.start({
      provider: 'sandpay',
      refundId,
      paymentId,
      amount: { amountMinor: 5000, currency: 'XOF' },
    });
    await stack.refunds.waitForOutcome(refundId);

    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
    const query = `RefundProvider="sandpay" AND PaymentId="${paymentId}" AND RefundStatus="SUCCEEDED"`;
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await page.getByText(`refund-${refundId}`).first().waitFor({ timeout: 30_000 });
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: path.join(__dirname, '..', 'docs', 'temporal-ui.png') });
    }
    await page.close();
  });
});
