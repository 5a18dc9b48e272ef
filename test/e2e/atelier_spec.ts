/**
 * The Atelier page as a trainer uses it: the platform started by `npm start`'s script on the embedded
 * defaults (simulator at × 60), the page in a real Chromium, a click on a scenario button. The
 * matching alert must appear on the page within a bounded time: a silent sensor (offline), a water
 * leak with its estimated loss (leak), a meter reset (counter-reset); « Tout remettre à zéro » stops the
 * scenarios and the silent sensor comes back. The Capteurs page shows the device table with units.
 * Day burner: the Saint-Éloi cabinet is first switched off by an override typed in the « Éclairage public »
 * form (the program's own command depends on the real time of day), then its circuits are forced closed:
 * lighting-control's drift alert must reach the Atelier page.
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
/** The cabinet the « Éclairage allumé le jour » button targets (Netvox R831C relays, Saint-Éloi). */
const DAY_BURNER_TARGET = '00137a1000014f02';

interface AuditLine { time: string; target: string; reason?: string; result: string; command: string; params?: { level?: number }; detail?: string }

/** The lighting audit log (append-only JSON lines in the user directory). */
function auditLines(userDir: string): AuditLine[] {
  const file = path.join(userDir, 'lighting-audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditLine);
}

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

  /** The platform and browser of the first case, or new ones when this case runs alone (--grep). */
  async function platformAndBrowser(): Promise<{ running: RunningPlatform; chromium: Browser }> {
    platform ??= await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR_SPEED: '60' });
    browser ??= await launchBrowser();
    return { running: platform, chromium: browser };
  }

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

  it('day burner: the cabinet switched off from « Éclairage public », forced on from the Atelier, raises the drift alert on the page', async function () {
    const { running, chromium } = await platformAndBrowser();
    const { httpUrl, userDir } = running;
    // While the simulator replays the meters' history (about 30 s after a fresh start), it refuses
    // scenario changes aimed at all devices, so « Tout remettre à zéro » would fail: wait for its end.
    await waitFor("the end of the meters' history replay", async () =>
      /Passé des compteurs rejoué|Meters' past replayed/.test(running.output()) || undefined, 180000);
    const page = await chromium.newPage({ viewport: { width: 1400, height: 1000 } });

    // The program switches the cabinet on or off by the real time of day: an override at 0 % makes the
    // command in force the extinction, whatever the hour (an hour long: it outlasts the case).
    const reason = 'atelier e2e extinction';
    await page.goto(`${httpUrl}/dashboard/eclairage`);
    await page.getByText('Dérogation', { exact: true }).first().waitFor({ timeout: 30000 });
    await page.getByLabel(/Point lumineux ou armoire/).click({ force: true });
    await page.getByText('Armoire de Saint-Éloi (Poitiers)', { exact: true }).click();
    await page.getByLabel(/Niveau/).fill('0');
    await page.getByLabel(/Durée/).fill('60');
    await page.getByLabel(/Motif/).fill(reason);
    await page.getByRole('button', { name: 'Envoyer la dérogation' }).click();
    const mine = (l: AuditLine) => l.target.startsWith(DAY_BURNER_TARGET) && l.reason === reason;
    let started = Date.now();
    const confirmed = await waitFor(`the extinction of ${DAY_BURNER_TARGET} confirmed in the audit log`, async () =>
      auditLines(userDir).find((l) => mine(l) && l.result === 'confirmed'), 90000);
    const offAfterS = (Date.now() - started) / 1000;
    assert.equal(confirmed.command, 'setLevel');
    assert.equal(auditLines(userDir).find((l) => mine(l) && l.result === 'queued')?.params?.level, 0);

    // day-burner → the cabinet's circuits closed; the simulator sends its status at once (else its hourly one: 60 s).
    await page.goto(`${httpUrl}/dashboard/atelier`);
    await page.getByText('Déclencher un scénario', { exact: true }).first().waitFor({ timeout: 30000 });
    await page.getByText('Aucun scénario actif').first().waitFor({ timeout: 30000 });
    // No drift before the click: the alert below is this scenario's.
    assert.equal(auditLines(userDir).filter((l) => l.target.startsWith(DAY_BURNER_TARGET) && l.result === 'drift').length, 0);
    started = Date.now();
    await page.getByRole('button', { name: /Éclairage allumé le jour/ }).click();
    // The list comes back through the simulator's output, queued behind its frames: slow while it replays
    // the meters' history just after the start (when this case runs alone).
    await page.locator('.atelier-scenarios').getByText('éclairage allumé le jour').waitFor({ timeout: 60000 });
    const drift = alertsTable(page).getByText(new RegExp(`Point lumineux allumé alors que la commande est l'extinction : ${DAY_BURNER_TARGET}`));
    await drift.waitFor({ timeout: 120000 });
    const driftAfterS = (Date.now() - started) / 1000;
    assert.equal(await drift.count(), 1);
    assert.match(await drift.innerText(), /au lieu de 0 %/);
    // The audit log keeps the episode too (written alongside the alert: allow a few seconds).
    const audited = (result: string) => async () => auditLines(userDir).find((l) => l.target.startsWith(DAY_BURNER_TARGET) && l.result === result);
    const driftLine = await waitFor(`the drift of ${DAY_BURNER_TARGET} in the audit log`, audited('drift'), 10000);
    assert.ok(Date.parse(driftLine.time) >= started - 1000, 'the drift was raised after the click');
    assert.equal(driftLine.reason, reason, 'the drift is measured against the dashboard\'s extinction');
    await screenshot(page, 'atelier-eclairage-allume-le-jour.png');

    // « Tout remettre à zéro »: the circuits follow the command again (off), the next status clears the alert.
    started = Date.now();
    await page.getByRole('button', { name: 'Tout remettre à zéro' }).click();
    await page.getByText('Aucun scénario actif').first().waitFor({ timeout: 60000 });
    await drift.waitFor({ state: 'detached', timeout: 90000 });
    const clearedAfterS = (Date.now() - started) / 1000;
    await waitFor(`the end of the drift of ${DAY_BURNER_TARGET} in the audit log`, audited('drift-cleared'), 10000);
    await page.close();

    process.stdout.write(`      day burner: cabinet off confirmed after ${offAfterS.toFixed(0)} s, drift alert on the page after ${driftAfterS.toFixed(0)} s, cleared after ${clearedAfterS.toFixed(0)} s\n`);
    assert.doesNotMatch(running.output(), /\[error\]/);
  });
});
