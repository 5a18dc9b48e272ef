import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvTable, decodeText, loadCsv } from '../../nodes/lib/reference/csv';

/** Windows-1252 bytes of a text: ASCII plus the few accented characters the fixtures use. */
function cp1252(text: string): Buffer {
  const map: Record<string, number> = { 'é': 0xe9, 'è': 0xe8, 'ê': 0xea, 'à': 0xe0, 'ç': 0xe7, 'ô': 0xf4, 'É': 0xc9, '€': 0x80 };
  return Buffer.from([...text].map((c) => {
    if (c.charCodeAt(0) < 0x80) return c.charCodeAt(0);
    const byte = map[c];
    if (byte === undefined) throw new Error(`no Windows-1252 byte for ${c}`);
    return byte;
  }));
}

describe('reference CSV loader', function () {
  let dir: string;
  before(function () { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-ref-csv-')); });
  after(function () { fs.rmSync(dir, { recursive: true, force: true }); });

  function write(name: string, bytes: Buffer | string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  it('reads a Windows-1252 semicolon export with decimal commas and accents', async function () {
    const text = 'devEui;siteId;libellé;poids;adresse;code\r\n' +
      '70B3D5E75E00A102;école-jaurès;École Jean Jaurès;12,5;"Poitiers, centre";01234\r\n' +
      '70b3d5e75e00a103;hôtel-de-ville;Hôtel de ville – façade;0,001;Place du Maréchal;86000\r\n';
    const bytes = cp1252(text.replace('–', '-'));
    assert.equal(decodeText(bytes).encoding, 'windows-1252');
    const table = await loadCsv({ name: 'compteurs', location: write('w1252.csv', bytes), keyColumn: 'devEui', requiredColumns: ['siteId'] });
    assert.deepEqual(table.columns, ['devEui', 'siteId', 'libellé', 'poids', 'adresse', 'code']);
    const row = table.rows.get('70b3d5e75e00a102');
    assert.ok(row, 'devEui keys are lowercased');
    assert.equal(row.libellé, 'École Jean Jaurès');
    assert.equal(row.siteId, 'école-jaurès');
    assert.equal(row.poids, 12.5);
    assert.equal(row.adresse, 'Poitiers, centre');
    assert.equal(row.code, '01234', 'leading zeros stay text');
    assert.equal(row.devEui, '70B3D5E75E00A102', 'the row keeps the cell as written');
    assert.equal(table.rows.get('70b3d5e75e00a103')?.poids, 0.001);
    assert.equal(table.rows.get('70b3d5e75e00a103')?.code, 86000);
    assert.equal(table.list.length, 2);
  });

  it('does not read a comma as a decimal separator in a comma-delimited file', function () {
    const table = csvTable('id,value,label\na,"12,5",x\nb,7.25,"Poitiers, centre"\n', { name: 't', origin: 'mem.csv', keyColumn: 'id' });
    assert.equal(table.rows.get('a')?.value, '12,5');
    assert.equal(table.rows.get('b')?.value, 7.25);
    assert.equal(table.rows.get('b')?.label, 'Poitiers, centre');
  });

  it('reads UTF-8 with a byte order mark, and keeps text with typing none', async function () {
    const file = write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('siteId;commune;surface\nS1;Châtellerault;120,5\n', 'utf8')]));
    const table = await loadCsv({ name: 'sites', location: file, keyColumn: 'siteId' });
    assert.deepEqual(table.columns, ['siteId', 'commune', 'surface']);
    assert.equal(table.rows.get('S1')?.commune, 'Châtellerault');
    assert.equal(table.rows.get('S1')?.surface, 120.5);
    const plain = await loadCsv({ name: 'sites', location: file, keyColumn: 'siteId', typing: 'none' });
    assert.equal(plain.rows.get('S1')?.surface, '120,5');
  });

  it('reads a TSV file and applies declared column types', async function () {
    const file = write('assets.tsv', 'lampId\tpower\tled\tname\nL1\t70,0\toui\tRue de la Cathédrale\nL2\t150\tnon\tBoulevard, nord\n');
    const table = await loadCsv({ name: 'éclairage', location: file, keyColumn: 'lampId', columnTypes: { led: 'boolean', power: 'integer' } });
    assert.equal(table.rows.get('L1')?.led, true);
    assert.equal(table.rows.get('L2')?.led, false);
    assert.equal(table.rows.get('L1')?.power, 70);
    assert.equal(table.rows.get('L2')?.name, 'Boulevard, nord');
    await assert.rejects(loadCsv({ name: 'éclairage', location: file, keyColumn: 'lampId', columnTypes: { name: 'number' } }),
      /assets\.tsv\), line 2: column "name" must be a number/);
  });

  it('rejects a duplicate key naming the key and both lines', async function () {
    const file = write('dup.csv', 'devEui;site\n70b3d5e75e00a101;a\n\n70B3D5E75E00A102;b\n70b3d5e75e00a101;c\n');
    await assert.rejects(loadCsv({ name: 'compteurs', location: file, keyColumn: 'devEui' }),
      (err: Error) => /duplicate key "70b3d5e75e00a101"/.test(err.message) && /line 2 and line 5/.test(err.message) && err.message.includes(file));
  });

  it('rejects a missing key column and missing required columns', async function () {
    const file = write('cols.csv', 'devEui;site\nabc;a\n');
    await assert.rejects(loadCsv({ name: 't', location: file, keyColumn: 'meter' }), /key column "meter" does not exist; columns: devEui, site/);
    await assert.rejects(loadCsv({ name: 't', location: file, keyColumn: 'devEui', requiredColumns: ['site', 'fluid', 'usage'] }),
      /missing required columns "fluid", "usage"/);
  });

  it('rejects an empty table, an empty key and a missing file', async function () {
    await assert.rejects(loadCsv({ name: 't', location: write('empty.csv', 'devEui;site\n;;\n'), keyColumn: 'devEui' }), /the table is empty/);
    await assert.rejects(loadCsv({ name: 't', location: write('nokey.csv', 'devEui;site\n;a\n'), keyColumn: 'devEui' }), /line 2: the key column "devEui" is empty/);
    await assert.rejects(loadCsv({ name: 't', location: path.join(dir, 'absent.csv'), keyColumn: 'devEui' }), /absent\.csv: the file does not exist/);
  });
});
