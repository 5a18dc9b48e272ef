/**
 * Open data end to end, as a citizen sees it: the platform started as `npm start` does publishes the
 * sample datasets under the charter; /opendata/ lists them, each is downloadable in every format with
 * its metadata, the sensor register is linked, and the dataset that breaks the charter is refused with
 * the rule's name.
 */
import assert from 'node:assert/strict';
import { RunningPlatform, startPlatform, waitFor } from '../support/platform';
import { freePort } from '../support/ports';

const PUBLISHED = ['electricite-batiments-quotidienne', 'eau-batiments-quotidienne', 'eclairage-communes-quotidienne', 'electricite-communes-quotidienne'];

describe('open data end to end (npm start)', function () {
  this.timeout(240000);
  let platform: RunningPlatform | undefined;

  after(async function () {
    if (platform) assert.equal(await platform.stop(), 0);
  });

  it('serves the catalog, every format with its metadata, the sensor register, and refuses what breaks the charter', async function () {
    platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR_SPEED: '600' });
    const base = `${platform.httpUrl}/opendata`;
    const catalog = await waitFor('the first publication (60 s after start, once the simulated history is stored)', async () => {
      const res = await fetch(`${base}/`);
      const html = await res.text();
      return res.status === 200 && PUBLISHED.every((slug) => html.includes(`${slug}.csv`)) ? html : undefined;
    }, 150000).catch((err: Error) => {
      throw new Error(`${err.message}\n${platform!.output().split('\n').filter((l) => /opendata|charter|refus/i.test(l)).join('\n')}`);
    });
    assert.match(catalog, /<html lang="fr">/);
    assert.match(catalog, /href="\/opendata\/registre"/);

    for (const slug of PUBLISHED) {
      const csv = await fetch(`${base}/${slug}.csv`);
      assert.equal(csv.status, 200, `${slug}.csv`);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      assert.ok(csv.headers.get('etag'), 'caching headers');
      const json = await (await fetch(`${base}/${slug}.json`)).json();
      assert.ok(Array.isArray(json));
      const pkg = await (await fetch(`${base}/${slug}/datapackage.json`)).json() as { resources: { schema: { fields: unknown[] } }[]; licenses: unknown[] };
      assert.ok(pkg.resources[0].schema.fields.length > 0 && pkg.licenses.length > 0);
      const dcat = await (await fetch(`${base}/${slug}/dcat.jsonld`)).json() as Record<string, unknown>;
      assert.ok(JSON.stringify(dcat).includes('dcat:Dataset'));
    }
    const geojson = await (await fetch(`${base}/electricite-batiments-quotidienne.geojson`)).json() as { type: string };
    assert.equal(geojson.type, 'FeatureCollection');

    const register = await (await fetch(`${base}/registre.json`)).json() as { capteurs?: unknown[]; nombreDeCapteurs?: number };
    assert.ok((register.nombreDeCapteurs ?? register.capteurs?.length ?? 0) >= 30, 'every sensor of the fleet is in the register');
    assert.equal((await fetch(`${base}/registre`)).status, 200);

    // Per commune, the totals under statistical secrecy are left out, the others published.
    const communes = await (await fetch(`${base}/electricite-communes-quotidienne.json`)).json() as Array<{ commune: string; nombre_sites: number }>;
    assert.ok(communes.length > 0 && communes.every((row) => row.nombre_sites >= 3), JSON.stringify(communes));

    // The CO2 dataset of the Open data tab breaks the charter: never served, refused with the rule's name.
    assert.equal((await fetch(`${base}/co2-salles-horaire.csv`)).status, 404);
    assert.match(platform.output(), /co2-salles-horaire.*refusé par la règle donnees-personnelles/);
  });
});
