/**
 * lorawan-decode in a Node-RED runtime: model resolution order (registry > tag > profile > default),
 * the undecoded output, DecodeError → Catch, the vendor-codec path with a mapping, the status text.
 * Native frames come from the golden files of whatever models the catalog holds when the spec runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { catalog } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';
import { builtNode, helper, received, until } from '../support/nodered';
import { GoldenFrame, goldenFiles } from '../support/golden';

const lorawanDecode = builtNode('lorawan-decode') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const vendorDir = path.resolve(__dirname, '..', 'fixtures', 'vendor-codecs');
const TIME = '2026-01-15T10:00:00.000Z';

/** Models of the catalog that have a golden frame decoding to measurements, with that frame. */
const samples: Array<{ model: string; frame: GoldenFrame }> = [];
/** A golden frame some codec must reject (expectedError). */
let rejected: { model: string; frame: GoldenFrame } | undefined;
for (const file of goldenFiles()) {
  if (!catalog.has(file.model)) continue;
  const good = file.frames.find((f) => f.expected !== undefined && f.expected.measurements.length > 0);
  if (good) samples.push({ model: file.model, frame: good });
  const bad = file.frames.find((f) => f.expectedError !== undefined);
  if (bad && !rejected) rejected = { model: file.model, frame: bad };
}

function flow(config: Record<string, unknown> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'dec', type: 'lorawan-decode', name: '', ...at, ...config, wires: [['ok'], ['und']] },
    { id: 'ok', type: 'helper', ...at },
    { id: 'und', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const spy = node.status as unknown as sinon.SinonSpy;
  const calls = spy.getCalls().filter((call) => call.thisValue === node);
  return calls.length ? calls[calls.length - 1].args[0] : undefined;
}

let counter = 0;
function devEui(): string {
  counter++;
  return `70b3d5e75e0f${counter.toString(16).padStart(4, '0')}`;
}

function uplink(eui: string, frame: { fPort: number; bytesHex: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    network: 'chirpstack', eventType: 'up', devEui: eui, deviceName: `device ${eui}`, applicationId: 'app', deviceProfile: '',
    tenant: 'grand-poitiers', tags: {}, time: TIME, fCnt: 1, fPort: frame.fPort, confirmed: false,
    bytes: Buffer.from(hexToBytes(frame.bytesHex)), radio: { rssi: -80, snr: 7, gateways: 1, dr: 5, frequency: 868100000 },
    dedupId: `d-${eui}`, ...extra,
  };
}

function send(eui: string, frame: { fPort: number; bytesHex: string }, extra: Record<string, unknown> = {}): void {
  helper.getNode('dec').receive({ topic: eui, payload: uplink(eui, frame, extra) } as unknown as NodeMessage);
}

describe('lorawan-decode node', function () {
  this.timeout(15000);
  let tmp: string;
  let registry: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lorawan-decode-'));
    registry = path.join(tmp, 'devices.csv');
    fs.writeFileSync(registry, 'devEui,model\n');
  });

  afterEach(async () => {
    await helper.unload();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has golden frames of at least two catalog models to work with', () => {
    assert.ok(samples.length >= 2, `catalog models with golden frames: ${samples.map((s) => s.model).join(', ')}`);
  });

  it('decodes each catalog model found in the registry into a Reading (topic, uplink, time, radio kept)', async () => {
    const devices = samples.map((sample) => ({ eui: devEui(), sample }));
    fs.writeFileSync(registry, `devEui;model\n${devices.map(({ eui, sample }) => `${eui.toUpperCase()};${sample.model}`).join('\n')}\n`);
    await helper.load(lorawanDecode, flow({ registryFile: registry }));
    const ok = received('ok');
    for (const { eui, sample } of devices) send(eui, sample.frame);
    await until('readings', () => ok.length === devices.length);
    devices.forEach(({ eui, sample }, i) => {
      const msg = ok[i];
      assert.equal(msg.topic, eui);
      assert.equal(msg.payload.model, sample.model);
      assert.equal(msg.payload.devEui, eui);
      assert.equal(msg.payload.tenant, 'grand-poitiers');
      assert.equal(msg.payload.time, TIME);
      assert.deepEqual(msg.payload.radio, { rssi: -80, snr: 7, gateways: 1, dr: 5, frequency: 868100000 });
      assert.equal(msg.uplink.devEui, eui);
      assert.equal(msg.payload.measurements.length, sample.frame.expected!.measurements.length, sample.model);
    });
  });

  it('resolves the model in order: registry > tag > profile > default', async () => {
    const [a, b] = samples;
    const codecB = catalog.get(b.model)!;
    const profileB = codecB.aliases?.[0] ?? codecB.name;
    const inRegistry = devEui();
    fs.writeFileSync(registry, `devEui,model\n${inRegistry},${a.model}\n`);
    await helper.load(lorawanDecode, flow({ registryFile: registry, defaultModel: a.model }));
    const ok = received('ok');
    // Registry wins over a tag and a profile naming another model.
    send(inRegistry, a.frame, { tags: { model: b.model }, deviceProfile: profileB });
    // Tag wins over the profile.
    send(devEui(), b.frame, { tags: { model: b.model }, deviceProfile: a.model });
    // Profile (an alias) wins over the default.
    send(devEui(), b.frame, { deviceProfile: profileB });
    // Default when the profile names nothing we decode.
    send(devEui(), a.frame, { deviceProfile: 'Some ChirpStack profile' });
    await until('4 readings', () => ok.length === 4);
    assert.deepEqual(ok.map((m) => m.payload.model), [a.model, b.model, b.model, a.model]);
  });

  it('sends what it cannot decode to output 2 with a reason, counted in the status, without errors', async () => {
    await helper.load(lorawanDecode, flow({ registryFile: registry }));
    const und = received('und');
    const caught = received('caught');
    const unknown = devEui();
    for (let i = 0; i < 50; i++) send(unknown, { fPort: 6, bytesHex: '0102' });
    send(devEui(), { fPort: 6, bytesHex: '0102' }, { tags: { model: 'no-such-model' } });
    send(devEui(), { fPort: 0, bytesHex: '' }, { tags: { model: samples[0].model } });
    helper.getNode('dec').receive({ topic: unknown, payload: { eventType: 'join', devEui: unknown } } as unknown as NodeMessage);
    await until('undecoded', () => und.length === 53);
    assert.equal(und[0].reason.code, 'unknown-device');
    assert.match(und[0].reason.text, new RegExp(`${unknown} has no model`));
    assert.equal(und[50].reason.code, 'unknown-model');
    assert.match(und[50].reason.text, /no-such-model/);
    assert.equal(und[51].reason.code, 'no-payload');
    assert.equal(und[52].reason.code, 'not-uplink');
    assert.equal(und[0].payload.devEui, unknown, 'the uplink is kept as payload');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(caught.length, 0);
    assert.deepEqual(lastStatus(helper.getNode('dec')), { fill: 'green', shape: 'dot', text: '0 decoded · 53 undecoded' });
  });

  it('hands a frame the codec rejects to Catch nodes, naming device, model, port and offset, and goes on', async function () {
    assert.ok(rejected, 'a golden frame its codec rejects');
    const bad = rejected!;
    const good = samples[0];
    const euiBad = devEui();
    const euiGood = devEui();
    fs.writeFileSync(registry, `devEui,model\n${euiBad},${bad.model}\n${euiGood},${good.model}\n`);
    await helper.load(lorawanDecode, flow({ registryFile: registry }));
    const ok = received('ok');
    const caught = received('caught');
    send(euiBad, bad.frame);
    send(euiGood, good.frame);
    await until('error and reading', () => caught.length === 1 && ok.length === 1);
    const error = caught[0].error;
    assert.equal(error.code, bad.frame.expectedError);
    assert.match(error.message, new RegExp(`device ${euiBad}, model ${bad.model}, fPort ${bad.frame.fPort}: .*byte \\d+`));
    assert.equal(error.cause.devEui, euiBad);
    assert.equal(typeof error.cause.offset, 'number');
    await until('status', () => /1 decoded · 1 err$/.test(String(lastStatus(helper.getNode('dec'))?.text)), 2000);
  });

  it('refuses a payload that is not an uplink through done(err)', async () => {
    await helper.load(lorawanDecode, flow({ registryFile: registry }));
    const caught = received('caught');
    helper.getNode('dec').receive({ payload: 'hello' } as NodeMessage);
    await until('error', () => caught.length === 1);
    assert.equal(caught[0].error.code, 'not-uplink');
  });

  it('decodes through a vendor codec file and its mapping, and reports its failures', async () => {
    const eui = devEui();
    const slow = devEui();
    fs.writeFileSync(registry, `devEui,model\n${eui},acme-counter\n${slow},acme-slow\n`);
    await helper.load(lorawanDecode, flow({
      registryFile: registry,
      timeoutMs: 50,
      vendorCodecs: [
        {
          model: 'acme-counter', file: path.join(vendorDir, 'netvox-r718h-ttn.js'), mapping: [
            { field: 'PulseCount', quantity: 'pulse_count', unit: '1', kind: 'index', channel: 'in1' },
            { field: 'Volt', quantity: 'status.batteryVoltage' },
          ],
        },
        { model: 'acme-slow', file: path.join(vendorDir, 'hostile-loop.js'), mapping: [] },
        { model: 'acme-broken', file: path.join(vendorDir, 'hostile-syntax.js'), mapping: [] },
      ],
    }));
    const ok = received('ok');
    const und = received('und');
    const caught = received('caught');
    send(eui, { fPort: 6, bytesHex: '011f01a400640000000000' });
    send(slow, { fPort: 6, bytesHex: '01' });
    send(devEui(), { fPort: 6, bytesHex: '01' }, { tags: { model: 'acme-broken' } });
    send(eui, { fPort: 6, bytesHex: '011f012400650000000000' });
    await until('vendor results', () => ok.length === 2 && caught.length === 1 && und.length === 1);
    assert.deepEqual(ok[0].payload.measurements, [{ quantity: 'pulse_count', value: 100, unit: '1', kind: 'index', channel: 'in1' }]);
    assert.deepEqual(ok[0].payload.status, { batteryVoltage: 3.6 });
    assert.equal(ok[0].payload.model, 'acme-counter');
    assert.deepEqual(ok[0].frameInfo.warnings, ['low battery']);
    assert.equal(ok[1].payload.measurements[0].value, 101);
    assert.equal(caught[0].error.code, 'timeout');
    assert.match(caught[0].error.message, /model acme-slow.*hostile-loop\.js.*time limit \(50 ms per frame\)/);
    assert.equal(und[0].reason.code, 'codec-unavailable');
    assert.match(und[0].reason.text, /hostile-syntax\.js: syntax error/);
  });

  it('reloads the registry on msg.topic "reload"', async () => {
    const sample = samples[0];
    const eui = devEui();
    await helper.load(lorawanDecode, flow({ registryFile: registry, watchRegistry: false }));
    const ok = received('ok');
    const und = received('und');
    send(eui, sample.frame);
    await until('undecoded', () => und.length === 1);
    fs.writeFileSync(registry, `devEui,model\n${eui},${sample.model}\n`);
    helper.getNode('dec').receive({ topic: 'reload' } as NodeMessage);
    send(eui, sample.frame);
    await until('reading', () => ok.length === 1);
    assert.equal(ok[0].payload.model, sample.model);
  });

  it('reloads the registry when the file changes', async () => {
    const sample = samples[0];
    const eui = devEui();
    await helper.load(lorawanDecode, flow({ registryFile: registry }));
    const ok = received('ok');
    fs.writeFileSync(registry, `devEui,model\n${eui},${sample.model}\n`);
    await new Promise((r) => setTimeout(r, 600));
    send(eui, sample.frame);
    await until('reading', () => ok.length === 1);
  });
});
