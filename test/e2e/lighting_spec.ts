/**
 * Street lighting end to end, as the energy team uses it: a dependency-free start (`npm start`'s
 * script), the « Éclairage public » dashboard page in a real Chromium, an override typed in its form.
 * The override must reach the simulated controller as a ChirpStack downlink, be confirmed by the status
 * uplink the controller answers with, be written in the audit log, and expire back to the program.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { RunningPlatform, startPlatform, waitFor } from '../support/platform';
import { freePort } from '../support/ports';

interface AuditLine { requestId: string; requestedBy?: string; target: string; command: string; reason?: string; result: string; params?: { level?: number } }

function auditLines(userDir: string): AuditLine[] {
  const file = path.join(userDir, 'lighting-audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditLine);
}

describe('street lighting end to end (dashboard override → downlink → confirmation → expiry)', function () {
  this.timeout(180000);
  let platform: RunningPlatform | undefined;
  let browser: Browser | undefined;

  after(async function () {
    if (browser) await browser.close();
    if (platform) assert.equal(await platform.stop(), 0);
  });

  it('an override typed in the dashboard reaches the luminaire, is confirmed, audited, and expires back to program', async function () {
    platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR_SPEED: '60' });
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${platform.httpUrl}/dashboard/eclairage`);
    await page.getByText('Dérogation', { exact: true }).first().waitFor({ timeout: 30000 });

    await page.getByLabel(/Point lumineux ou armoire/).click({ force: true });
    await page.getByText("Luminaire Grand'Rue n°1 (Poitiers)", { exact: true }).click();
    await page.getByLabel(/Niveau/).fill('30');
    // A quarter of a minute: the override expires while the spec waits.
    await page.getByLabel(/Durée/).fill('0.25');
    await page.getByLabel(/Motif/).fill('travaux e2e');
    await page.getByRole('button', { name: 'Envoyer la dérogation' }).click();

    const userDir = platform.userDir;
    const mine = (l: AuditLine) => l.target.startsWith('4c1cb60000f60301') && l.reason === 'travaux e2e';
    const confirmed = await waitFor('the override confirmed by the luminaire in the audit log', async () =>
      auditLines(userDir).find((l) => mine(l) && l.result === 'confirmed'), 60000);
    assert.equal(confirmed.command, 'setLevel');
    const queued = auditLines(userDir).find((l) => mine(l) && l.result === 'queued');
    assert.ok(queued, 'the command was audited when queued');
    assert.equal(queued.requestedBy, 'tableau de bord');
    assert.equal(queued.params?.level, 30);

    await waitFor('the override expiring back to program', async () =>
      auditLines(userDir).find((l) => l.target.startsWith('4c1cb60000f60301') && l.result === 'resumed'), 60000);

    // The page shows it too: the audit table lists the dashboard's command.
    await page.getByText('travaux e2e').first().waitFor({ timeout: 30000 });
    // Audit lines are only ever appended.
    const before = fs.readFileSync(path.join(userDir, 'lighting-audit.jsonl'), 'utf8');
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(fs.readFileSync(path.join(userDir, 'lighting-audit.jsonl'), 'utf8').startsWith(before));
  });
});
