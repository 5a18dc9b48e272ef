/**
 * Every dashboard page, as the energy team opens it: `npm start` on a fresh user directory (simulated
 * network and its history), then each page in a real headless Chromium. A page must show live data
 * within two minutes of the start, every chart must have points, the page must not overflow
 * sideways, and a screenshot of each page is kept in test-artifacts/ for a human to read.
 *
 * What a widget shows is read from the Socket.IO packets the dashboard receives (`widget-load:<id>`
 * and `msg-input:<id>`), over polling and WebSocket: ECharts draws on a canvas, so the DOM cannot tell
 * a chart's points.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { FlowNode, readFlowFiles } from '../../scripts/flows';
import { launchBrowser } from '../support/browser';
import { RunningPlatform, startPlatform } from '../support/platform';

const root = path.resolve(__dirname, '..', '..');
const artifacts = path.join(root, 'test-artifacts');
/** The promise: every page filled with simulated data within two minutes of `npm start`. */
const FILLED_WITHIN_MS = 120000;
/** The energy team's screen; screenshots keep its width and grow to the page's height. */
const VIEWPORT = { width: 1400, height: 1000 };
/** Texts Dashboard 2.0 (« Search ») and Vuetify (tables, pagination) show in English unless translated. */
const ENGLISH_BUILT_IN = ['Search', 'No data available', 'Items per page', 'Rows per page', 'No results'];
/** Tables that must show rows too, besides every chart: the figures a page is opened for. */
const MUST_FILL = new Set(["Aujourd'hui contre la référence", 'Dernière nuit par compteur', 'Consommations par jour']);

interface PageUnderTest {
  page: FlowNode;
  charts: FlowNode[];
  tables: FlowNode[];
  widgets: FlowNode[];
}

function dashboardPages(): PageUnderTest[] {
  const nodes = readFlowFiles(root, ['dashboards']).flatMap((f) => f.nodes);
  const groupsOf = (pageId: string) => new Set(nodes.filter((n) => n.type === 'ui-group' && n.page === pageId).map((n) => n.id));
  return nodes.filter((n) => n.type === 'ui-page')
    .sort((a, b) => Number(a.order) - Number(b.order))
    .map((page) => {
      const groups = groupsOf(page.id);
      const widgets = nodes.filter((n) => typeof n.group === 'string' && groups.has(n.group as string));
      return { page, widgets, charts: widgets.filter((w) => w.type === 'ui-chart'), tables: widgets.filter((w) => w.type === 'ui-table') };
    });
}

/** Number of data points a message carries for a widget (a chart may receive one point or an array of them). */
function pointsIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + (item && typeof item === 'object' && 'payload' in item ? pointsIn((item as { payload: unknown }).payload) : 1), 0);
  if (value && typeof value === 'object' && 'payload' in (value as object)) return pointsIn((value as { payload: unknown }).payload);
  if (value === undefined || value === null || value === '') return 0;
  return 1;
}

/**
 * A message that says something to show: an empty list counts (a table or template then states « aucune
 * alerte », which is live data too), a message without payload (a widget with no stored state) does not.
 */
function carriesPayload(value: unknown): boolean {
  const isMessage = (item: unknown): item is { payload: unknown } => !!item && typeof item === 'object' && !Array.isArray(item) && 'payload' in item;
  // A list of stored messages (a chart's history): one of them must say something. An empty history says nothing.
  if (Array.isArray(value)) return value.some((item) => (isMessage(item) ? carriesPayload(item) : item !== undefined && item !== null));
  if (isMessage(value)) {
    const payload = value.payload;
    return Array.isArray(payload) || (payload !== undefined && payload !== null && payload !== '');
  }
  return value !== undefined && value !== null && value !== '';
}

interface WidgetWatch {
  /** Per widget id, the most points seen in one message since the page opened. */
  points: Map<string, number>;
  /** Widgets that received a message with something to show, an empty list included. */
  heard: Set<string>;
}

/**
 * Watches the widgets' Socket.IO packets of a page. The client connects by HTTP long-polling first and
 * upgrades to a WebSocket afterwards, so the first packets (often the widgets' stored state) come in
 * polling responses: both transports are read.
 */
function watchWidgets(page: Page): WidgetWatch {
  const seen = new Map<string, number>();
  const heard = new Set<string>();
  const onPacket = (text: string) => {
    const match = /^42(\[.*\])$/s.exec(text);
    if (!match) return;
    let event: unknown[];
    try { event = JSON.parse(match[1]) as unknown[]; } catch { return; }
    const name = String(event[0]);
    const id = /^(?:widget-load|msg-input):(.+)$/.exec(name)?.[1];
    if (!id) return;
    const points = pointsIn(event[1]);
    seen.set(id, Math.max(seen.get(id) ?? 0, points));
    if (carriesPayload(event[1])) heard.add(id);
  };
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => onPacket(typeof payload === 'string' ? payload : payload.toString('utf8')));
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.endsWith('/socket.io/') || url.searchParams.get('transport') !== 'polling' || response.request().method() !== 'GET') return;
    // Engine.IO 4 joins the packets of one polling response with the record separator (0x1e).
    response.text().then((body) => body.split('\x1e').forEach(onPacket), () => { /* the page was reloaded meanwhile */ });
  });
  return { points: seen, heard };
}

describe('every dashboard page in a real browser, filled with simulated data (npm start)', function () {
  this.timeout(FILLED_WITHIN_MS + 240000);
  let platform: RunningPlatform | undefined;
  let browser: Browser | undefined;
  let startedAt = 0;
  const pages = dashboardPages();

  before(async function () {
    fs.mkdirSync(artifacts, { recursive: true });
    startedAt = Date.now();
    platform = await startPlatform({ SUPERVISOR_SIMULATOR_SPEED: '60' });
    browser = await launchBrowser();
  });

  after(async function () {
    await browser?.close();
    if (platform) {
      fs.writeFileSync(path.join(artifacts, 'dashboards-platform.log'), platform.output());
      await platform.stop();
    }
  });

  it('has the pages the energy team and the trainers use, in French', function () {
    const names = pages.map((p) => String(p.page.name));
    for (const expected of ["Vue d'ensemble", 'Bâtiments', 'Eau', 'Énergie', 'Consommations', 'Éclairage public', 'Capteurs', 'Données ouvertes', 'Atelier']) {
      assert.ok(names.includes(expected), `no dashboard page « ${expected} » (pages: ${names.join(', ')})`);
    }
  });

  it('every chart names its unit on the value axis', function () {
    for (const { page, charts } of pages) {
      for (const chart of charts) {
        assert.ok(String(chart.yAxisLabel ?? '').trim() !== '', `page « ${page.name} »: chart « ${chart.name} » has no unit on its value axis`);
      }
    }
  });

  for (const spec of pages) {
    it(`page « ${spec.page.name} » shows live data, every chart has points, nothing overflows`, async function () {
      const context = await browser!.newContext({ viewport: VIEWPORT, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('pageerror', (err) => consoleErrors.push(err.message));
      try {
        const { points: seen, heard } = watchWidgets(page);
        const url = `${platform!.httpUrl}/dashboard${spec.page.path}`;
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        await page.getByText(String(spec.page.name)).first().waitFor({ timeout: 30000 });
        const dataWidgets = [...spec.charts, ...spec.tables, ...spec.widgets.filter((w) => w.type === 'ui-text' || w.type === 'ui-template')];
        const required = [...spec.charts, ...spec.tables.filter((t) => MUST_FILL.has(String(t.name)))];
        const chartsFilled = () => required.every((c) => (seen.get(c.id) ?? 0) > 0);
        // « Shows live data »: some widget got something to show, an empty list of alerts included.
        const anyFilled = () => dataWidgets.some((w) => heard.has(w.id));
        const deadline = Math.max(startedAt + FILLED_WITHIN_MS, Date.now() + 15000);
        let loadedAt = Date.now();
        while (!(chartsFilled() && anyFilled()) && Date.now() < deadline) {
          await page.waitForTimeout(1000);
          // Live messages reach an open page; a reload now and then also gets the widgets' stored state. Not
          // more often than every 10 s: a page with many charts needs a few seconds to load on a busy machine.
          if (Date.now() - loadedAt > 10000 && !(chartsFilled() && anyFilled())) {
            await page.reload({ waitUntil: 'domcontentloaded' });
            loadedAt = Date.now();
          }
        }
        await page.waitForTimeout(1500); // let ECharts and the tables draw before the screenshot
        // On a wide screen the menu slides away once the page is up: it must not stay over the page.
        const drawerCovers = () => page.evaluate(() => {
          const drawer = document.querySelector('[data-el="nav-drawer"]');
          // The first group of the page: the drawer either pushes it aside (fine) or lies over it.
          const group = document.querySelector('.nrdb-ui-group');
          if (!drawer || !group) return false;
          const d = drawer.getBoundingClientRect();
          const g = group.getBoundingClientRect();
          return d.width > 0 && d.right > 0 && getComputedStyle(drawer).visibility !== 'hidden' && g.left < d.right - 1;
        });
        const drawerSettles = async () => { for (let i = 0; i < 20 && await drawerCovers(); i++) await page.waitForTimeout(500); };
        await drawerSettles();
        // The whole page in one picture. A full-page screenshot resizes the viewport behind the dashboard's
        // back and catches its menu sliding in again: the viewport is made as tall as the page first, and
        // the menu left to settle.
        const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(Math.max(pageHeight, VIEWPORT.height), 16000) });
        await page.waitForTimeout(500);
        await drawerSettles();
        await page.screenshot({ path: path.join(artifacts, `dashboard${String(spec.page.path).replace(/\//g, '-')}.png`) });
        await page.setViewportSize(VIEWPORT);
        await drawerSettles();

        const empty = required.filter((c) => !((seen.get(c.id) ?? 0) > 0)).map((c) => c.name);
        assert.deepEqual(empty, [], `page « ${spec.page.name} »: charts or key tables without data ${Math.round((Date.now() - startedAt) / 1000)} s after the start`);
        assert.ok(anyFilled(), `page « ${spec.page.name} »: no widget received data (${dataWidgets.map((w) => w.name).join(', ')})`);
        assert.equal(await drawerCovers(), false, `page « ${spec.page.name} »: the menu stays over the page`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `page « ${spec.page.name} » overflows sideways by ${overflow} px`);
        // The texts Dashboard 2.0 and Vuetify write themselves are in French too (dashboards/base.json).
        const shown = await page.evaluate(() => ({ lang: document.documentElement.lang, text: document.body.innerText }));
        assert.equal(shown.lang, 'fr', `page « ${spec.page.name} »: the document's language`);
        const english = ENGLISH_BUILT_IN.filter((words) => shown.text.includes(words));
        assert.deepEqual(english, [], `page « ${spec.page.name} »: built-in texts left in English`);
        assert.deepEqual(consoleErrors, [], `page « ${spec.page.name} »: errors in the browser`);
      } finally {
        await context.close();
      }
    });
  }
});
