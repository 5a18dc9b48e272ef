/**
 * The vendor codec sandbox runs codec files WE DID NOT WRITE (fixtures in the plain style vendors use,
 * test/fixtures/vendor-codecs/), and refuses hostile ones with a clear error, the host unharmed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  applyMapping, compileMapping, MappingError, SandboxError, VendorCodec, VendorModel,
} from '../../nodes/lib/codecs/sandbox';
import { hexToBytes } from '../../nodes/lib/codecs/reader';

const dir = path.resolve(__dirname, '..', 'fixtures', 'vendor-codecs');
const file = (name: string) => path.join(dir, name);
const RECV = new Date('2026-01-15T10:00:00.000Z');

/** The codec every refusal is followed by: it must still work. */
async function normalCodecStillWorks(): Promise<void> {
  const codec = await VendorCodec.fromFile(file('netvox-r718h-ttn.js'));
  try {
    assert.deepEqual(codec.decode(hexToBytes('011f012400640000000000'), 6, RECV).data, { Device: 'R718H', Volt: 3.6, PulseCount: 100 });
  } finally {
    codec.dispose();
  }
}

async function refused(name: string, code: SandboxError['code'], pattern: RegExp, options = {}, atLoad = false): Promise<SandboxError> {
  let error: unknown;
  let codec: VendorCodec | undefined;
  try {
    codec = await VendorCodec.fromFile(file(name), options);
    assert.equal(atLoad, false, `${name} should have been refused when loaded`);
    codec.decode(hexToBytes('011f012400640000000000'), 6, RECV);
  } catch (err) {
    error = err;
  } finally {
    codec?.dispose();
  }
  assert.ok(error instanceof SandboxError, `${name}: expected a SandboxError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.includes(name), `the error names the codec file: ${error.message}`);
  assert.match(error.message, pattern);
  await normalCodecStillWorks();
  return error;
}

describe('vendor codec sandbox (QuickJS)', function () {
  this.timeout(20000);

  describe('runs unmodified vendor-style codecs', function () {
    it('an ES5 TTN decodeUplink (Netvox R718H style), with warnings', async () => {
      const codec = await VendorCodec.fromFile(file('netvox-r718h-ttn.js'));
      try {
        assert.equal(codec.style, 'decodeUplink');
        assert.deepEqual(codec.decode(hexToBytes('011f006402202010090000'), 6, RECV).data,
          { Device: 'R718H', SWver: 10, HWver: 2, Datecode: '20201009' });
        const low = codec.decode(hexToBytes('011f01a400640000000000'), 6, RECV);
        assert.deepEqual(low.data, { Device: 'R718H', Volt: 3.6, PulseCount: 100 });
        assert.deepEqual(low.warnings, ['low battery']);
        // Compiled once, called many times.
        for (let i = 0; i < 1000; i++) assert.equal(codec.decode(hexToBytes('011f012400640000000000'), 6, RECV).data.PulseCount, 100);
      } finally {
        codec.dispose();
      }
    });

    it('reports the errors a codec returns as a codec-error naming the file', async () => {
      const codec = await VendorCodec.fromFile(file('netvox-r718h-ttn.js'));
      try {
        assert.throws(() => codec.decode(hexToBytes('011f'), 99, RECV),
          (err: unknown) => err instanceof SandboxError && err.code === 'codec-error' && /netvox-r718h-ttn\.js.*unknown FPort/.test(err.message));
      } finally {
        codec.dispose();
      }
    });

    it('a legacy Decoder(bytes, port) (Milesight style)', async () => {
      const codec = await VendorCodec.fromFile(file('milesight-style-decoder.js'));
      try {
        assert.equal(codec.style, 'Decoder');
        // battery 100 %, temperature 27.2 °C, humidity 54.5 %.
        assert.deepEqual(codec.decode(hexToBytes('017564 03671001 04686d'), 85, RECV).data, { battery: 100, temperature: 27.2, humidity: 54.5 });
      } finally {
        codec.dispose();
      }
    });

    it('a legacy ChirpStack v3 Decode(fPort, bytes, variables), with device variables', async () => {
      const codec = await VendorCodec.fromFile(file('chirpstack-v3-decode.js'), { variables: { serial: 'W-123' } });
      try {
        assert.equal(codec.style, 'Decode');
        assert.deepEqual(codec.decode(hexToBytes('0001e240'), 2, RECV).data,
          { port: 2, index_litres: 123456, meter: { index_m3: 123.456 }, serial: 'W-123' });
      } finally {
        codec.dispose();
      }
    });

    it('an ES module exporting decodeUplink (ChirpStack v4 style), with recvTime and variables', async () => {
      const codec = await VendorCodec.fromFile(file('es-module-decode-uplink.mjs'), { variables: { site: 'cobalt' } });
      try {
        assert.deepEqual(codec.decode(hexToBytes('ff38'), 3, RECV).data,
          { temperature: -2, port: 3, received: '2026-01-15T10:00:00.000Z', site: 'cobalt' });
      } finally {
        codec.dispose();
      }
    });

    it('an Adeunis-style library that writes Object.prototype: works inside, host prototypes untouched', async () => {
      const codec = await VendorCodec.fromFile(file('adeunis-style-lib.js'));
      try {
        const { data } = codec.decode(hexToBytes('4620000000640000012c'), 1, RECV);
        assert.deepEqual(data, {
          type: '0x46 Data frame', status: { frameCounter: 1, lowBattery: false }, counterValues: [100, 300], sandboxPolluted: true,
        });
        const probe: Record<string, unknown> = {};
        assert.equal(probe.readUInt8, undefined);
        assert.equal(probe.readUInt16BE, undefined);
        assert.equal(probe.adeunisPolluted, undefined);
        assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'readUInt32BE'), false);
      } finally {
        codec.dispose();
      }
    });
  });

  describe('refuses hostile codecs with a clear error, the host unharmed', function () {
    it('require("fs") at the top level', async () => {
      await refused('hostile-require.js', 'forbidden', /uses require.*no file system/, {}, true);
    });

    it('require("child_process") while decoding', async () => {
      await refused('hostile-require-in-call.js', 'forbidden', /uses require/);
    });

    it('process.env', async () => {
      await refused('hostile-process.js', 'forbidden', /uses process/);
    });

    it('an endless loop is stopped at about 100 ms', async () => {
      const started = Date.now();
      await refused('hostile-loop.js', 'timeout', /time limit \(100 ms per frame\)/);
      // Refusal + a normal codec compiled and run afterwards.
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    });

    it('a custom time limit', async () => {
      const codec = await VendorCodec.fromFile(file('hostile-loop.js'), { timeoutMs: 30 });
      try {
        const started = Date.now();
        assert.throws(() => codec.decode(new Uint8Array([1]), 1, RECV), (err: unknown) => err instanceof SandboxError && err.code === 'timeout');
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 25 && elapsed < 500, `stopped after ${elapsed} ms`);
        // The same codec can be called again (and is stopped again).
        assert.throws(() => codec.decode(new Uint8Array([1]), 1, RECV), (err: unknown) => err instanceof SandboxError && err.code === 'timeout');
      } finally {
        codec.dispose();
      }
    });

    it('unbounded allocation hits the memory limit', async () => {
      const heapBefore = process.memoryUsage().heapUsed;
      await refused('hostile-alloc.js', 'memory', /memory limit/, { memoryLimitBytes: 8 * 1024 * 1024, timeoutMs: 5000 });
      // The hoard lived in the sandbox's heap, not the host's.
      assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024);
    });

    it('a syntax error, with its line', async () => {
      await refused('hostile-syntax.js', 'syntax', /syntax error: .* at line 3/, {}, true);
    });

    it('a file without any entry point', async () => {
      await refused('no-entry-point.js', 'no-entry', /no decodeUplink\(input\), Decode\(fPort, bytes, variables\) or Decoder\(bytes, port\)/, {}, true);
    });

    it('a missing file', async () => {
      await refused('does-not-exist.js', 'file', /cannot read the file/, {}, true);
    });

    it('a disposed codec says so', async () => {
      const codec = await VendorCodec.fromFile(file('netvox-r718h-ttn.js'));
      codec.dispose();
      codec.dispose();
      assert.throws(() => codec.decode(new Uint8Array([1]), 6, RECV), (err: unknown) => err instanceof SandboxError && err.code === 'disposed');
    });
  });

  describe('mapping vendor data to canonical measurements', function () {
    it('maps fields with scale, channel, kind, battery status and alarms', () => {
      const mapping = compileMapping([
        { field: 'PulseCount', quantity: 'pulse_count', unit: '1', kind: 'index' },
        { field: 'meter.index_m3', quantity: 'water_volume', channel: 'in1' },
        { field: 'energy_kwh', quantity: 'active_energy', unit: 'Wh', scale: '1000' },
        { field: 'Volt', quantity: 'status.batteryVoltage' },
        { field: 'leak', quantity: 'alarm:leak' },
        { field: 'absent', quantity: 'temperature' },
        { field: 'label', quantity: 'humidity' },
      ]);
      const frame = applyMapping(mapping, { PulseCount: 100, meter: { index_m3: 1.5 }, energy_kwh: '2.5', Volt: 3.6, leak: true, label: 'n/a' }, ['low battery']);
      assert.deepEqual(frame.measurements, [
        { quantity: 'pulse_count', value: 100, unit: '1', kind: 'index' },
        { quantity: 'water_volume', value: 1.5, unit: 'm3', kind: 'index', channel: 'in1' },
        { quantity: 'active_energy', value: 2500, unit: 'Wh', kind: 'index' },
      ]);
      assert.deepEqual(frame.status, { batteryVoltage: 3.6, alarms: ['leak'] });
      assert.deepEqual((frame.info as Record<string, unknown>).warnings, ['low battery']);
      assert.deepEqual((frame.info as Record<string, unknown>).mappingProblems, ['field "label" is not a number: "n/a"']);
    });

    it('refuses rules that cannot work, naming the row', () => {
      assert.throws(() => compileMapping([{ field: 'e', quantity: 'active_energy', unit: 'kWh' }]), (err: unknown) => err instanceof MappingError && /row 1 \(e\).*Wh, not kWh.*1000/.test(err.message));
      assert.throws(() => compileMapping([{ field: 't', quantity: 'temperature' }, { field: 'x', quantity: 'speed' }]), /row 2 \(x\): "speed" is not a canonical quantity/);
      assert.throws(() => compileMapping([{ field: 'a..b', quantity: 'temperature' }]), /dotted path/);
      assert.throws(() => compileMapping([{ field: 'a', quantity: 'temperature', scale: 'x' }]), /scale "x"/);
      assert.throws(() => compileMapping([{ field: 'a', quantity: 'alarm:Bad Code' }]), /alarm code/);
    });

    it('a VendorModel decodes like a native codec', async () => {
      const model = await VendorModel.load('netvox-r718h-vendor', file('netvox-r718h-ttn.js'), [
        { field: 'PulseCount', quantity: 'pulse_count' },
        { field: 'Volt', quantity: 'status.batteryVoltage' },
      ]);
      try {
        const frame = model.decode({ bytes: hexToBytes('011f012400640000000000'), fPort: 6, recvTime: RECV });
        assert.deepEqual(frame.measurements, [{ quantity: 'pulse_count', value: 100, unit: '1', kind: 'index' }]);
        assert.deepEqual(frame.status, { batteryVoltage: 3.6 });
      } finally {
        model.dispose();
      }
    });
  });
});
