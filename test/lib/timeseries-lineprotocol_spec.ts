import assert from 'node:assert/strict';
import { LineEncoder, escapeKey, escapeMeasurement, pointProblem, pointToLine, pointsToBody } from '../../nodes/lib/timeseries/lineprotocol';
import type { Point } from '../../nodes/lib/timeseries/types';
import { PointInputError, canonicalSeries, explicitPoint, readingToPoints } from '../../nodes/lib/timeseries/points';
import type { Reading } from '../../nodes/lib/contracts';

describe('time series: line protocol', () => {
  it('escapes measurements, tag keys and values, field keys', () => {
    assert.equal(escapeMeasurement('a b,c=d'), 'a\\ b\\,c=d');
    assert.equal(escapeKey('a b,c=d'), 'a\\ b\\,c\\=d');
    assert.equal(escapeKey('plain'), 'plain');
    const line = pointToLine({ measurement: 'm 1', tags: { 'k,1': 'v=1 x', empty: '' }, fields: { 'f 1': 2 }, time: 1700000000123 });
    assert.equal(line, 'm\\ 1,k\\,1=v\\=1\\ x f\\ 1=2 1700000000123');
  });

  it('writes numbers as floats (no i suffix), tags sorted, ms or ns precision', () => {
    const point = { measurement: 'temperature', tags: { tenant: 't', devEui: 'abc' }, fields: { value: 20 }, time: 1000 };
    assert.equal(pointToLine(point), 'temperature,devEui=abc,tenant=t value=20 1000');
    assert.equal(pointToLine(point, 'ns'), 'temperature,devEui=abc,tenant=t value=20 1000000000');
    assert.equal(pointToLine({ ...point, fields: { value: 20.5, other: 1e21 } }), 'temperature,devEui=abc,tenant=t value=20.5,other=1e+21 1000');
    assert.equal(pointsToBody([point, point]).split('\n').length, 3);
  });

  it('refuses what line protocol cannot carry', () => {
    const ok = { measurement: 'm', tags: {}, fields: { value: 1 }, time: 1 };
    assert.equal(pointProblem(ok), undefined);
    assert.match(pointProblem({ ...ok, fields: {} })!, /at least one field/);
    assert.match(pointProblem({ ...ok, fields: { value: NaN } })!, /not a finite number/);
    assert.match(pointProblem({ ...ok, fields: { value: 'x' as unknown as number } })!, /must be a number/);
    assert.match(pointProblem({ ...ok, measurement: 'a\nb' })!, /line break/);
    assert.match(pointProblem({ ...ok, tags: { k: 'v\\' } })!, /backslash/);
    assert.match(pointProblem({ ...ok, time: NaN })!, /time/);
  });
});

describe('time series: LineEncoder (cached series)', () => {
  /** The encoder must say exactly what pointToLine() and pointProblem() say, cache or not. */
  function same(encoder: LineEncoder, point: Point): void {
    const problem = pointProblem(point);
    const line = encoder.encode(point);
    if (problem === undefined) {
      assert.equal(line, pointToLine(point));
    } else {
      assert.equal(line, undefined, `accepted ${JSON.stringify(point)}`);
      assert.equal(encoder.problem, problem);
    }
  }

  it('gives the same lines and refusals as pointToLine() and pointProblem()', () => {
    const encoder = new LineEncoder();
    const ok: Point = { measurement: 'm 1', tags: { 'k,1': 'v=1 x', empty: '', b: 'y' }, fields: { 'f 1': 2, g: 0.1 }, time: 1700000000123.4 };
    const cases: Point[] = [
      ok, ok, { ...ok, tags: { b: 'y', 'k,1': 'v=1 x' } }, { ...ok, tags: {} }, { ...ok, tags: undefined as unknown as Record<string, string> },
      { ...ok, fields: {} }, { ...ok, fields: { value: NaN } }, { ...ok, fields: { value: 'x' as unknown as number } },
      { ...ok, fields: { 'a\nb': 1 } }, { ...ok, time: NaN }, { ...ok, measurement: '' },
      { ...ok, tags: { k: 'v\\' } }, { ...ok, tags: { k: 3 as unknown as string } }, { ...ok, tags: null as unknown as Record<string, string> },
      { ...ok, tags: { 'bad\nkey': '' } }, { ...ok, tags: { k: undefined as unknown as string } },
      null as unknown as Point,
    ];
    for (let round = 0; round < 2; round++) for (const point of cases) same(encoder, point);
  });

  it('never lets a name with a line break borrow the cached series it spells', () => {
    const encoder = new LineEncoder();
    const good: Point = { measurement: 'a', tags: { b: 'c', d: 'e' }, fields: { value: 1 }, time: 1 };
    assert.equal(encoder.encode(good), 'a,b=c,d=e value=1 1');
    // Same key text once joined by newlines, but fewer tags: refused, not written as series a,b=c,d=e.
    for (const tricky of <Point[]>[
      { ...good, measurement: 'a\nb\nc', tags: { d: 'e' } },
      { ...good, tags: { b: 'c\nd\ne' } },
      { ...good, measurement: 'a\nb\nc\nd\ne', tags: {} },
    ]) {
      assert.equal(encoder.encode(tricky), undefined);
      assert.match(encoder.problem, /line break/);
    }
  });

  it('stays within its bound', () => {
    const encoder = new LineEncoder('ms', 100);
    for (let i = 0; i < 1000; i++) {
      const point = { measurement: 'm', tags: { devEui: `d${i}` }, fields: { value: i }, time: i };
      assert.equal(encoder.encode(point), `m,devEui=d${i} value=${i} ${i}`);
      assert.equal(encoder.encode(point), `m,devEui=d${i} value=${i} ${i}`);
    }
    assert.ok(encoder.cachedSeries <= 100);
  });
});

describe('time series: readings to points', () => {
  const reading: Reading = {
    devEui: '70b3d5e75e000001', tenant: 'grand-poitiers', time: '2024-03-01T10:00:00.123Z', model: 'watteco-ticso',
    measurements: [
      { quantity: 'active_energy', value: 1234, unit: 'Wh', kind: 'index', channel: 'base' },
      { quantity: 'active_energy', value: 12, unit: 'Wh', kind: 'delta', channel: 'base' },
      { quantity: 'active_power', value: 1500, unit: 'W', kind: 'instant' },
      { quantity: 'temperature', value: 19.5, unit: 'Cel', kind: 'instant', time: '2024-03-01T09:50:00Z' },
    ],
  };

  it('maps quantity, kind, channel, enrichment tags and times per DESIGN §4', () => {
    const points = readingToPoints(reading, { site: 'B12', building: 'Mairie', devEui: 'ignored', n: 3, obj: {} });
    assert.equal(points.length, 3);
    assert.deepEqual(points[0], {
      measurement: 'active_energy',
      tags: { site: 'B12', building: 'Mairie', n: '3', tenant: 'grand-poitiers', devEui: '70b3d5e75e000001', model: 'watteco-ticso', channel: 'base' },
      fields: { index: 1234, delta: 12 },
      time: Date.parse('2024-03-01T10:00:00.123Z'),
    });
    assert.deepEqual(points[1].fields, { value: 1500 });
    assert.equal(points[1].tags.channel, undefined);
    assert.equal(points[2].time, Date.parse('2024-03-01T09:50:00Z'));
  });

  it('names the field and the device of bad input', () => {
    assert.throws(() => readingToPoints({ ...reading, measurements: [{ quantity: 'x', value: NaN, unit: '', kind: 'instant' }] }),
      (err: PointInputError) => err.field === 'measurements[0].value' && err.device === reading.devEui);
    assert.throws(() => readingToPoints({ ...reading, time: 'yesterday' }), (err: PointInputError) => err.field === 'time');
    assert.throws(() => readingToPoints({ ...reading, measurements: [{ quantity: 'x', value: 1, unit: '', kind: 'cumul' as 'index' }] }),
      /kind must be/);
  });

  it('accepts explicit points and gives canonical series', () => {
    assert.deepEqual(explicitPoint({ measurement: 'm', tags: { b: '2', a: 1, c: '' }, fields: { value: 1 }, time: '1970-01-01T00:00:01Z' }),
      { measurement: 'm', tags: { b: '2', a: '1' }, fields: { value: 1 }, time: 1000 });
    assert.equal(canonicalSeries({ b: '2', a: '1', c: '' }), '{"a":"1","b":"2"}');
  });
});
