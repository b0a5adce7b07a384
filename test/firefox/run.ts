/**
 * `npm run test:firefox`: the element transport's pixel check (test/browser/page/element-check.ts)
 * in a real Firefox: Debian's firefox-esr (FIREFOX_PATH overrides), driven over WebDriver BiDi by
 * puppeteer-core (Playwright cannot drive a stock Firefox). The dev server serves the page as it
 * does for the Chromium suite. Exits 1 when a check fails; prints what it saw.
 *
 * Headed, on an Xvfb display of its own: headless Firefox here gets no WebGL at all ("tryNativeGL
 * … Exhausted GL driver options", with webgl.force-enabled and with gfx.x11-egl.force-enabled),
 * while a headed one on Xvfb gets Mesa's software GL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { startScriptServer } from '../../bench/livekit-assets';
import type { ElementCheckResult } from '../browser/page/element-check';
import { ensureCameraFixture, windowAt } from '../fixtures/camera-fixture';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const XVFB = '/usr/bin/Xvfb';

/** An X display for the headed Firefox: Xvfb on the first free display number from :91. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  if (!existsSync(XVFB)) fail(`no ${XVFB} (apt-get install xvfb)`);
  for (let n = 91; n < 120; n++) {
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const child = spawn(XVFB, [`:${n}`, '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'], {
      stdio: 'ignore',
    });
    const up = await new Promise<boolean>((resolve) => {
      const started = Date.now();
      const check = () => {
        if (existsSync(`/tmp/.X11-unix/X${n}`)) resolve(true);
        else if (child.exitCode !== null || Date.now() - started > 5000) resolve(false);
        else setTimeout(check, 50);
      };
      check();
    });
    if (up) return { display: `:${n}`, process: child };
    child.kill();
  }
  fail('no free X display for Xvfb');
}

function fail(message: string): never {
  throw new Error(`[firefox] ${message}`);
}

async function main(): Promise<void> {
  if (!existsSync(FIREFOX))
    fail(`no Firefox at ${FIREFOX} (apt-get install firefox-esr, or set FIREFOX_PATH)`);
  const fixture = ensureCameraFixture();
  // The fixture's regions hold for every frame of its clip; the check shows the first.
  const window = windowAt(0, fixture.frames);
  const { server, base } = await startScriptServer();
  const xvfb = await startXvfb();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: false,
    env: { ...process.env, DISPLAY: xvfb.display },
    extraPrefsFirefox: {
      // Mesa's software GL counts as a blocked driver otherwise.
      'webgl.force-enabled': true,
      // No network beyond the page's origin, no first-run or update traffic.
      'network.proxy.allow_hijacking_localhost': false,
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
    },
  });
  try {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${String(e)}`));
    await page.goto(`${base}/test/browser/page/index.html`);
    const version = await browser.version();
    const result = (await page.evaluate(
      async (regions, win) => {
        const url = '/test/browser/page/element-check.ts';
        const m = (await import(url)) as typeof import('../browser/page/element-check');
        return m.elementTransportCheck(regions, win);
      },
      fixture.regions,
      window,
    )) as ElementCheckResult;
    const bg = result.samples.map((s) => s.background);
    const person = result.samples.map((s) => s.person);
    console.log(
      [
        `[firefox] ${version}: ${result.userAgent}`,
        `  supported ${result.supported}, error ${result.error}`,
        `  output ${result.outputSize.join('x')}, ${result.outputFps.toFixed(1)} fps presented, ${result.samples.length} pictures judged`,
        `  background green min ${Math.min(...bg).toFixed(3)}, person kept min ${Math.min(...person).toFixed(3)}`,
        `  stats ${JSON.stringify(result.stats)}`,
      ].join('\n'),
    );
    const problems: string[] = [];
    if (!result.supported) problems.push('isSupported() is false');
    if (result.error) problems.push(`error: ${result.error}`);
    if (result.samples.length < 10) problems.push(`only ${result.samples.length} pictures judged`);
    if (result.outputSize.join('x') !== '1280x720')
      problems.push(`output ${result.outputSize.join('x')}`);
    if (Math.min(...bg) < 0.9)
      problems.push(`background green down to ${Math.min(...bg).toFixed(3)}`);
    if (Math.min(...person) < 0.8)
      problems.push(`person kept down to ${Math.min(...person).toFixed(3)}`);
    // The worker holds a frame or two while it runs; more is a leak.
    const framesOpen = result.stats?.framesOpen ?? 0;
    if (framesOpen > 2) problems.push(`${framesOpen} VideoFrames open`);
    if (problems.length > 0) {
      console.log(logs.slice(-40).join('\n'));
      fail(problems.join('; '));
    }
    console.log('[firefox] element transport: pixel checks pass');
  } finally {
    await browser.close();
    await server.close();
    xvfb.process.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
