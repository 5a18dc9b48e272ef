/**
 * The training course (examples/, Node-RED's Import > Examples menu): lessons 01 to 07 and the two
 * reference examples 08 and 09.
 *
 * Each file is first checked for what a trainer relies on (a French « À lire » comment with the goal,
 * the steps, what to observe and a question for the group; every node named; no simulator that could
 * publish on the shared broker). Then the platform is started once, exactly as `npm start` does (the
 * simulator at speed 60), each example is taken from the editor's Import > Examples menu and imported
 * next to the application flows through the admin API (POST /flow, as the editor's import adds a
 * tab), and the lesson is run the way a trainee would:
 * its buttons are pressed through the inject endpoint and its result is read from the debug messages
 * the editor receives on its /comms websocket. Last, every example is deployed alone, and the runtime
 * must know every type and log no error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { FlowNode, readFlowFiles } from '../scripts/flows';
import { RunningPlatform, startPlatform, waitFor } from './support/platform';
import { freePort } from './support/ports';

const root = path.resolve(__dirname, '..');
const examples = readFlowFiles(root, ['examples']);
const fleet = new Set(fs.readFileSync(path.join(root, 'data', 'devices.csv'), 'utf8').split('\n').slice(1)
  .map((line) => line.split(',')[0]).filter(Boolean));

/** Log lines that mean a flow does not run as shipped (the patterns of clean-runtime_spec). */
const PROBLEM = /- \[(error|fatal)\]|Waiting for missing types|Missing node types|types manquants|missing .*config|unknown type|TypeError|ReferenceError/i;

function example(number: string): FlowNode[] {
  const found = examples.find((e) => path.basename(e.file).startsWith(`${number} - `));
  assert.ok(found, `examples/${number} - … .json is missing`);
  return found.nodes;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface DebugMessage {
  id: string;
  name?: string;
  format: string;
  /** The debugged value, decoded (objects and arrays parsed, strings as they are). */
  value: Json;
}

/** The editor's debug sidebar, as a websocket client of /comms subscribed to `debug`. */
class DebugSidebar {
  readonly messages: DebugMessage[] = [];
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      for (const event of JSON.parse(String(data)) as Array<{ topic: string; data: Json }>) {
        if (event.topic !== 'debug') continue;
        const { id, name, format, msg } = event.data;
        let value: Json = msg;
        if (/^(Object|array)/.test(String(format))) {
          try { value = JSON.parse(msg); } catch { value = msg; }
        } else if (format === 'number') value = Number(msg);
        this.messages.push({ id, name, format, value });
      }
    });
  }

  static async open(httpUrl: string): Promise<DebugSidebar> {
    const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/comms`);
    await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
    socket.send(JSON.stringify({ subscribe: 'debug' }));
    return new DebugSidebar(socket);
  }

  /** Waits for a message of the debug node `id`, received after index `from`, that `accept` takes. */
  async next(id: string, accept: (value: Json) => boolean, timeoutMs: number, from = 0): Promise<Json> {
    return waitFor(`debug « ${id} »`, async () => this.messages.slice(from).find((m) => m.id === id && accept(m.value))?.value, timeoutMs)
      .catch((err: Error) => {
        const seen = this.messages.filter((m) => m.id === id).slice(-3).map((m) => JSON.stringify(m.value).slice(0, 400));
        throw new Error(`${err.message}; last messages of this node: ${seen.join(' | ') || 'none'}`);
      });
  }

  close(): void {
    this.socket.close();
  }
}

/** Adds an example as a new tab of the running flows, as the editor's import does. */
async function importExample(platform: RunningPlatform, nodes: FlowNode[]): Promise<string> {
  const tab = nodes.find((n) => n.type === 'tab');
  assert.ok(tab, 'an example holds one tab');
  const body = {
    label: tab.label,
    info: tab.info,
    nodes: nodes.filter((n) => n.type !== 'tab' && n.z === tab.id),
    configs: nodes.filter((n) => n.type !== 'tab' && (n.z === undefined || n.z === '')),
  };
  const res = await fetch(`${platform.httpUrl}/flow`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `import refused: ${res.status} ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

const MENU = '/library/examples/flows/@grand-poitiers/node-red-smart-territory';

/** An example as the editor's Import > Examples menu serves it. */
async function fromExamplesMenu(platform: RunningPlatform, number: string): Promise<FlowNode[]> {
  const list = await (await fetch(`${platform.httpUrl}${encodeURI(MENU)}`)).json() as Array<{ fn: string }>;
  const entry = list.find((e) => e.fn.startsWith(`${number} - `));
  assert.ok(entry, `the Examples menu has no « ${number} - … »: ${JSON.stringify(list)}`);
  const res = await fetch(`${platform.httpUrl}${encodeURI(`${MENU}/${entry.fn}`)}`);
  assert.equal(res.status, 200);
  return await res.json() as FlowNode[];
}

/** Presses an inject node's button (the editor's POST /inject/:id), once the node runs. */
async function press(platform: RunningPlatform, id: string): Promise<void> {
  await waitFor(`inject ${id}`, async () => {
    const res = await fetch(`${platform.httpUrl}/inject/${id}`, { method: 'POST' });
    return res.status === 200 ? true : undefined;
  }, 20000);
}

/** The log lines since `from` that show a problem of the given example's nodes, or of missing types. */
function problems(platform: RunningPlatform, from: number, nodes: FlowNode[]): string[] {
  const labels = nodes.filter((n) => n.name).map((n) => `[${n.type}:${n.name}]`).concat(nodes.map((n) => `[${n.type}:${n.id}]`));
  return platform.output().slice(from).split('\n').filter((line) => PROBLEM.test(line) &&
    (/missing types|Missing node types|types manquants|unknown type/i.test(line) || labels.some((label) => line.includes(label))));
}

describe('training course (examples/)', function () {
  describe('what a trainer relies on', function () {
    const lessons = examples.filter((e) => /^0[1-7] - /.test(path.basename(e.file)));

    it('has the seven lessons 01 to 07, with French titles', function () {
      assert.deepEqual(lessons.map((e) => path.basename(e.file).slice(0, 2)), ['01', '02', '03', '04', '05', '06', '07']);
      for (const { file, nodes } of lessons) {
        const tab = nodes.find((n) => n.type === 'tab');
        assert.match(String(tab?.label), /^Leçon \d – /, `${file}: the tab is « Leçon N – … »`);
      }
    });

    for (const { file, nodes } of examples) {
      it(`${path.basename(file)}: one tab, a French « À lire » comment, every node named`, function () {
        const tabs = nodes.filter((n) => n.type === 'tab');
        assert.equal(tabs.length, 1);
        const readme = nodes.find((n) => n.type === 'comment' && /^À lire/.test(String(n.name)));
        assert.ok(readme, 'a comment « À lire : … » explains the tab');
        if (/^0[1-7] - /.test(path.basename(file))) {
          for (const part of ['Ce que vous allez apprendre', 'Étapes', "Ce qu'il faut observer", 'Question pour le groupe']) {
            assert.ok(String(readme.info).includes(`## ${part}`), `the comment has a « ${part} » part`);
          }
        }
        for (const node of nodes.filter((n) => n.z === tabs[0].id)) {
          assert.ok(typeof node.name === 'string' && node.name.trim() !== '', `${node.type} ${node.id} has a name`);
        }
      });
    }

    it('never publishes a second simulated network on the shared broker', function () {
      for (const { file, nodes } of examples) {
        const byId = new Map(nodes.map((n) => [n.id, n]));
        for (const simulator of nodes.filter((n) => n.type === 'lorawan-simulator')) {
          // Follow the simulator's wires: its frames must never reach an MQTT publisher.
          const seen = new Set<string>();
          const queue = ((simulator.wires as string[][] | undefined) ?? []).flat();
          while (queue.length > 0) {
            const id = queue.shift() as string;
            if (seen.has(id)) continue;
            seen.add(id);
            const next = byId.get(id);
            assert.ok(next && next.type !== 'mqtt out', `${file}: the simulator « ${simulator.name} » publishes on a broker`);
            queue.push(...((next.wires as string[][] | undefined) ?? []).flat());
          }
          assert.equal(simulator.autoStart, false, `${file}: the simulator « ${simulator.name} » waits for its « Démarrer » button`);
        }
      }
    });

    it('ships the vendor codec of lesson 3 in the data folder', function () {
      const decoder = example('03').find((n) => n.type === 'lorawan-decode');
      const codec = (decoder?.vendorCodecs as Array<{ file: string }>)[0].file;
      assert.ok(fs.existsSync(path.join(root, 'data', codec)), `data/${codec}`);
      assert.match(fs.readFileSync(path.join(root, 'data', codec), 'utf8'), /function decodeUplink\(input\)/);
    });
  });

  describe('each lesson on the running platform (npm start, simulator at speed 60)', function () {
    this.timeout(180000);
    let platform: RunningPlatform;
    let sidebar: DebugSidebar;

    before(async function () {
      platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()) });
      sidebar = await DebugSidebar.open(platform.httpUrl);
    });

    after(async function () {
      sidebar?.close();
      if (!platform) return;
      assert.equal(await platform.stop(), 0);
      fs.rmSync(platform.userDir, { recursive: true, force: true });
    });

    it("the editor's Import > Examples menu lists the course, in order", async function () {
      const list = await (await fetch(`${platform.httpUrl}${encodeURI(MENU)}`)).json() as Array<{ fn: string }>;
      assert.deepEqual(list.map((e) => e.fn), examples.map((e) => path.basename(e.file, '.json')));
    });

    /** Imports an example from the Examples menu, runs `lesson`, then checks the log of its nodes. */
    async function run(number: string, lesson: (from: number) => Promise<void>): Promise<void> {
      const nodes = await fromExamplesMenu(platform, number);
      assert.deepEqual(nodes, example(number), 'the menu serves the file of examples/');
      const logFrom = platform.output().length;
      const from = sidebar.messages.length;
      await importExample(platform, nodes);
      await lesson(from);
      assert.deepEqual(problems(platform, logFrom, nodes), [], platform.output().slice(logFrom));
    }

    it('01 shows live uplinks of the simulated devices, one site on its own, and the network health', async function () {
      await run('01', async (from) => {
        const line = await sidebar.next('lecon1-debug-resume', (v) => fleet.has(v?.devEui), 60000, from);
        assert.match(line['octets (hex)'], /^[0-9a-f]+$/);
        assert.equal(typeof line['RSSI (dBm)'], 'number');
        assert.match(line.heure, /^\d{2}:\d{2}:\d{2}$/);
        const hdv = await sidebar.next('lecon1-debug-site', (v) => typeof v?.capteur === 'string', 60000, from);
        assert.match(hdv.capteur, /Hôtel de Ville/);
        const health = await sidebar.next('lecon1-debug-sante', (v) => Number(v?.capteurs) > 0, 60000, from);
        assert.ok(health.enLigne > 0 && health.enLigne <= fleet.size, JSON.stringify(health));
      });
    });

    it('02 decodes known frames into measurements and names the byte of a broken one', async function () {
      await run('02', async (from) => {
        await press(platform, 'lecon2-trame-ecole');
        const school = await sidebar.next('lecon2-debug-en-clair', (v) => v?.modèle === 'netvox-r718h', 20000, from);
        assert.deepEqual(school.mesures, ['pulse_count = 100 (index)']);
        assert.equal(school['pile (V)'], 3.6);
        await press(platform, 'lecon2-trame-hdv');
        const hdv = await sidebar.next('lecon2-debug-en-clair', (v) => v?.modèle === 'kamstrup-flowiq2200', 20000, from);
        assert.ok(hdv.mesures.includes('water_volume = 18342.118 m³ (index)'), JSON.stringify(hdv));
        await press(platform, 'lecon2-trame-abimee');
        const error = await sidebar.next('lecon2-debug-erreurs', (v) => typeof v === 'string', 20000, from);
        assert.match(error, /00137a1000013c02/);
        assert.match(error, /netvox-r718h/);
        assert.match(error, /(byte|octet) 4/);
      });
    });

    it('03 decodes a new sensor with the vendor codec and maps it to our quantities', async function () {
      await run('03', async (from) => {
        await press(platform, 'lecon3-trame-normale');
        const reading = await sidebar.next('lecon3-debug-releve', (v) => v?.model === 'formation-sonde-froid', 20000, from);
        assert.deepEqual(reading.measurements, [
          { quantity: 'temperature', value: 3.5, unit: 'Cel', kind: 'instant' },
          { quantity: 'humidity', value: 85, unit: '%', kind: 'instant' },
        ]);
        assert.equal(reading.status.batteryVoltage, 3.6);
        const vendor = await sidebar.next('lecon3-debug-codec', (v) => v?.vendor?.temperature_c !== undefined || v?.temperature_c !== undefined, 20000, from);
        assert.ok(JSON.stringify(vendor).includes('battery_mv'), JSON.stringify(vendor));
        await press(platform, 'lecon3-trame-alarme');
        const alarm = await sidebar.next('lecon3-debug-releve', (v) => (v?.status?.alarms ?? []).length > 0, 20000, from);
        assert.deepEqual([...alarm.status.alarms].sort(), ['door_open', 'high_temperature']);
        assert.equal(alarm.measurements[0].value, 9.2);
        await press(platform, 'lecon3-trame-courte');
        const error = await sidebar.next('lecon3-debug-erreurs', (v) => typeof v === 'string', 20000, from);
        assert.match(error, /formation-sonde-froid/);
        assert.match(error, /too short: 7 bytes expected, got 3/);
      });
    });

    it('04 detects the leak the simulator plays, with its estimated loss, and its end', async function () {
      await run('04', async (from) => {
        await press(platform, 'lecon4-demarrer');
        await sidebar.next('lecon4-debug-releves', (v) => /Hôtel de Ville/.test(v?.compteur) && v?.['fuite signalée'] === false, 30000, from);
        await press(platform, 'lecon4-fuite');
        const alert = await sidebar.next('lecon4-debug-alertes', (v) => typeof v === 'string' && v.startsWith("Fuite d'eau probable"), 30000, from);
        assert.match(alert, /Hôtel de Ville – compteur d'eau général/);
        const [, lossPerDay] = /environ ([\d ]+,\d) m³ perdus par jour/.exec(alert) ?? [];
        assert.ok(Number(String(lossPerDay).replace(/ /g, '').replace(',', '.')) >= 0.05 * 24, alert);
        assert.match(alert, /€ par an à 4,50 €\/m³/);
        const after = sidebar.messages.length;
        await press(platform, 'lecon4-reparer');
        const cleared = await sidebar.next('lecon4-debug-alertes', (v) => typeof v === 'string' && v.startsWith('Résolu'), 30000, after);
        assert.match(cleared, /Hôtel de Ville/);
        await press(platform, 'lecon4-arreter');
      });
    });

    it('05 gives kWh per m² per building from the stored readings and the building register', async function () {
      await run('05', async (from) => {
        // The first consumption needs two readings of a meter: ask again until the rows have values.
        let rows: Json[] = [];
        await waitFor('kWh/m² rows', async () => {
          const mark = sidebar.messages.length;
          await press(platform, 'lecon5-calculer');
          const value = await sidebar.next('lecon5-debug-resultat', () => true, 10000, Math.max(from, mark)).catch(() => undefined);
          rows = Array.isArray(value) ? value : value ? [value] : [];
          return rows.some((r) => r['kWh/m²'] > 0) ? rows : undefined;
        }, 120000);
        const row = rows.find((r) => r['kWh/m²'] > 0);
        assert.ok(row.bâtiment && row['surface chauffée (m²)'] > 0, JSON.stringify(row));
        assert.ok(Math.abs(row['kWh/m²'] - row['électricité depuis minuit (kWh)'] / row['surface chauffée (m²)']) < 0.01, JSON.stringify(row));
        const known = rows.filter((r) => r['kWh/m²'] !== undefined).map((r) => r['kWh/m²']);
        assert.deepEqual(known, [...known].sort((a, b) => b - a), 'sorted from the biggest consumer per m²');
      });
    });

    it('06 publishes the daily dataset and the charter refuses the 15-minute one, naming the rule', async function () {
      await run('06', async (from) => {
        await press(platform, 'lecon6-publier');
        const log = await sidebar.next('lecon6-debug-journal', (v) => Array.isArray(v) && v.length >= 2, 60000, from);
        const daily = log.filter((e: Json) => e.dataset === 'formation-eau-batiments-quotidienne');
        assert.ok(daily.length > 0 && daily.every((e: Json) => e.result === 'ok'), JSON.stringify(log));
        assert.ok(log.some((e: Json) => e.dataset === 'formation-eau-batiments-15-minutes' && e.result === 'refused'), JSON.stringify(log));
        const refusal = await sidebar.next('lecon6-debug-refus', (v) => typeof v === 'string', 20000, from);
        assert.match(refusal, /formation-eau-batiments-15-minutes/);
        assert.match(refusal, /granularite-trop-fine/);
        const csv = await fetch(`${platform.httpUrl}/formation/opendata/formation-eau-batiments-quotidienne.csv`);
        assert.equal(csv.status, 200);
        assert.match(await csv.text(), /^date,site,nom,usage,commune,latitude,longitude,valeur\r?\n/);
        assert.equal((await fetch(`${platform.httpUrl}/formation/opendata/formation-eau-batiments-15-minutes.csv`)).status, 404);
        await press(platform, 'lecon6-registre');
        const count = await sidebar.next('lecon6-debug-registre', (v) => typeof v === 'number', 20000, from);
        assert.equal(count, fleet.size);
        assert.equal((await fetch(`${platform.httpUrl}/formation/opendata/registre`)).status, 200);
        // The platform's own catalog is left alone.
        assert.doesNotMatch(await (await fetch(`${platform.httpUrl}/opendata/`)).text(), /formation-eau/);
      });
    });

    it('07 gives the yearly savings of a night cut and of dimming', async function () {
      await run('07', async (from) => {
        await press(platform, 'lecon7-comparer');
        const cut = await sidebar.next('lecon7-debug-extinction', (v) => v?.armoire === 'Total', 30000, from);
        const dim = await sidebar.next('lecon7-debug-abaissement', (v) => v?.armoire === 'Total', 30000, from);
        for (const total of [cut, dim]) {
          assert.ok(total['économies kWh/an'] > 0 && total['économies €/an'] > 0 && total['économies kg CO2/an'] > 0, JSON.stringify(total));
          assert.ok(total['kWh/an B'] < total['kWh/an A'], JSON.stringify(total));
        }
        // A night is 8 to 16 hours long: five hours off saves about two fifths, half power from 22:00 to 06:00 about a third.
        assert.ok(cut['économies %'] > 20 && cut['économies %'] < 60, JSON.stringify(cut));
        assert.ok(dim['économies %'] > 10 && dim['économies %'] < 40, JSON.stringify(dim));
        const detail = await sidebar.next('lecon7-debug-detail', (v) => Array.isArray(v), 30000, from);
        assert.ok(detail.some((r: Json) => r.armoire === 'Total Buxerolles'), JSON.stringify(detail).slice(0, 400));
      });
    });

    it('08 prepares the lighting commands of its program without sending them', async function () {
      await run('08', async (from) => {
        const mqtt = await sidebar.next('ex08-debug-mqtt', (v) => typeof v?.topic === 'string', 30000, from);
        assert.match(mqtt.topic, /^application\/a7d3e9f2-4b5c-4e81-b0a6-3c2f9d8e7a22\/device\/[0-9a-f]{16}\/command\/down$/);
        await press(platform, 'ex08-derogation');
        await sidebar.next('ex08-debug-etat', (v) => JSON.stringify(v ?? '').includes('travaux'), 30000, from);
      });
    });

    it('09 stores the live readings in its own database and reads them back', async function () {
      await run('09', async (from) => {
        await waitFor('points in formation.sqlite', async () => {
          const mark = sidebar.messages.length;
          await press(platform, 'ex09-relire');
          const points = await sidebar.next('ex09-debug-points', () => true, 10000, Math.max(from, mark)).catch(() => undefined);
          return Array.isArray(points) && points.length > 0 ? points : undefined;
        }, 120000);
        assert.ok(fs.existsSync(path.join(platform.userDir, 'formation.sqlite')));
      });
    });

    it('every example deployed alone: every type known, no error in the log', async function () {
      const res = await fetch(`${platform.httpUrl}/nodes`, { headers: { Accept: 'application/json' } });
      const registered = new Set((await res.json() as Array<{ types: string[]; enabled: boolean }>)
        .filter((set) => set.enabled).flatMap((set) => set.types));
      const all = examples.flatMap((e) => e.nodes);
      const unknown = [...new Set(all.map((n) => n.type))].filter((t) => t !== 'tab' && !registered.has(t));
      assert.deepEqual(unknown, [], `types unknown to the runtime: ${unknown.join(', ')}`);
      const logFrom = platform.output().length;
      const deploy = await fetch(`${platform.httpUrl}/flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify({ flows: all }),
      });
      const answer = await deploy.text();
      assert.equal(deploy.status, 200, answer);
      await waitFor('the examples started', async () => /Started flows|Flux démarrés/.test(platform.output().slice(logFrom)) || undefined, 30000);
      await new Promise((r) => setTimeout(r, 8000));
      const lines = platform.output().slice(logFrom).split('\n').filter((line) => PROBLEM.test(line));
      assert.deepEqual(lines, [], platform.output().slice(logFrom));
    });
  });
});
