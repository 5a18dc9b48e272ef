/**
 * French public holidays (jours fériés, Code du travail art. L3133-1): 1 January, Easter Monday,
 * 1 May, 8 May, Ascension (Easter + 39), Whit Monday (Easter + 50), 14 July, 15 August, 1 November,
 * 11 November, 25 December. (Alsace-Moselle's Good Friday and 26 December are not included:
 * Grand Poitiers is not concerned.) Easter by the anonymous Gregorian computus (Meeus/Jones/Butcher).
 * Dates are "YYYY-MM-DD" calendar dates (no time zone). Pure.
 */

/** Easter Sunday of a Gregorian year, as [month, day]. */
export function easter(year: number): [number, number] {
  if (!Number.isInteger(year) || year < 1583) throw new RangeError(`year ${year} is not a Gregorian year`);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

function iso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function plusDays(year: number, month: number, day: number, n: number): string {
  const d = new Date(Date.UTC(year, month - 1, day + n));
  return iso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export interface Holiday {
  date: string;
  /** French name, as shown to city staff. */
  name: string;
}

const cache = new Map<number, Holiday[]>();

/** The 11 French public holidays of a year, in date order. */
export function frenchHolidays(year: number): Holiday[] {
  const known = cache.get(year);
  if (known) return known;
  const [em, ed] = easter(year);
  const list: Holiday[] = [
    { date: iso(year, 1, 1), name: "Jour de l'an" },
    { date: plusDays(year, em, ed, 1), name: 'Lundi de Pâques' },
    { date: iso(year, 5, 1), name: 'Fête du Travail' },
    { date: iso(year, 5, 8), name: 'Victoire 1945' },
    { date: plusDays(year, em, ed, 39), name: 'Ascension' },
    { date: plusDays(year, em, ed, 50), name: 'Lundi de Pentecôte' },
    { date: iso(year, 7, 14), name: 'Fête nationale' },
    { date: iso(year, 8, 15), name: 'Assomption' },
    { date: iso(year, 11, 1), name: 'Toussaint' },
    { date: iso(year, 11, 11), name: 'Armistice 1918' },
    { date: iso(year, 12, 25), name: 'Noël' },
  ].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  cache.set(year, list);
  return list;
}

/** Is this "YYYY-MM-DD" date a French public holiday? */
export function isFrenchHoliday(date: string): boolean {
  const year = Number(date.slice(0, 4));
  return frenchHolidays(year).some((h) => h.date === date);
}
