import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CharterError, checkPublication, granularitySeconds, loadCharterFile, parseCharter, streamForSensor } from '../../nodes/lib/opendata/charter';
import type { DatasetDescription, DatasetRows } from '../../nodes/lib/opendata/types';

const CHARTER_FILE = path.resolve(__dirname, '../../data/charte-donnees.json');
const raw = () => JSON.parse(fs.readFileSync(CHARTER_FILE, 'utf8')) as { flux: Array<Record<string, any>>; parDefaut: Record<string, unknown> } & Record<string, unknown>;
const charter = loadCharterFile(CHARTER_FILE);

function dataset(over: Partial<DatasetDescription> = {}): DatasetDescription {
  return {
    id: 'consommation-quotidienne-batiments',
    title: 'Consommations quotidiennes des bâtiments publics',
    description: 'Électricité, gaz et eau par bâtiment et par jour.',
    stream: 'energie-batiments-publics',
    granularity: '1d',
    spatialLevel: 'building',
    fields: [{ name: 'date', type: 'date', title: 'Date', description: 'Jour' }],
    quantities: ['active_energy', 'gas_volume', 'water_volume'],
    usages: ['bureau', 'enseignement'],
    ...over,
  };
}

/** n units contributing the given values to one aggregate row. */
function aggregate(values: number[]): DatasetRows {
  return { rows: [{ commune: 'Poitiers', valeur: values.reduce((a, b) => a + b, 0) }], contributions: [Object.fromEntries(values.map((v, i) => [`site-${i + 1}`, v]))] };
}

const rules = (violations: { rule: string }[]) => violations.map((v) => v.rule).sort();

describe('open data: the data charter', () => {
  describe('the sample charter file', () => {
    it('loads, with the default licence and its five streams', () => {
      assert.deepEqual(charter.flux.map((s) => s.id), ['energie-batiments-publics', 'eclairage-public', 'confort-co2-occupation', 'consommation-residentielle', 'sante-reseau']);
      assert.equal(charter.licence?.licence, 'Licence Ouverte 2.0');
      const comfort = charter.flux.find((s) => s.id === 'confort-co2-occupation');
      assert.equal(comfort?.personnelles, true);
      assert.equal(comfort?.publication, 'interdite');
      const residential = charter.flux.find((s) => s.id === 'consommation-residentielle');
      assert.equal(residential?.personnelles, true);
      assert.equal(residential?.sitesMinimum, 10);
      assert.deepEqual(residential?.secretStatistique, { unitesMinimum: 3, partMaximale: 85 });
    });

    it('has a French explanation beside every rule of every stream', () => {
      for (const stream of raw().flux) {
        for (const [key, value] of Object.entries(stream)) {
          if (value && typeof value === 'object' && !Array.isArray(value)) {
            assert.equal(typeof value.explication, 'string', `${stream.id}.${key}`);
            assert.ok(value.explication.length > 10, `${stream.id}.${key}`);
          }
        }
      }
    });

    it('maps sensors to streams by fluid and building usage', () => {
      assert.equal(streamForSensor(charter, 'gas', 'enseignement')?.id, 'energie-batiments-publics');
      assert.equal(streamForSensor(charter, 'electricity', 'Résidentiel')?.id, 'consommation-residentielle');
      assert.equal(streamForSensor(charter, 'comfort')?.id, 'confort-co2-occupation');
      assert.equal(streamForSensor(charter, 'lighting')?.id, 'eclairage-public');
      assert.equal(streamForSensor(charter, 'heat'), undefined);
    });
  });

  describe('refusals', () => {
    it('accepts a daily per-building publication of public buildings', () => {
      assert.deepEqual(checkPublication(charter, dataset(), { rows: [{ site: 'cobalt', valeur: 12 }] }), []);
    });

    it('accepts a residential commune total of 12 meters with no dominant one', () => {
      const rows = aggregate([10, 11, 9, 12, 10, 8, 11, 10, 9, 12, 10, 11]);
      assert.deepEqual(checkPublication(charter, dataset({ stream: 'consommation-residentielle', spatialLevel: 'commune', usages: ['résidentiel'] }), rows), []);
    });

    it('refuses CO2 in a public-building dataset as personal data, naming the rule and the dataset', () => {
      const violations = checkPublication(charter, dataset({ quantities: ['active_energy', 'co2'] }), { rows: [{ site: 'cobalt' }] });
      assert.deepEqual(rules(violations), ['donnees-personnelles']);
      assert.equal(violations[0].dataset, 'consommation-quotidienne-batiments');
      assert.match(violations[0].message, /consommation-quotidienne-batiments/);
      assert.match(violations[0].message, /donnees-personnelles/);
      assert.match(violations[0].message, /co2/);
    });

    it('refuses residential usages in a stream not declared personal', () => {
      const violations = checkPublication(charter, dataset({ usages: ['logement'] }), { rows: [{ site: 'x' }] });
      assert.deepEqual(rules(violations), ['donnees-personnelles']);
    });

    it('refuses the comfort stream (publication forbidden) and residential data per building', () => {
      const comfort = checkPublication(charter, dataset({ id: 'co2-ecoles', stream: 'confort-co2-occupation', quantities: ['co2'] }), { rows: [{}] });
      assert.ok(rules(comfort).includes('donnees-personnelles'));
      assert.ok(rules(comfort).includes('acces-non-public'));
      const perBuilding = checkPublication(charter, dataset({ stream: 'consommation-residentielle' }), aggregate(Array(12).fill(5)));
      assert.ok(rules(perBuilding).includes('donnees-personnelles'));
    });

    it('refuses a granularity finer than the stream minimum', () => {
      const hourly = checkPublication(charter, dataset({ stream: 'consommation-residentielle', spatialLevel: 'commune', granularity: '1h' }), aggregate(Array(12).fill(5)));
      assert.deepEqual(rules(hourly), ['granularite-trop-fine']);
      assert.match(hourly[0].message, /1h.*1d/);
      assert.deepEqual(rules(checkPublication(charter, dataset({ granularity: '15m' }), { rows: [{}] })), ['granularite-trop-fine']);
      assert.deepEqual(rules(checkPublication(charter, dataset({ granularity: 'quotidien' }), { rows: [{}] })), ['granularite-invalide']);
    });

    it('refuses a residential total of fewer than 10 meters', () => {
      const violations = checkPublication(charter, dataset({ stream: 'consommation-residentielle', spatialLevel: 'commune' }), aggregate([5, 6, 5, 4, 6, 5, 5, 6, 5]));
      assert.deepEqual(rules(violations), ['trop-peu-de-sites']);
      assert.match(violations[0].message, /au moins 10 sites/);
      assert.match(violations[0].message, /9 sites/);
    });

    it('refuses an aggregate with a site over 85 % of the total', () => {
      const violations = checkPublication(charter, dataset({ spatialLevel: 'commune' }), aggregate([900, 50, 50]));
      assert.deepEqual(rules(violations), ['secret-statistique-85']);
      assert.match(violations[0].message, /site-1 pèse 90 %/);
      // 85 % exactly is allowed
      assert.deepEqual(checkPublication(charter, dataset({ spatialLevel: 'commune' }), aggregate([85, 10, 5])), []);
    });

    it('refuses an aggregate of fewer than 3 units, reporting the offending row', () => {
      const rows: DatasetRows = {
        rows: [{ commune: 'Poitiers' }, { commune: 'Migné-Auxances' }],
        contributions: [{ a: 10, b: 10, c: 10 }, { 'salle-polyvalente-migne': 30, 'ecole-migne': 25 }],
      };
      const violations = checkPublication(charter, dataset({ spatialLevel: 'commune' }), rows);
      assert.deepEqual(rules(violations), ['secret-statistique-3']);
      assert.match(violations[0].message, /ligne 2 \(2 unités\)/);
    });

    it('refuses an aggregate whose contributions are missing', () => {
      const violations = checkPublication(charter, dataset({ spatialLevel: 'territory' }), { rows: [{ valeur: 3 }] });
      assert.deepEqual(rules(violations), ['contributions-manquantes']);
    });

    it('refuses an unknown stream', () => {
      const violations = checkPublication(charter, dataset({ stream: 'parkings' }), { rows: [] });
      assert.deepEqual(rules(violations), ['flux-inconnu']);
      assert.match(violations[0].message, /parkings/);
    });

    it('refuses a stream without any licence', () => {
      const json = raw();
      delete json.parDefaut.licence;
      const noLicence = parseCharter(json);
      assert.deepEqual(rules(checkPublication(noLicence, dataset(), { rows: [{}] })), ['licence-manquante']);
    });
  });

  describe('charter file errors', () => {
    const broken = (edit: (json: ReturnType<typeof raw>) => void) => {
      const json = raw();
      edit(json);
      return () => parseCharter(json, 'essai.json');
    };

    it('names the stream and the field of a bad granularity', () => {
      assert.throws(broken((j) => { j.flux[2].granularite.granulariteMinimale = 'quotidien'; }), (err: Error) => {
        assert.ok(err instanceof CharterError);
        assert.match(err.message, /essai\.json/);
        assert.match(err.message, /flux « confort-co2-occupation »/);
        assert.match(err.message, /granularite\.granulariteMinimale/);
        return true;
      });
    });

    it('names a missing explanation, purpose, personal flag and bad thresholds', () => {
      assert.throws(broken((j) => { delete j.flux[0].finalite.explication; }), /energie-batiments-publics.*finalite\.explication/);
      assert.throws(broken((j) => { delete j.flux[1].finalite; }), /eclairage-public.*« finalite ».*absent/);
      assert.throws(broken((j) => { j.flux[3].donneesPersonnelles.personnelles = 'oui'; }), /consommation-residentielle.*donneesPersonnelles\.personnelles/);
      assert.throws(broken((j) => { j.flux[3].secretStatistique.partMaximale = 120; }), /consommation-residentielle.*secretStatistique\.partMaximale.*120/);
      assert.throws(broken((j) => { j.flux[4].acces.niveau = 'ouvert'; }), /sante-reseau.*acces\.niveau.*ouvert/);
      assert.throws(broken((j) => { j.flux[1].id = j.flux[0].id; }), /deux flux/);
    });

    it('reports an unreadable file and invalid JSON with the file name', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charte-'));
      try {
        assert.throws(() => loadCharterFile(path.join(dir, 'absente.json')), /absente\.json.*illisible.*ENOENT/);
        fs.writeFileSync(path.join(dir, 'cassee.json'), '{ "titre": ');
        assert.throws(() => loadCharterFile(path.join(dir, 'cassee.json')), /cassee\.json.*JSON invalide/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('reads time steps', () => {
    assert.equal(granularitySeconds('15m'), 900);
    assert.equal(granularitySeconds('1mo'), 2592000);
    assert.equal(granularitySeconds('1d'), 86400);
    assert.equal(granularitySeconds('jour'), undefined);
  });
});

describe('statistical secrecy: suppressing the secret totals', function () {
  it('leaves out the commune totals that break the rules and keeps the others, which then pass the charter', function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadCharterFile, checkPublication, suppressSecretRows } = require('../../nodes/lib/opendata/charter') as typeof import('../../nodes/lib/opendata/charter');
    const charter = loadCharterFile(require('node:path').resolve(__dirname, '../../data/charte-donnees.json'));
    const dataset = {
      id: 'eau-communes', title: 'Eau par commune', description: 'Eau par commune', stream: 'energie-batiments-publics', granularity: '1d',
      spatialLevel: 'commune' as const, fields: [], quantities: ['water_volume'],
    };
    const rows: { rows: Array<Record<string, unknown>>; contributions: Array<Record<string, number>> } = {
      rows: [{ commune: 'Poitiers', valeur: 60 }, { commune: 'Migné-Auxances', valeur: 9 }, { commune: 'Buxerolles', valeur: 30 }],
      contributions: [
        { mairie: 20, ecole: 25, gymnase: 15 }, // 3 units, largest 42 %: publishable
        { salle: 9 }, // 1 unit: secret
        { a: 27, b: 2, c: 1 }, // 3 units but one at 90 %: secret
      ],
    };
    assert.ok(checkPublication(charter, dataset, rows).some((v) => v.rule === 'secret-statistique-3'));
    const { rows: kept, suppressed } = suppressSecretRows(charter, dataset, rows);
    assert.equal(suppressed, 2);
    assert.deepEqual(kept.rows, [{ commune: 'Poitiers', valeur: 60 }]);
    assert.deepEqual(kept.contributions, [{ mairie: 20, ecole: 25, gymnase: 15 }]);
    assert.deepEqual(checkPublication(charter, dataset, kept), []);
    // Building rows are never touched here (a public building alone is allowed).
    assert.equal(suppressSecretRows(charter, { ...dataset, spatialLevel: 'building' }, rows).suppressed, 0);
  });
});
