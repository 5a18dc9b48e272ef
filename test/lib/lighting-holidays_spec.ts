/** French public holidays: Easter by the anonymous Gregorian computus and the derived holidays. */
import assert from 'node:assert/strict';
import { easter, frenchHolidays, isFrenchHoliday } from '../../nodes/lib/lighting/holidays';

describe('lighting holidays', function () {
  it('computes Easter Sunday', function () {
    assert.deepEqual(easter(2024), [3, 31]);
    assert.deepEqual(easter(2025), [4, 20]);
    assert.deepEqual(easter(2026), [4, 5]);
    assert.deepEqual(easter(2027), [3, 28]);
    assert.deepEqual(easter(2038), [4, 25]); // latest possible date
    assert.deepEqual(easter(2285), [3, 22]); // earliest possible date
  });

  it('derives Easter Monday, Ascension and Whit Monday', function () {
    const pick = (year: number) => frenchHolidays(year).filter((h) => /Pâques|Ascension|Pentecôte/.test(h.name)).map((h) => h.date);
    assert.deepEqual(pick(2024), ['2024-04-01', '2024-05-09', '2024-05-20']);
    assert.deepEqual(pick(2025), ['2025-04-21', '2025-05-29', '2025-06-09']);
    assert.deepEqual(pick(2026), ['2026-04-06', '2026-05-14', '2026-05-25']);
    assert.deepEqual(pick(2027), ['2027-03-29', '2027-05-06', '2027-05-17']);
  });

  it('lists the 11 holidays of 2026 in date order', function () {
    assert.deepEqual(frenchHolidays(2026).map((h) => h.date), [
      '2026-01-01', '2026-04-06', '2026-05-01', '2026-05-08', '2026-05-14', '2026-05-25',
      '2026-07-14', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25',
    ]);
    assert.equal(isFrenchHoliday('2026-07-14'), true);
    assert.equal(isFrenchHoliday('2026-04-05'), false); // Easter Sunday is a Sunday, not a listed holiday
  });
});
