import assert from 'node:assert/strict';
import { QueryError } from '../../nodes/lib/timeseries/query';
import {
  localIso, localToUtc, resolveQueryTime, rowCount, seriesName, shapeResult, toChart, toRows, toTable,
} from '../../nodes/lib/timeseries/query-shape';
import type { QueryResult } from '../../nodes/lib/timeseries/types';

const iso = (t: number) => new Date(t).toISOString();
const at = (text: string) => Date.parse(text);
const resolve = (value: unknown, now: string, field = 'start') => iso(resolveQueryTime(value, at(now), 'Europe/Paris', field));

describe('timeseries-query shaping library', () => {
  describe('relative times in Europe/Paris', () => {
    it('passes ISO times and epoch ms through', () => {
      assert.equal(resolveQueryTime('2025-01-15T10:00:00Z', 0), at('2025-01-15T10:00:00Z'));
      assert.equal(resolveQueryTime(1736935200000, 0), 1736935200000);
      assert.equal(resolveQueryTime('1736935200000', 0), 1736935200000);
      assert.equal(resolveQueryTime('now', 1234), 1234);
    });

    it('applies exact durations for h, m, s', () => {
      assert.equal(resolve('-24h', '2025-03-30T10:00:00Z'), '2025-03-29T10:00:00.000Z');
      assert.equal(resolve('-30m', '2025-03-30T10:00:00Z'), '2025-03-30T09:30:00.000Z');
      assert.equal(resolve('now-15s', '2025-03-30T10:00:00Z'), '2025-03-30T09:59:45.000Z');
      assert.equal(resolve('+1h', '2025-03-30T10:00:00Z'), '2025-03-30T11:00:00.000Z');
    });

    it('steps days in local wall-clock time across the spring DST change (23 h)', () => {
      // 2025-03-30 12:00 CEST (10:00Z) → 2025-03-29 12:00 CET (11:00Z).
      assert.equal(resolve('-1d', '2025-03-30T10:00:00Z'), '2025-03-29T11:00:00.000Z');
      assert.equal(resolve('-7d', '2025-04-02T10:00:00Z'), '2025-03-26T11:00:00.000Z');
      assert.equal(resolve('today', '2025-03-30T10:00:00Z'), '2025-03-29T23:00:00.000Z');
      assert.equal(resolve('yesterday', '2025-03-31T10:00:00Z'), '2025-03-29T23:00:00.000Z');
      // The day of the change lasts 23 hours.
      assert.equal(resolveQueryTime('today', at('2025-03-31T10:00:00Z')) - resolveQueryTime('yesterday', at('2025-03-31T10:00:00Z')), 23 * 3600000);
    });

    it('steps days in local wall-clock time across the autumn DST change (25 h)', () => {
      assert.equal(resolve('-1d', '2025-10-26T11:00:00Z'), '2025-10-25T10:00:00.000Z');
      assert.equal(resolve('today', '2025-10-26T11:00:00Z'), '2025-10-25T22:00:00.000Z');
      assert.equal(resolve('today+1d', '2025-10-26T11:00:00Z'), '2025-10-26T23:00:00.000Z');
      assert.equal(resolveQueryTime('today+1d', at('2025-10-26T11:00:00Z')) - resolveQueryTime('today', at('2025-10-26T11:00:00Z')), 25 * 3600000);
    });

    it('resolves week, month and year anchors at local midnight', () => {
      const now = '2025-10-26T11:00:00Z'; // a Sunday
      assert.equal(resolve('this-week', now), '2025-10-19T22:00:00.000Z');
      assert.equal(resolve('this-month', now), '2025-09-30T22:00:00.000Z');
      assert.equal(resolve('last-month', now), '2025-08-31T22:00:00.000Z');
      assert.equal(resolve('this-year', now), '2024-12-31T23:00:00.000Z');
      assert.equal(resolve('this-month-1mo', now), '2025-08-31T22:00:00.000Z');
      assert.equal(resolve('today-1w', now), '2025-10-18T22:00:00.000Z');
    });

    it('clamps month steps to the end of shorter months', () => {
      assert.equal(resolve('-1mo', '2025-03-31T10:00:00Z'), '2025-02-28T11:00:00.000Z');
      assert.equal(resolve('-1y', '2024-02-29T11:00:00Z'), '2023-02-28T11:00:00.000Z');
    });

    it('maps skipped and repeated local times like the usual "compatible" rule', () => {
      // 02:30 does not exist on 2025-03-30: 03:30 CEST.
      assert.equal(iso(localToUtc(Date.UTC(2025, 2, 30, 2, 30), 'Europe/Paris')), '2025-03-30T01:30:00.000Z');
      // 02:30 happens twice on 2025-10-26: the first one (CEST).
      assert.equal(iso(localToUtc(Date.UTC(2025, 9, 26, 2, 30), 'Europe/Paris')), '2025-10-26T00:30:00.000Z');
    });

    it('honours another zone', () => {
      assert.equal(iso(resolveQueryTime('today', at('2025-01-15T10:00:00Z'), 'America/New_York')), '2025-01-15T05:00:00.000Z');
    });

    it('rejects bad times with the field name', () => {
      assert.throws(() => resolveQueryTime('last tuesday', 0, 'Europe/Paris', 'end'),
        (e: unknown) => e instanceof QueryError && e.field === 'end' && /end "last tuesday" is not a time/.test(e.message));
      assert.throws(() => resolveQueryTime('', 0, 'Europe/Paris', 'start'), /start is missing/);
      assert.throws(() => resolveQueryTime('-1.5mo', 0), /whole numbers/);
      assert.throws(() => resolveQueryTime('today', 0, 'Mars/Olympus'), (e: unknown) => e instanceof QueryError && e.field === 'timezone');
    });
  });

  describe('shaping', () => {
    const result: QueryResult = {
      series: [
        { tags: { site: 'mairie', channel: 'hp' }, points: [{ time: at('2025-01-15T01:00:00Z'), value: 2 }, { time: at('2025-01-15T00:00:00Z'), value: 1 }] },
        { tags: { site: 'piscine', channel: 'hp' }, points: [{ time: at('2025-01-15T00:00:00Z'), value: 10 }, { time: at('2025-01-15T02:00:00Z'), value: Number.NaN }] },
      ],
    };

    it('names series by their groupBy tag values, or the fallback', () => {
      assert.equal(seriesName({ site: 'mairie', channel: 'hp' }, ['site', 'channel'], 'x'), 'mairie / hp');
      assert.equal(seriesName({ site: 'mairie', channel: 'hp' }, ['channel', 'site'], 'x'), 'hp / mairie');
      assert.equal(seriesName({}, [], 'water_volume'), 'water_volume');
    });

    it('gives Dashboard 2.0 chart points {x, y, series} in time order, without non-numbers', () => {
      assert.deepEqual(toChart(result, { groupBy: ['site'] }), [
        { x: at('2025-01-15T00:00:00Z'), y: 1, series: 'mairie' },
        { x: at('2025-01-15T01:00:00Z'), y: 2, series: 'mairie' },
        { x: at('2025-01-15T00:00:00Z'), y: 10, series: 'piscine' },
      ]);
    });

    it('gives a wide table: one row per time, one column per series, local ISO times', () => {
      assert.deepEqual(toTable(result, { groupBy: ['site'] }), [
        { time: '2025-01-15T01:00:00.000+01:00', mairie: 1, piscine: 10 },
        { time: '2025-01-15T02:00:00.000+01:00', mairie: 2, piscine: null },
        { time: '2025-01-15T03:00:00.000+01:00', mairie: null, piscine: null },
      ]);
    });

    it('gives long rows with the tags, for open data', () => {
      const rows = toRows(result, { groupBy: ['site'] });
      assert.equal(rows.length, 4);
      assert.deepEqual(rows[0], { time: '2025-01-15T01:00:00.000+01:00', series: 'mairie', site: 'mairie', channel: 'hp', value: 1 });
    });

    it('writes local ISO times with the summer offset', () => {
      assert.equal(localIso(at('2025-07-01T10:00:00Z')), '2025-07-01T12:00:00.000+02:00');
    });

    it('dispatches on the output shape and counts rows', () => {
      assert.equal(rowCount(shapeResult(result, 'chart', { groupBy: ['site'] })), 3);
      assert.equal(rowCount(shapeResult(result, 'result')), 4);
      assert.throws(() => shapeResult(result, 'pie'), (e: unknown) => e instanceof QueryError && e.field === 'output');
    });
  });
});
