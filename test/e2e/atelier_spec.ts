/**
 * The Atelier page as a trainer uses it: the platform started by `npm start`'s script on the embedded
 * defaults (simulator at × 60), the page in a real Chromium, a click on a scenario button. The
 * matching alert must appear on the page within a bounded time: a silent sensor (offline), a water
 * leak with its estimated loss (leak), a meter reset (counter-reset); « Tout remettre à zéro » stops the
 * scenarios and the silent sensor comes back. The Capteurs page shows the device table with units.
 * Screenshots go to test-artifacts/ at the repository root.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { RunningPlatform, startPlatform, waitFor } from '../support/platform';
import { freePort } from '../support/ports';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
/** The device the « Capteur muet » button silences (a comfort sensor sending every 10 simulated minutes). */
const OFFLINE_TARGET = '70b3d5e75e00a103';

interface HealthState { devices: Array<{ devEui: string; intervals: number[] }> }

/** The state the « Santé du réseau » node keeps in its context, read through the admin API. */
async function healthState(httpUrl: string): Promise<HealthState | undefined> {
  const res = await fetch(`${httpUrl}/context/node/lorawan-health-ingest/etat`);
  if (res.status !== 200) return undefined;
  const body = await res.json() as { msg?: string } | Record<string, { msg?: string }>;
  const entry = 'msg' in body ? body as { msg?: string } : Object.values(body)[0];
  return entry?.msg ? JSON.parse(entry.msg) as HealthState : undefined;
}

async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

/** The « Alertes actives » group of the Atelier page. */
function alertsTable(page: Page) {
  return page.locator('.atelier-alertes');
}

describe('Atelier page end to end (scenario button → alert on the page)', function () {
  this.timeout(360000);
  let platform: RunningPlatform | undefined;
  let browser: Browser | undefined;

  after(async function () {
    if (browser) await browser.close();
    if (platform) assert.equal(await platform.stop(), 0);
  });

  it('offline, leak and counter-reset each raise their alert on the page; « Tout remettre à zéro » brings the sensor back', async function () {
    platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR_SPEED: '60' });
    const { httpUrl } = platform;
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${httpUrl}/dashboard/atelier`);
    await page.getByText('Déclencher un scénario', { exact: true }).first().waitFor({ timeout: 30000 });
    await page.getByText('Aucun scénario actif').first().waitFor({ timeout: 30000 });

    // The health node must know the sensor's rhythm before it can tell it is silent (three intervals: about 30 s).
    await waitFor(`the interval of ${OFFLINE_TARGET} learned by « Santé du réseau »`, async () => {
      const device = (await healthState(httpUrl))?.devices.find((d) => d.devEui === OFFLINE_TARGET);
      return device && device.intervals.length >= 3 ? device : undefined;
    }, 60000);

    // offline → silent sensor, within 3 intervals (30 s) plus the check period.
    let started = Date.now();
    await page.getByRole('button', { name: /Capteur muet/ }).click();
    await page.locator('.atelier-scenarios').getByText('capteur muet').waitFor({ timeout: 20000 });
    await alertsTable(page).getByText(/Capteur muet : le capteur « COBALT – confort open space »/).waitFor({ timeout: 90000 });
    const silentAfterS = (Date.now() - started) / 1000;
    // Only that sensor: the others (lighting controllers answering commands in bursts too) are not called silent.
    assert.equal(await alertsTable(page).getByText(/^Capteur muet/).count(), 1);
    await screenshot(page, 'atelier-capteur-muet.png');
    // The Capteurs page lists it apart, in red.
    const capteurs = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await capteurs.goto(`${httpUrl}/dashboard/capteurs`);
    await capteurs.locator('.capteurs-muets').getByText('COBALT – confort open space').waitFor({ timeout: 30000 });
    assert.match(await capteurs.locator('.sante-reseau').innerText(), /1\s+muets/);
    await screenshot(capteurs, 'capteurs-capteur-muet.png');
    await capteurs.close();

    // leak → the Kamstrup meter's own leak code at its next frame (one per simulated hour: 60 s), with the estimated loss.
    started = Date.now();
    await page.getByRole('button', { name: /Fuite d'eau/ }).click();
    const leak = alertsTable(page).getByText(/Fuite signalée : Le compteur d’eau « Hôtel de Ville – compteur d'eau général »/);
    await leak.waitFor({ timeout: 120000 });
    const leakAfterS = (Date.now() - started) / 1000;
    assert.match(await leak.first().innerText(), /perte estimée [\d\s\u202f,]+ m³\/jour/);
    await screenshot(page, 'atelier-fuite.png');

    // counter-reset → meter-index's reset event, mapped to an alert (the simulator sends a frame at once).
    started = Date.now();
    await page.getByRole('button', { name: /Remise à zéro du compteur/ }).click();
    await alertsTable(page).getByText(/Remise à zéro d’un compteur : pour le capteur « COBALT – compteur d'eau »/).waitFor({ timeout: 60000 });
    const resetAfterS = (Date.now() - started) / 1000;
    await screenshot(page, 'atelier-remise-a-zero.png');

    // « Tout remettre à zéro »: no active scenario any more, the silent sensor sends again and its alert is resolved.
    await page.getByRole('button', { name: 'Tout remettre à zéro' }).click();
    await page.getByText('Aucun scénario actif').first().waitFor({ timeout: 20000 });
    await alertsTable(page).getByText(/Capteur muet : le capteur « COBALT/).waitFor({ state: 'detached', timeout: 60000 });
    assert.equal(await alertsTable(page).getByText(/^Capteur muet/).count(), 0);
    await screenshot(page, 'atelier-tout-remis-a-zero.png');

    // The Capteurs page: the device table with units, French dates, the summary.
    await page.goto(`${httpUrl}/dashboard/capteurs`);
    await page.getByText('État du réseau LoRaWAN', { exact: true }).first().waitFor({ timeout: 30000 });
    await page.getByText(/^-\d+\sdBm$/).first().waitFor({ timeout: 30000 });
    await page.getByText('COBALT – confort open space').first().waitFor({ timeout: 30000 });
    assert.match(await page.locator('.sante-reseau').innerText(), /capteurs connus/);
    await screenshot(page, 'capteurs.png');

    process.stdout.write(`      alerts on the page after: silent ${silentAfterS.toFixed(0)} s, leak ${leakAfterS.toFixed(0)} s, meter reset ${resetAfterS.toFixed(0)} s\n`);
    assert.doesNotMatch(platform.output(), /\[error\]/);
  });
});
