import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { GENERAL_CENTRE, mergeGeneralParams, simulateGeneral, simulateVolume } from '@dmdet/simulate';
import { type Volume, writeTiff } from '@dmdet/volume-io';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The web example in a real browser: Debian's chromium, headless, driven by playwright-core. CI
// (`.ci/run`) installs chromium and sets DMDET_REQUIRE_BROWSER=1, so there this never skips.
const executablePath = process.env['DMDET_CHROMIUM'] ?? '/usr/bin/chromium';
const available = existsSync(executablePath);
if (!available && process.env['DMDET_REQUIRE_BROWSER'] === '1')
  throw new Error(
    `DMDET_REQUIRE_BROWSER=1 but there is no browser at ${executablePath} (apt-get install chromium)`,
  );

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const dist = join(app, 'dist');
const artifacts = join(app, '..', '..', '.ci', 'out');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};

describe.skipIf(!available)('web example in chromium', () => {
  let server: Server;
  let url = '';
  let browser: Browser;
  const sim = simulateVolume({ shape: [8, 96, 96], snr: 4, density: 'medium', seed: 7 });
  // An sCMOS camera's pixel pattern (offsets spread 3× the read noise, the same in every slice).
  const patterned = simulateGeneral(
    mergeGeneralParams(GENERAL_CENTRE, {
      shape: [12, 64, 64],
      camera: { offset: 100, gain: 1, readNoise: 4, pattern: { offset: 12, gain: 0.01, readNoise: 0.3 } },
      spots: { count: 24, snr: 7 },
    }),
    21,
  );

  beforeAll(async () => {
    execFileSync(process.execPath, [join(app, 'scripts', 'copy-assets.mjs')]);
    await build({ root: app, configFile: join(app, 'vite.config.ts'), logLevel: 'error' });
    writeFileSync(join(dist, 'fixture.tif'), new Uint8Array(writeTiff(sim.volume)));
    writeFileSync(join(dist, 'pattern.tif'), new Uint8Array(writeTiff(patterned.volume)));
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
        /^(\.\.[/\\])+/,
        '',
      );
      const file = join(dist, path === '/' ? 'index.html' : path);
      if (!file.startsWith(dist) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    mkdirSync(artifacts, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  type PageState = {
    status: string;
    backend?: string;
    model?: string;
    points?: { x: number; y: number; z: number; score: number }[];
    error?: string;
  };

  async function open(
    query: string,
  ): Promise<{ state: PageState; page: Awaited<ReturnType<Browser['newPage']>> }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}${query}`);
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __dmdet?: { status: string } }).__dmdet?.status;
        return s === 'done' || s === 'error';
      },
      undefined,
      { timeout: 240_000 },
    );
    const state = (await page.evaluate(
      () => (window as unknown as { __dmdet: unknown }).__dmdet,
    )) as PageState;
    expect(errors).toEqual([]);
    return { state, page };
  }

  /** The page's detections equal the Node pipeline's with `model` on wasm (positions within 1e-3 voxels, scores 1e-4). */
  async function expectAsNode(state: PageState, volume: Volume, model: 'default' | 'scmos') {
    await useBackend('wasm');
    const node = await detect(volume, { model: await loadModel(model) });
    const web = state.points ?? [];
    expect(web.length).toBe(node.points.length);
    expect(web.length).toBeGreaterThan(10);
    web.forEach((p, i) => {
      const q = node.points[i] as (typeof node.points)[number];
      expect(Math.abs(p.x - q.x) + Math.abs(p.y - q.y) + Math.abs(p.z - q.z)).toBeLessThan(1e-3);
      expect(Math.abs(p.score - q.score)).toBeLessThan(1e-4);
    });
    return web;
  }

  it('detects in a TIFF fixture on wasm exactly as the Node pipeline does', async () => {
    const { state, page } = await open('?fixture=fixture.tif&backend=wasm');
    expect(state.error).toBeUndefined();
    expect(state.backend).toBe('wasm');
    expect(state.model).toBe('default');
    const web = await expectAsNode(state, sim.volume, 'default');
    expect(await page.locator('#status').textContent()).toMatch(/fixture\.tif: \d+ particles/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('x,y,z,score');
    expect(csv).toHaveLength(web.length + 1);
    await page.screenshot({ path: join(artifacts, 'e2e-web-fixture.png') });
    await page.close();
  }, 300_000);

  it('detects a stack with a camera pixel pattern with the scmos model, as dmdet detect does', async () => {
    const { state, page } = await open('?fixture=pattern.tif&backend=wasm');
    expect(state.error).toBeUndefined();
    expect(state.model).toBe('scmos');
    await expectAsNode(state, patterned.volume, 'scmos');
    expect(await page.locator('#summary').textContent()).toMatch(
      /model scmos: a camera pixel pattern, \d+\.\d×/,
    );
    await page.close();
  }, 300_000);

  it('picks the best backend the browser offers, shows it, and scores a simulated volume', async () => {
    const { state, page } = await open('?simulate=96');
    expect(state.error).toBeUndefined();
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(state.backend);
    expect(await page.locator('#backend').textContent()).toBe(state.backend);
    expect(await page.locator('#summary').textContent()).toMatch(/particles in [\d.]+ s · F1 [01]\.\d{3}/);
    await page.screenshot({ path: join(artifacts, 'e2e-web-simulated.png') });
    await page.close();
  }, 300_000);
});
