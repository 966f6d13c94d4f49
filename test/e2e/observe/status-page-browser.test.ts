// Issue 14: the live status page in a real browser, during a failover.
// Headless Chromium (Debian's package) runs inside the lab's client
// namespace (through `ip netns exec`) and loads the page from bravo's
// listener; alpha crashes; the page must show the group on bravo, alpha
// dead and the takeover in the timeline. A screenshot is saved (its path is
// printed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { OBSERVE_PORT } from '../../helpers/observe-http.js';

const CHROMIUM = '/usr/bin/chromium';
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;

/** A probe of nginx on the group, so that probe results show; fall is high so it never moves the group. */
const PROBES_INI = `[nginx]\nurl = http://127.0.0.1/\nexpect_status = 200\ninterval = 1\ntimeout = 900ms\nfall = 1000\nrise = 1\ngroup = ${GROUP}\naction = standby\n`;
const BRAVO_IP = FAILOVER_LAB_HOSTS[1].ip;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('status page in headless Chromium during a failover', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;
  let context: BrowserContext | undefined;
  let scratch: string | undefined;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} (Debian package chromium, scripts/install-system-packages)`).toBe(true);
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: 200,
      deadtimeMs: 1000,
      startupFallbackDelay: '2',
      autoFailback: 'on',
      probesIni: () => PROBES_INI,
      // On the lab addresses, so that the client's browser reaches them.
      extraIni: (node) => `[http]\nlisten = ${FAILOVER_LAB_HOSTS.find((h) => h.name === node)!.ip}:${OBSERVE_PORT}\n`,
    });
    scratch = mkdtempSync(join(tmpdir(), 'hbts-browser-'));
    // Chromium inside the client's namespace: playwright talks to it over inherited pipes, which ip netns exec keeps.
    const wrapper = join(scratch, 'chromium-in-client-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lab.host('client').ns} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: wrapper,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 90_000,
      viewport: { width: 1280, height: 900 },
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await pair?.dispose();
    await lab?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const holderCell = (page: Page, holder: string): string => `tr[data-group="${GROUP}"] td.holder[data-holder="${holder}"]`;

  it('shows the group moving from alpha to bravo, alpha dead and the takeover in the timeline', async () => {
    await pair!.steady();
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('requestfailed', (r) => {
      if (!r.url().startsWith(`http://${BRAVO_IP}:${OBSERVE_PORT}/`)) errors.push(`request to elsewhere: ${r.url()}`);
    });
    await page.goto(`http://${BRAVO_IP}:${OBSERVE_PORT}/`, { timeout: 30_000 });
    await page.waitForSelector(holderCell(page, 'alpha'), { timeout: 30_000 });
    expect(await page.textContent('#node')).toBe('bravo');
    expect(await page.textContent('tr[data-node="alpha"] td.status')).toBe('active');

    await pair!.crash('alpha');
    // Generous: the dead time is 1 s and the page polls every second.
    await page.waitForSelector(holderCell(page, 'bravo'), { timeout: 30_000 });
    await page.waitForSelector('#timeline li[data-kind="takeover"]', { timeout: 30_000 });
    expect(await page.textContent('tr[data-node="alpha"] td.status')).toBe('dead');
    expect(await page.textContent(`tr[data-group="${GROUP}"]`)).toMatch(/started here: taken over from alpha/);
    const takeover = (await page.textContent('#timeline li[data-kind="takeover"]')) ?? '';
    expect(takeover).toMatch(new RegExp(`takeover: started ${GROUP.replace(/[./]/g, '\\$&')} in [\\d.]+ s`));
    expect(takeover).toMatch(/\d+\.\d\d s$/);
    expect(await page.isVisible('#timeline li[data-kind="node-dead"]')).toBe(true);
    expect(await page.getAttribute('#conn', 'class')).toBe('');
    // bravo's probe of nginx runs now that it holds the group.
    await page.waitForSelector('tr[data-probe="nginx"]:has-text("HTTP 200")', { timeout: 30_000 });

    const shot = join(tmpdir(), `heartbeat-ts-status-page-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`status page screenshot: ${shot}`);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  }, 120_000);
});
