/**
 * The city's data charter (data/charte-donnees.json): loading, validation and the publication check.
 *
 * The file is written for non-developers: French keys, one object per rule with its value(s) and an
 * `explication` beside them. `parseCharter` turns it into a typed Charter and refuses a malformed
 * file with an error naming the stream and the field. `checkPublication` lists the rules a dataset
 * would break (an empty list means it may be published). Rule names are stable (they appear in
 * logs, tests and the publication journal):
 *
 * - `flux-inconnu`: the dataset's stream is not in the charter;
 * - `licence-manquante`: neither the stream nor the charter's defaults give a licence;
 * - `acces-non-public`: the stream's access level is `restreint` or `interne`;
 * - `donnees-personnelles`: personal data (a personal stream whose publication is `interdite`, a
 *   personal stream published per building, CO2/occupancy quantities or residential usages in a
 *   stream not declared personal);
 * - `granularite-invalide`, `granularite-trop-fine`: time step unreadable or finer than the minimum;
 * - `contributions-manquantes`: an aggregate rule applies but the rows carry no contributions;
 * - `trop-peu-de-sites`: an aggregate of fewer units than the stream's minimum (≥ 10 residential);
 * - `secret-statistique-3`: fewer than 3 contributing units (INSEE statistical secrecy);
 * - `secret-statistique-85`: one unit over 85 % of an aggregate's total.
 *
 * Pure: no Node-RED import (the file read is in `loadCharterFile`).
 */
import fs from 'node:fs';
import type { CharterViolation, DatasetDescription, DatasetRows } from './types';

export type PublicationPolicy = 'autorisee' | 'agregee' | 'interdite';
export type AccessLevel = 'public' | 'restreint' | 'interne';

export interface CharterLicence {
  licence: string;
  url?: string;
}

export interface CharterStream {
  id: string;
  nom: string;
  explication: string;
  /** Fluids (devices.csv `fluid`) whose sensors belong to this stream. */
  fluides: string[];
  /** Building usages (normalised: lower case, no accents) that select this stream; empty: any. */
  usages: string[];
  finalite: string;
  proprietaire: { nom: string; contact?: string };
  baseLegale: string;
  licence?: CharterLicence;
  personnelles: boolean;
  publication: PublicationPolicy;
  granulariteMinimale: string;
  granulariteSecondes: number;
  sitesMinimum: number;
  secretStatistique?: { unitesMinimum: number; partMaximale: number };
  conservation: string;
  acces: AccessLevel;
  hebergement?: string;
  jeuxDeDonnees: Array<{ id: string; titre: string }>;
}

export interface Charter {
  titre: string;
  version: string;
  /** Adoption date (YYYY-MM-DD). */
  date: string;
  organisations: Record<string, string>;
  licence?: CharterLicence;
  hebergement?: string;
  acces: AccessLevel;
  flux: CharterStream[];
  /** Where it was read from, for messages. */
  source: string;
}

/** A malformed charter: the message names the file, the stream and the field. */
export class CharterError extends Error {
  constructor(message: string, readonly stream?: string, readonly field?: string) {
    super(message);
    this.name = 'CharterError';
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800, mo: 2592000, y: 31536000 };

/** `15m`, `1h`, `1d`, `1w`, `1mo`, `1y` in seconds; undefined when unreadable. */
export function granularitySeconds(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|min|mo|m|h|d|w|y)\s*$/i.exec(String(text ?? ''));
  if (!match) return undefined;
  const n = Number(match[1]);
  const seconds = n * UNIT_SECONDS[match[2].toLowerCase()];
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** Lower case, accents removed: `Résidentiel` → `residentiel`. */
export function normalise(text: string): string {
  return String(text ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();
}

/** Quantities that reveal presence (DESIGN §4 names and usual synonyms). */
export const OCCUPANCY_QUANTITIES = new Set(['co2', 'occupancy', 'occupation', 'presence', 'people_count', 'motion']);
/** Usages that make data residential (normalised). */
export const RESIDENTIAL_USAGES = new Set(['residential', 'residentiel', 'logement', 'logements', 'habitation', 'habitat']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Reader {
  constructor(readonly source: string) {}

  fail(stream: string | undefined, field: string, problem: string): never {
    const where = stream ? `flux « ${stream} », champ « ${field} »` : `champ « ${field} »`;
    throw new CharterError(`charte ${this.source} : ${where} : ${problem}`, stream, field);
  }

  object(parent: Json, key: string, stream: string | undefined, path: string, optional = false): Json | undefined {
    const value = parent[key];
    if (value === undefined && optional) return undefined;
    if (!isObject(value)) this.fail(stream, path, value === undefined ? 'absent' : 'doit être un objet { …, "explication": "…" }');
    return value;
  }

  text(parent: Json, key: string, stream: string | undefined, path: string, optional = false): string | undefined {
    const value = parent[key];
    if ((value === undefined || value === '') && optional) return undefined;
    if (typeof value !== 'string' || value.trim() === '') this.fail(stream, path, value === undefined ? 'absent' : 'doit être un texte non vide');
    return value.trim();
  }

  /** A rule object: `{ <field>: value, "explication": "…" }`, explanation required. */
  rule(parent: Json, key: string, stream: string | undefined, optional = false): Json | undefined {
    const rule = this.object(parent, key, stream, key, optional);
    if (rule) this.text(rule, 'explication', stream, `${key}.explication`);
    return rule;
  }

  number(parent: Json, key: string, stream: string | undefined, path: string, min: number, max: number): number {
    const value = parent[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(stream, path, `doit être un nombre entre ${min} et ${max}${value === undefined ? ' (absent)' : ` (lu : ${JSON.stringify(value)})`}`);
    }
    return value;
  }

  list(parent: Json, key: string, stream: string | undefined, path: string): string[] {
    const value = parent[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) this.fail(stream, path, 'doit être une liste de textes');
    return (value as string[]).map((v) => v.trim());
  }

  licence(parent: Json, stream: string | undefined): CharterLicence | undefined {
    const rule = this.rule(parent, 'licence', stream, true);
    if (!rule) return undefined;
    const licence = this.text(rule, 'licence', stream, 'licence.licence', true);
    if (!licence) return undefined;
    return { licence, url: this.text(rule, 'url', stream, 'licence.url', true) };
  }

  access(parent: Json, stream: string | undefined, fallback: AccessLevel | undefined): AccessLevel {
    const rule = this.rule(parent, 'acces', stream, fallback !== undefined);
    if (!rule) return fallback as AccessLevel;
    const level = this.text(rule, 'niveau', stream, 'acces.niveau');
    if (level !== 'public' && level !== 'restreint' && level !== 'interne') this.fail(stream, 'acces.niveau', `« ${level} » inconnu (public, restreint ou interne)`);
    return level;
  }
}

function parseStream(r: Reader, raw: unknown, index: number, defaults: AccessLevel): CharterStream {
  if (!isObject(raw)) r.fail(`n° ${index + 1}`, 'flux', 'doit être un objet');
  const id = r.text(raw, 'id', `n° ${index + 1}`, 'id') as string;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) r.fail(id, 'id', 'doit être en minuscules, chiffres et tirets (ex. energie-batiments-publics)');
  const nom = r.text(raw, 'nom', id, 'nom') as string;
  const explication = r.text(raw, 'explication', id, 'explication') as string;

  const match = r.rule(raw, 'correspondance', id, true);
  const fluides = match ? r.list(match, 'fluides', id, 'correspondance.fluides') : [];
  const usages = match ? r.list(match, 'usages', id, 'correspondance.usages').map(normalise) : [];

  const finalite = r.text(r.rule(raw, 'finalite', id) as Json, 'finalite', id, 'finalite.finalite') as string;
  const owner = r.rule(raw, 'proprietaire', id) as Json;
  const proprietaire = { nom: r.text(owner, 'nom', id, 'proprietaire.nom') as string, contact: r.text(owner, 'contact', id, 'proprietaire.contact', true) };
  const baseLegale = r.text(r.rule(raw, 'baseLegale', id) as Json, 'texte', id, 'baseLegale.texte') as string;
  const licence = r.licence(raw, id);

  const personal = r.rule(raw, 'donneesPersonnelles', id) as Json;
  if (typeof personal.personnelles !== 'boolean') r.fail(id, 'donneesPersonnelles.personnelles', 'doit valoir true ou false');
  const personnelles = personal.personnelles as boolean;
  const policy = personal.publication ?? (personnelles ? 'interdite' : 'autorisee');
  if (policy !== 'autorisee' && policy !== 'agregee' && policy !== 'interdite') {
    r.fail(id, 'donneesPersonnelles.publication', `« ${String(policy)} » inconnu (autorisee, agregee ou interdite)`);
  }

  const granularity = r.rule(raw, 'granularite', id) as Json;
  const granulariteMinimale = r.text(granularity, 'granulariteMinimale', id, 'granularite.granulariteMinimale') as string;
  const granulariteSecondes = granularitySeconds(granulariteMinimale);
  if (granulariteSecondes === undefined) r.fail(id, 'granularite.granulariteMinimale', `« ${granulariteMinimale} » illisible (ex. 15m, 1h, 1d, 1w, 1mo, 1y)`);

  const aggregation = r.rule(raw, 'agregation', id, true);
  const sitesMinimum = aggregation ? r.number(aggregation, 'sitesMinimum', id, 'agregation.sitesMinimum', 1, 1000000) : 1;
  const secrecy = r.rule(raw, 'secretStatistique', id, true);
  const secretStatistique = secrecy
    ? {
        unitesMinimum: r.number(secrecy, 'unitesMinimum', id, 'secretStatistique.unitesMinimum', 1, 1000000),
        partMaximale: r.number(secrecy, 'partMaximale', id, 'secretStatistique.partMaximale', 1, 100),
      }
    : undefined;

  const conservation = r.text(r.rule(raw, 'conservation', id) as Json, 'duree', id, 'conservation.duree') as string;
  const acces = r.access(raw, id, defaults);
  const hosting = r.rule(raw, 'hebergement', id, true);
  const hebergement = hosting ? r.text(hosting, 'lieu', id, 'hebergement.lieu') : undefined;

  const datasetsRaw = raw.jeuxDeDonnees ?? [];
  if (!Array.isArray(datasetsRaw)) r.fail(id, 'jeuxDeDonnees', 'doit être une liste de { "id", "titre" }');
  const jeuxDeDonnees = datasetsRaw.map((d, i) => {
    if (!isObject(d)) r.fail(id, `jeuxDeDonnees[${i}]`, 'doit être un objet { "id", "titre" }');
    return { id: r.text(d, 'id', id, `jeuxDeDonnees[${i}].id`) as string, titre: r.text(d, 'titre', id, `jeuxDeDonnees[${i}].titre`) as string };
  });

  return {
    id, nom, explication, fluides, usages, finalite, proprietaire, baseLegale, licence, personnelles,
    publication: policy as PublicationPolicy, granulariteMinimale, granulariteSecondes: granulariteSecondes as number,
    sitesMinimum, secretStatistique, conservation, acces, hebergement, jeuxDeDonnees,
  };
}

/** Validates the parsed JSON of a charter file; throws CharterError naming the stream and field. */
export function parseCharter(json: unknown, source = 'charte-donnees.json'): Charter {
  const r: Reader = new Reader(source);
  if (!isObject(json)) r.fail(undefined, '(racine)', 'le fichier doit contenir un objet JSON');
  const titre = r.text(json, 'titre', undefined, 'titre') as string;
  const version = r.text(json, 'version', undefined, 'version', true) ?? '';
  const date = r.text(json, 'date', undefined, 'date') as string;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) r.fail(undefined, 'date', `« ${date} » n'est pas une date AAAA-MM-JJ`);
  const orgs = json.organisations ?? {};
  if (!isObject(orgs) || Object.values(orgs).some((v) => typeof v !== 'string')) r.fail(undefined, 'organisations', 'doit associer un identifiant de tenant à un nom');
  const defaults = isObject(json.parDefaut) ? json.parDefaut : {};
  const licence = r.licence(defaults, undefined);
  const hosting = r.rule(defaults, 'hebergement', undefined, true);
  const hebergement = hosting ? r.text(hosting, 'lieu', undefined, 'parDefaut.hebergement.lieu') : undefined;
  const acces = r.access(defaults, undefined, 'public');
  if (!Array.isArray(json.flux) || json.flux.length === 0) r.fail(undefined, 'flux', 'doit être une liste non vide de flux de données');
  const flux = json.flux.map((raw, i) => parseStream(r, raw, i, acces));
  const seen = new Set<string>();
  for (const stream of flux) {
    if (seen.has(stream.id)) r.fail(stream.id, 'id', 'deux flux portent le même identifiant');
    seen.add(stream.id);
  }
  return { titre, version, date, organisations: orgs as Record<string, string>, licence, hebergement, acces, flux, source };
}

/** Reads and validates a charter file; errors name the file (JSON syntax) or the stream and field. */
export function loadCharterFile(file: string): Charter {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CharterError(`charte ${file} : fichier illisible (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CharterError(`charte ${file} : JSON invalide (${(err as Error).message})`);
  }
  return parseCharter(json, file);
}

export function findStream(charter: Charter, id: string): CharterStream | undefined {
  return charter.flux.find((s) => s.id === id);
}

/** The licence that applies to a stream: its own, else the charter's default. */
export function streamLicence(charter: Charter, stream: CharterStream): CharterLicence | undefined {
  return stream.licence ?? charter.licence;
}

/**
 * The stream of a sensor, from its fluid and its building's usage: a stream listing that usage
 * first, then a stream without usages. Undefined when none matches (the sensor is then internal).
 */
export function streamForSensor(charter: Charter, fluid: string, usage?: string): CharterStream | undefined {
  const f = normalise(fluid);
  const u = usage ? normalise(usage) : '';
  const byFluid = charter.flux.filter((s) => s.fluides.map(normalise).includes(f));
  return byFluid.find((s) => s.usages.length > 0 && u !== '' && s.usages.includes(u)) ?? byFluid.find((s) => s.usages.length === 0);
}

/** Whether the data of a dataset is personal by default, whatever its stream says. */
export function personalByDefault(dataset: DatasetDescription): { occupancy: string[]; residential: string[] } {
  return {
    occupancy: (dataset.quantities ?? []).filter((q) => OCCUPANCY_QUANTITIES.has(normalise(q))),
    residential: (dataset.usages ?? []).filter((u) => RESIDENTIAL_USAGES.has(normalise(u))),
  };
}

/** Rows breaking a per-row predicate, summarised as "n ligne(s), dont la ligne k (detail)". */
function summarise(offending: Array<{ row: number; detail: string }>): string {
  const first = offending[0];
  return `${offending.length} ligne${offending.length > 1 ? 's' : ''}, dont la ligne ${first.row + 1} (${first.detail})`;
}

const pct = (share: number) => `${(Math.round(share * 1000) / 10).toString().replace('.', ',')} %`;

/** The rules of the charter a publication breaks; empty when it may be published. */
type Finding = { row: number; detail: string };

/** Per row, which aggregate rules it breaks: too few sites, too few units, one dominant unit. */
function aggregateFindings(stream: CharterStream, secrecy: CharterStream['secretStatistique'], contributions: NonNullable<DatasetRows['contributions']>, rowCount: number): { tooFewSites: Finding[]; tooFewUnits: Finding[]; dominant: Finding[] } {
  const tooFewSites: Finding[] = [];
  const tooFewUnits: Finding[] = [];
  const dominant: Finding[] = [];
  for (let i = 0; i < rowCount; i++) {
    const units = Object.entries(contributions[i]).filter(([, v]) => typeof v === 'number' && Number.isFinite(v));
    const count = units.length;
    if (count < stream.sitesMinimum) tooFewSites.push({ row: i, detail: `${count} site${count > 1 ? 's' : ''}` });
    if (!secrecy) continue;
    if (count < secrecy.unitesMinimum) tooFewUnits.push({ row: i, detail: `${count} unité${count > 1 ? 's' : ''}` });
    const total = units.reduce((sum, [, v]) => sum + Math.abs(v), 0);
    if (total <= 0 || count === 0) continue;
    const [unit, value] = units.reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) ? b : a));
    const share = Math.abs(value) / total;
    if (share * 100 > secrecy.partMaximale) dominant.push({ row: i, detail: `${unit} pèse ${pct(share)} du total` });
  }
  return { tooFewSites, tooFewUnits, dominant };
}

/**
 * Secondary step of statistical secrecy, as statistics offices publish: the totals that would break the
 * stream's aggregate rules (too few sites or units, one dominant unit) are left out, the others kept.
 * The charter check still runs on what remains. Building-level rows are never suppressed here.
 */
export function suppressSecretRows(charter: Charter, dataset: DatasetDescription, rows: DatasetRows): { rows: DatasetRows; suppressed: number } {
  const stream = findStream(charter, dataset.stream);
  if (!stream || dataset.spatialLevel === 'building' || !rows.contributions) return { rows, suppressed: 0 };
  const secrecy = stream.secretStatistique;
  const contributions = rows.contributions;
  if (rows.rows.some((_r, i) => !isObject(contributions[i]))) return { rows, suppressed: 0 };
  const findings = aggregateFindings(stream, secrecy, contributions, rows.rows.length);
  const hidden = new Set([...findings.tooFewSites, ...findings.tooFewUnits, ...findings.dominant].map((f) => f.row));
  if (hidden.size === 0) return { rows, suppressed: 0 };
  const keep = rows.rows.map((_r, i) => i).filter((i) => !hidden.has(i));
  return { rows: { ...rows, rows: keep.map((i) => rows.rows[i]), contributions: keep.map((i) => contributions[i]) }, suppressed: hidden.size };
}

export function checkPublication(charter: Charter, dataset: DatasetDescription, rows: DatasetRows): CharterViolation[] {
  const out: CharterViolation[] = [];
  const name = `« ${dataset.id} »`;
  const add = (rule: string, message: string) => out.push({ rule, dataset: dataset.id, message: `jeu de données ${name} refusé par la règle ${rule} : ${message}` });

  const stream = findStream(charter, dataset.stream);
  if (!stream) {
    add('flux-inconnu', `le flux « ${dataset.stream} » n'existe pas dans la charte (flux connus : ${charter.flux.map((s) => s.id).join(', ')}).`);
    return out;
  }

  if (!streamLicence(charter, stream)) add('licence-manquante', `ni le flux « ${stream.id} » ni les valeurs par défaut de la charte ne donnent de licence.`);
  if (stream.acces !== 'public') add('acces-non-public', `le flux « ${stream.id} » est d'accès « ${stream.acces} » : il ne peut pas être publié en open data.`);

  const individual = dataset.spatialLevel === 'building';
  const { occupancy, residential } = personalByDefault(dataset);
  if (stream.personnelles && stream.publication === 'interdite') {
    add('donnees-personnelles', `le flux « ${stream.id} » contient des données personnelles dont la charte interdit la publication.`);
  } else if (stream.personnelles && stream.publication === 'agregee' && individual) {
    add('donnees-personnelles', `le flux « ${stream.id} » contient des données personnelles : seuls des totaux par commune ou pour le territoire peuvent être publiés, pas des valeurs par bâtiment.`);
  } else if (!stream.personnelles && (occupancy.length > 0 || residential.length > 0)) {
    const why = occupancy.length > 0
      ? `les grandeurs ${occupancy.join(', ')} révèlent la présence de personnes`
      : `les usages ${residential.join(', ')} sont résidentiels`;
    add('donnees-personnelles', `${why} : ce sont des données personnelles par défaut, que le flux « ${stream.id} » ne prévoit pas (utilisez le flux des données de confort ou des logements).`);
  }

  const seconds = granularitySeconds(dataset.granularity);
  if (seconds === undefined) add('granularite-invalide', `le pas de temps « ${dataset.granularity} » est illisible (ex. 1h, 1d).`);
  else if (seconds < stream.granulariteSecondes) add('granularite-trop-fine', `le pas de temps ${dataset.granularity} est plus fin que le minimum du flux « ${stream.id} » (${stream.granulariteMinimale}).`);

  // Aggregate rules: the minimum number of sites applies to every aggregate, statistical secrecy to
  // totals over several units (commune, territory) — a public building published alone is allowed.
  const secrecy = individual ? undefined : stream.secretStatistique;
  const needsContributions = stream.sitesMinimum > 1 || secrecy !== undefined;
  if (!needsContributions || rows.rows.length === 0) return out;
  const contributions = rows.contributions;
  if (!contributions || rows.rows.some((_r, i) => !isObject(contributions[i]))) {
    add('contributions-manquantes', `les règles d'agrégation du flux « ${stream.id} » ne peuvent pas être vérifiées : il manque la contribution de chaque site à chaque ligne.`);
    return out;
  }
  const { tooFewSites, tooFewUnits, dominant } = aggregateFindings(stream, secrecy, contributions, rows.rows.length);
  if (tooFewSites.length > 0) add('trop-peu-de-sites', `chaque total doit regrouper au moins ${stream.sitesMinimum} sites pour le flux « ${stream.id} » : ${summarise(tooFewSites)}.`);
  if (secrecy && tooFewUnits.length > 0) add('secret-statistique-3', `secret statistique : chaque total doit regrouper au moins ${secrecy.unitesMinimum} unités : ${summarise(tooFewUnits)}.`);
  if (secrecy && dominant.length > 0) add('secret-statistique-85', `secret statistique : aucune unité ne doit dépasser ${secrecy.partMaximale} % d'un total : ${summarise(dominant)}.`);
  return out;
}
