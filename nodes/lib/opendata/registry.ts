/**
 * The public sensor register, in the manner of Amsterdam's sensorenregister: for each sensor of the
 * fleet, what it measures, where, who owns it, why, whether it processes personal data, where its
 * data goes, since when and for how long it is kept. Built from the reference tables (devices,
 * meters, buildings: rows as read from data/*.csv) and the data charter; rendered as JSON and as an
 * accessible French HTML page without external assets. Pure: no Node-RED and no file-system import.
 */
import { createHash } from 'node:crypto';
import { Charter, CharterStream, normalise, OCCUPANCY_QUANTITIES, streamForSensor } from './charter';

type Row = Record<string, unknown>;

/** French labels of the DESIGN §4 quantities. */
export const QUANTITY_LABELS: Record<string, string> = {
  water_volume: "volume d'eau",
  gas_volume: 'volume de gaz',
  active_energy: 'énergie électrique active',
  reactive_energy: 'énergie réactive',
  pulse_count: 'impulsions de comptage',
  active_power: 'puissance active',
  apparent_power: 'puissance apparente',
  voltage: 'tension',
  current: 'intensité',
  power_factor: 'facteur de puissance',
  frequency: 'fréquence',
  temperature: 'température',
  humidity: 'humidité',
  co2: 'CO2 (révèle la présence)',
  illuminance: 'luminosité',
  light_level: "niveau d'éclairage",
  relay_state: 'état du relais (allumé/éteint)',
  lamp_on_time: "durée d'allumage",
};

export const FLUID_LABELS: Record<string, string> = {
  electricity: 'électricité',
  gas: 'gaz',
  water: 'eau',
  lighting: 'éclairage public',
  comfort: 'confort intérieur',
};

export interface RegistryDataset {
  id: string;
  titre: string;
  /** Charter stream of the dataset. */
  flux: string;
  url?: string;
}

export interface RegistryInput {
  devices: Row[];
  meters?: Row[];
  buildings?: Row[];
  charter: Charter;
  /** Quantities a model reports (codec catalog); unknown models give []. */
  quantitiesOf: (model: string) => string[];
  /** Datasets published besides those the charter lists for each stream. */
  datasets?: RegistryDataset[];
  /** Decimals kept for the coordinates of personal-data sensors (2 ≈ 1 km). */
  personalDecimals?: number;
}

export interface RegistryEntry {
  devEui: string;
  nom: string;
  modele: string;
  equipement?: string;
  fluide: string;
  mesure: Array<{ grandeur: string; libelle: string }>;
  lieu: {
    site: string;
    nom: string;
    commune: string;
    usage?: string;
    latitude?: number;
    longitude?: number;
    /** `exacte`, or `arrondie à ~1 km` for personal-data sensors. */
    precision: string;
  };
  proprietaire: { tenant: string; nom: string };
  flux?: { id: string; nom: string };
  finalite: string;
  baseLegale?: string;
  responsable?: { nom: string; contact?: string };
  donneesPersonnelles: boolean;
  destinations: Array<{ id: string; titre: string; url?: string }>;
  /** `usage interne` when no dataset publishes its data. */
  destination: string;
  depuis: string;
  conservation: string;
}

export interface Registry {
  titre: string;
  charte: { titre: string; version: string; date: string };
  genereLe: string;
  nombreDeCapteurs: number;
  capteurs: RegistryEntry[];
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());

function coordinate(value: unknown, decimals?: number): number | undefined {
  const n = typeof value === 'number' ? value : Number(str(value).replace(',', '.'));
  if (str(value) === '' || !Number.isFinite(n)) return undefined;
  if (decimals === undefined) return n;
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}

/** Builds the register; sensors are in devices order. */
export function buildRegistry(input: RegistryInput, now = new Date()): Registry {
  const { charter } = input;
  const decimals = input.personalDecimals ?? 2;
  const meters = new Map((input.meters ?? []).map((m) => [str(m.devEui).toLowerCase(), m]));
  const buildings = new Map((input.buildings ?? []).map((b) => [str(b.site), b]));
  const extra = input.datasets ?? [];

  const capteurs = input.devices.map((device): RegistryEntry => {
    const devEui = str(device.devEui).toLowerCase();
    const meter = meters.get(devEui);
    const site = str(device.site || meter?.site);
    const building = buildings.get(site);
    const fluid = str(device.fluid || meter?.fluid);
    const usage = str(building?.usage) || undefined;
    const model = str(device.model);
    const quantities = input.quantitiesOf(model);
    const stream: CharterStream | undefined = streamForSensor(charter, fluid, usage);
    const personal = stream?.personnelles === true || quantities.some((q) => OCCUPANCY_QUANTITIES.has(normalise(q)));
    const round = personal ? decimals : undefined;
    const datasets = stream
      ? [...stream.jeuxDeDonnees.map((d) => ({ id: d.id, titre: d.titre })), ...extra.filter((d) => d.flux === stream.id).map((d) => ({ id: d.id, titre: d.titre, url: d.url }))]
      : [];
    const unique = datasets.filter((d, i) => datasets.findIndex((o) => o.id === d.id) === i);
    const tenant = str(device.tenant || meter?.tenant || building?.tenant);
    return {
      devEui,
      nom: str(device.deviceName) || devEui,
      modele: model,
      equipement: str(meter?.meterId) || undefined,
      fluide: FLUID_LABELS[fluid] ?? fluid,
      mesure: quantities.map((q) => ({ grandeur: q, libelle: QUANTITY_LABELS[q] ?? q })),
      lieu: {
        site,
        nom: str(building?.name) || str(device.siteName) || site,
        commune: str(device.commune || building?.commune || meter?.commune),
        usage,
        latitude: coordinate(str(device.latitude) !== '' ? device.latitude : building?.latitude, round),
        longitude: coordinate(str(device.longitude) !== '' ? device.longitude : building?.longitude, round),
        precision: personal ? `arrondie à ${decimals} décimales (environ ${decimals <= 2 ? '1 km' : '100 m'}) : capteur de données personnelles` : 'exacte',
      },
      proprietaire: { tenant, nom: charter.organisations[tenant] ?? tenant },
      flux: stream ? { id: stream.id, nom: stream.nom } : undefined,
      finalite: stream?.finalite ?? 'non déclarée dans la charte : données à usage interne uniquement',
      baseLegale: stream?.baseLegale,
      responsable: stream ? { ...stream.proprietaire } : undefined,
      donneesPersonnelles: personal,
      destinations: unique,
      destination: unique.length > 0 ? unique.map((d) => d.titre).join(' ; ') : 'usage interne',
      depuis: str(device.since || meter?.since || device.depuis || meter?.depuis) || charter.date,
      conservation: stream?.conservation ?? 'non précisée',
    };
  });
  return {
    titre: 'Registre des capteurs de Grand Poitiers',
    charte: { titre: charter.titre, version: charter.version, date: charter.date },
    genereLe: now.toISOString(),
    nombreDeCapteurs: capteurs.length,
    capteurs,
  };
}

/** A strong ETag of a body. */
export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));

function frNumber(n: number | undefined): string {
  return n === undefined ? '' : String(n).replace('.', ',');
}

/** The register as a standalone, accessible French HTML page (no script, no external asset). */
export function renderRegistryHtml(registry: Registry, links: { json: string; catalog?: string } = { json: 'registre.json' }): string {
  const e = escapeHtml;
  const personal = registry.capteurs.filter((c) => c.donneesPersonnelles).length;
  const rows = registry.capteurs.map((c) => {
    const where = [c.lieu.nom, c.lieu.commune].filter(Boolean).join(', ');
    const coords = c.lieu.latitude !== undefined && c.lieu.longitude !== undefined
      ? `<br><span class="petit">${e(frNumber(c.lieu.latitude))} ; ${e(frNumber(c.lieu.longitude))}${c.donneesPersonnelles ? ' (position arrondie)' : ''}</span>`
      : '';
    const destinations = c.destinations.length > 0
      ? `<ul>${c.destinations.map((d) => `<li>${d.url ? `<a href="${e(d.url)}">${e(d.titre)}</a>` : e(d.titre)}</li>`).join('')}</ul>`
      : 'usage interne';
    return `<tr id="capteur-${e(c.devEui)}">
<th scope="row">${e(c.nom)}<br><span class="petit"><code>${e(c.devEui)}</code>${c.equipement ? ` · ${e(c.equipement)}` : ''}</span></th>
<td>${e(c.fluide)} : ${e(c.mesure.map((m) => m.libelle).join(', ') || 'non précisé')}</td>
<td>${e(where)}${coords}</td>
<td>${e(c.proprietaire.nom)}</td>
<td>${e(c.finalite)}</td>
<td>${c.donneesPersonnelles ? '<strong class="oui">Oui</strong>' : 'Non'}</td>
<td>${destinations}</td>
<td>depuis le ${e(c.depuis)}<br>conservation : ${e(c.conservation)}</td>
</tr>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(registry.titre)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff;line-height:1.5}
header,main,footer{max-width:80rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem}
a{color:#000091}
a:focus,tr:focus-within{outline:3px solid #0a76f6;outline-offset:2px}
.lien-evitement{position:absolute;left:-999px}.lien-evitement:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
th,td{border:1px solid #929292;padding:.4rem;vertical-align:top;text-align:left}
thead th{background:#eee}
.petit{font-size:.85rem;color:#3a3a3a}
.oui{color:#a00}
ul{margin:0;padding-left:1.1rem}
@media (max-width:50rem){table,thead,tbody,tr,th,td{display:block}thead{position:absolute;left:-999px}td,tbody th{border:none}tr{border:1px solid #929292;margin-bottom:1rem}}
</style>
</head>
<body>
<a class="lien-evitement" href="#registre">Aller au registre</a>
<header>
<h1>${e(registry.titre)}</h1>
<p>Chacun peut savoir quels capteurs la collectivité et ses partenaires ont installés, ce qu'ils mesurent, où, pourquoi, et ce que deviennent leurs données. Ce registre est tiré du parc de capteurs et de la charte de la donnée « ${e(registry.charte.titre)} »${registry.charte.version ? ` (version ${e(registry.charte.version)}` : ' ('}, adoptée le ${e(registry.charte.date)}).</p>
<p>${registry.nombreDeCapteurs} capteurs, dont ${personal} traitant des données personnelles : leur position est arrondie et leurs données ne sont jamais publiées telles quelles.</p>
<nav aria-label="Autres formats et pages"><ul>
<li><a href="${e(links.json)}">Le registre au format JSON</a></li>
${links.catalog ? `<li><a href="${e(links.catalog)}">Le catalogue des données ouvertes</a></li>` : ''}
</ul></nav>
</header>
<main id="registre">
<table>
<caption>Registre des capteurs (${registry.nombreDeCapteurs})</caption>
<thead><tr>
<th scope="col">Capteur</th><th scope="col">Ce qu'il mesure</th><th scope="col">Où</th><th scope="col">Propriétaire</th><th scope="col">Finalité</th><th scope="col">Données personnelles</th><th scope="col">Où vont ses données</th><th scope="col">Depuis, jusqu'à quand</th>
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</main>
<footer><p class="petit">Mis à jour le ${e(registry.genereLe)}. Questions : le service responsable indiqué dans la charte de la donnée.</p></footer>
</body>
</html>
`;
}
