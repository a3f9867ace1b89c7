import { existsSync } from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

import { eventually, startTestStack, uniqueRefundId } from './support/stack';
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

  it("shows the operator's views: refunds needing attention, and a refund's summary in major units", async () => {
    const ui = process.env.TEST_TEMPORAL_UI_URL;
    const payId = await stack.api.secpaidLink(4999);
    const refundId = uniqueRefundId('ui-attention');
    await stack.refunds.start({
      provider: 'secpaid',
      refundId,
      paymentId: payId,
      amount: { amountMinor: 4999, currency: 'EUR' },
      full: true,
    });
    await stack.refunds.escalate(refundId, { reason: 'customer called twice', by: 'alice@ops' });

    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const attention = `WorkflowType = "refund" AND NeedsAttention = true AND PaymentId = "${payId}"`;
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(attention)}`);
    await page.getByText(`refund-${refundId}`).first().waitFor({ timeout: 30_000 });
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: path.join(__dirname, '..', 'docs', 'ui-needs-attention.png') });
    }
    await page.goto(`${ui}/namespaces/default/workflows/refund-${refundId}`);
    // UI 2.42 shows the summary and the current details under this tab.
    await page.getByText('User Metadata').first().click();
    // The summary a person reads: the amount as money, not minor units; and why a person is asked.
    // The summary and details are rendered in frames of their own.
    const shown = async (text: string): Promise<boolean> =>
      (await Promise.all(page.frames().map((f) => f.content().catch(() => '')))).some((c) => c.includes(text));
    for (const text of ['secpaid refund of 49.99 EUR', 'escalated by alice@ops: customer called twice']) {
      await eventually(async () => ((await shown(text)) ? true : undefined), `"${text}" in the UI`, 30_000);
    }
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: path.join(__dirname, '..', 'docs', 'ui-refund.png') });
    }
    await page.close();
  });
});
