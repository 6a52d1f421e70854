/**
 * The operators' dashboard in a real browser (Debian's chromium driven by playwright-core, headless):
 * an order placed through the storefront API shows up in the orders list with its money as money; a
 * fraud hold is approved from the exceptions page and the order page follows it to DELIVERED (timeline
 * with the operator, workflow graph with visited states); the packing slip opens. `SCREENSHOTS=1`
 * (npm run screenshots) also writes the pages into docs/images/.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const endpoints = inject('endpoints');
const dashboardUrl = String(endpoints['dashboardUrl'] ?? '');
const SHOTS = process.env['SCREENSHOTS'] === '1' ? path.resolve('docs/images') : undefined;

function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

function orderBody(risky: boolean): Record<string, unknown> {
  const id = randomUUID().slice(0, 8);
  return {
    externalOrderId: `browser-${id}`,
    customer: { email: risky ? 'buyer@mailinator.com' : `browser-${id}@example.com` },
    shippingAddress: { name: 'Ada Lovelace', line1: `Teststrasse ${id}`, city: 'Berlin', postcode: '10115', country: 'DE' },
    ...(risky ? { billingAddress: { name: 'Ada Lovelace', line1: '1 Rue de Rivoli', city: 'Paris', postcode: '75001', country: 'FR' } } : {}),
    lines: [{ sku: endpoints.demo.skus[0], quantity: 1, unitPrice: '19.99' }],
    currency: 'EUR',
    totals: { subtotal: '19.99', shipping: '0.00', tax: '0.00', total: '19.99' },
    payment: { reference: `pay_${id}`, status: 'paid' },
  };
}

async function placeOrder(risky: boolean): Promise<string> {
  const res = await fetch(`${endpoints.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': endpoints.apiKey, 'idempotency-key': randomUUID() },
    body: JSON.stringify(orderBody(risky)),
    signal: AbortSignal.timeout(45_000),
  });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return String((JSON.parse(text) as { orderId: string }).orderId);
}

/** The order's status as the storefront API tells it (GET /orders/{orderId}). */
async function storefrontStatus(orderId: string): Promise<string> {
  const res = await fetch(`${endpoints.apiUrl}/orders/${orderId}`, { headers: { 'x-api-key': endpoints.apiKey }, signal: AbortSignal.timeout(10_000) });
  return res.ok ? String(((await res.json()) as { status?: unknown }).status) : `HTTP ${res.status}`;
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}.png`), fullPage: name !== 'order' });
}

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'], timeout: 30_000 });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(30_000);
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('operators dashboard', () => {
  it('is served by the local runtime (dashboardUrl) with the operator identity from config.json', async () => {
    expect(dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.goto(dashboardUrl, { waitUntil: 'load', timeout: 20_000 });
    await page.locator('header nav').waitFor({ timeout: 20_000 });
    expect(await page.locator('header .identity').textContent()).toContain('assumed-role/Operator');
  }, 60_000);

  it('lists an order placed through the API, money as money', async () => {
    const orderId = await placeOrder(false);
    await page.goto(`${dashboardUrl}#/orders`);
    const row = page.locator(`tr[data-order-id="${orderId}"]`);
    await row.waitFor({ timeout: 30_000 }); // the list refreshes itself
    await expect.poll(() => row.locator('.money').textContent(), { timeout: 5_000 }).toBe('€19.99');
    expect(await page.content()).not.toContain('minor units');
    await shot(page, 'orders');
  }, 60_000);

  it('approves a fraud hold from the exceptions page; the order page follows it to DELIVERED; the packing slip opens', async () => {
    const orderId = await placeOrder(true);
    await expect.poll(() => storefrontStatus(orderId), { timeout: 30_000, interval: 500 }).toBe('ON_HOLD');
    await page.goto(`${dashboardUrl}#/exceptions`);
    const row = page.locator(`tr[data-order-id="${orderId}"]`);
    await row.waitFor({ timeout: 45_000 }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nthe page shows: ${await page.locator('main').textContent()}`);
    });
    await expect.poll(() => row.textContent(), { timeout: 5_000 }).toContain('HIGH_RISK_OF_FRAUD');
    await shot(page, 'exceptions');
    await row.locator('.reason-input').fill('checked with the customer by phone');
    await row.locator('button[data-action="approve"]').click();
    // Approved: the API said so (or the order already left the held list); an error would stay in the row.
    const outcome = async () => {
      if ((await row.count()) === 0 || (await row.getByText('approve: done').count()) > 0) return 'approved';
      return (await row.locator('.error').count()) > 0 ? await row.locator('.error').first().textContent() : 'waiting';
    };
    await expect.poll(outcome, { timeout: 30_000, interval: 500 }).toBe('approved');

    await page.goto(`${dashboardUrl}#/orders/${orderId}`);
    await page.locator('h2 .status', { hasText: 'DELIVERED' }).waitFor({ timeout: 90_000 });
    const timeline = await page.locator('table.timeline').textContent({ timeout: 10_000 });
    expect(timeline).toContain('operator');
    expect(timeline).toContain('OrderReleased');
    expect(await page.locator('svg.graph .node.visited').count()).toBeGreaterThan(3);
    expect(await page.locator('dl.facts .money').first().textContent()).toBe('€19.99');
    await shot(page, 'order');

    const slip = page.locator('li[data-document="packing-slip"] button').first(); // one per fulfillment (a reroute adds one)
    await slip.waitFor({ timeout: 20_000 });
    const [popup, response] = await Promise.all([
      page.waitForEvent('popup', { timeout: 15_000 }),
      page.waitForResponse((r) => r.url().includes(`/api/ops/orders/${encodeURIComponent(orderId)}/documents/`), { timeout: 15_000 }),
      slip.click(),
    ]);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('pdf');
    await expect.poll(() => popup.url(), { timeout: 10_000 }).toMatch(/^blob:/);
    // What the operator gets in the new tab: the PDF's bytes.
    const head = await page.evaluate(async (url) => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      return `${bytes.length} ${new TextDecoder().decode(bytes.slice(0, 5))}`;
    }, popup.url());
    expect(head).toMatch(/^[1-9]\d{2,} %PDF-$/);
    await popup.close();
  }, 180_000);

  it('shows the suppliers with their feed and pause control', async () => {
    await page.goto(`${dashboardUrl}#/suppliers`);
    await page.locator('tr[data-supplier]').first().waitFor({ timeout: 20_000 }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nthe page shows: ${await page.locator('main').textContent()}`);
    });
    expect(await page.locator('tr[data-supplier] button[data-action]').count()).toBeGreaterThan(0);
    await shot(page, 'suppliers');
  }, 40_000);
});
