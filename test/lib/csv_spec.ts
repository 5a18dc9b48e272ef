import assert from 'node:assert/strict';
import { CsvError, parseCsv } from '../../nodes/lib/csv';

describe('csv: parseCsv', function () {
  it('returns the header and one record per row, keyed by column name', function () {
    const table = parseCsv('devEui,model\n0011223344556677,netvox-r718h\n8899aabbccddeeff,watteco-ticso\n');
    assert.deepEqual(table.header, ['devEui', 'model']);
    assert.deepEqual(table.rows, [
      { devEui: '0011223344556677', model: 'netvox-r718h' },
      { devEui: '8899aabbccddeeff', model: 'watteco-ticso' },
    ]);
    assert.deepEqual(table.lines, [2, 3]);
    assert.equal(table.delimiter, ',');
  });

  it('detects a semicolon delimiter from the header line (French spreadsheets)', function () {
    const table = parseCsv('site;latitude;longitude\nHôtel de Ville;46,5804;0,3402\n');
    assert.equal(table.delimiter, ';');
    assert.deepEqual(table.rows, [{ site: 'Hôtel de Ville', latitude: '46,5804', longitude: '0,3402' }]);
  });

  it('ignores delimiters inside quotes when detecting, and honours a forced delimiter', function () {
    assert.equal(parseCsv('"a;b;c",d\n1,2\n').delimiter, ',');
    const forced = parseCsv('a,b;c\n1,2;3\n', { delimiter: ';' });
    assert.deepEqual(forced.header, ['a,b', 'c']);
    assert.deepEqual(forced.rows, [{ 'a,b': '1,2', c: '3' }]);
  });

  it('reads RFC 4180 quoted fields: delimiters, doubled quotes and line breaks inside', function () {
    const text = 'name,note,n\n"Armoire, parc de Blossac","dit ""Blossac""\nligne 2",1\nx,,2\n';
    const table = parseCsv(text);
    assert.deepEqual(table.rows[0], { name: 'Armoire, parc de Blossac', note: 'dit "Blossac"\nligne 2', n: '1' });
    assert.deepEqual(table.rows[1], { name: 'x', note: '', n: '2' });
    assert.deepEqual(table.lines, [2, 4], 'the row after a two-line field starts on line 4');
  });

  it('strips a byte order mark, accepts CRLF and CR line ends, trims header names', function () {
    const table = parseCsv('\uFEFF devEui ,model\r\n0011223344556677,a\r8899aabbccddeeff,b');
    assert.deepEqual(table.header, ['devEui', 'model']);
    assert.equal(table.rows.length, 2);
    assert.equal(table.rows[1].model, 'b');
  });

  it('skips empty lines and the empty rows spreadsheets export (;;;) but keeps a quoted empty value', function () {
    const table = parseCsv('a;b;c\n\n1;2;3\n;;\n   \n"";;\n');
    assert.deepEqual(table.rows, [{ a: '1', b: '2', c: '3' }, { a: '', b: '', c: '' }]);
    assert.deepEqual(table.lines, [3, 6]);
  });

  it('keeps values as written (spaces are part of a field)', function () {
    assert.deepEqual(parseCsv('a,b\n x , y\n').rows, [{ a: ' x ', b: ' y' }]);
  });

  describe('errors name the file and the line', function () {
    const fails = (text: string, pattern: RegExp, line: number) => {
      assert.throws(() => parseCsv(text, { file: 'devices.csv' }), (err: unknown) => {
        assert.ok(err instanceof CsvError, String(err));
        assert.equal(err.line, line);
        assert.match(err.message, /^devices\.csv line \d+: /);
        assert.match(err.message, pattern);
        return true;
      });
    };

    it('a quoted field that is never closed (line where it opens)', function () {
      fails('a,b\n1,2\n3,"open\nstill open\n', /not closed/, 3);
    });

    it('a stray quote inside an unquoted field', function () {
      fails('a,b\n1,2\n3,4 "inch"\n', /quote inside an unquoted field/, 3);
    });

    it('text after a closing quote', function () {
      fails('a,b\n"x"y,2\n', /after a closing quote/, 2);
    });

    it('a row with more or fewer fields than the header', function () {
      fails('a,b,c\n1,2,3\n4,5\n', /2 fields where the header has 3/, 3);
      fails('a,b\n1,2,3\n', /3 fields where the header has 2/, 2);
    });

    it('a duplicate or empty column name', function () {
      fails('a,b,a\n1,2,3\n', /"a" appears twice/, 1);
      fails('a,,c\n1,2,3\n', /column 2 of the header has no name/, 1);
    });

    it('an empty file', function () {
      fails('\uFEFF\n\n', /empty/, 1);
    });
  });
});
