/**
 * The lorawan-decode CLI, run as a child process from its launcher (bin/lorawan-decode.js → dist/,
 * built by `npm run build`): --list, native decoding of the first golden frame of every catalog model
 * that has one, vendor codecs through the sandbox with a mapping, and the errors (exit code 2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalog } from '../../nodes/lib/codecs';
import { DEFAULT_RECV_TIME, goldenFiles } from '../support/golden';

const root = path.resolve(__dirname, '..', '..');
const launcher = path.join(root, 'bin', 'lorawan-decode.js');
const vendorDir = path.join(root, 'test', 'fixtures', 'vendor-codecs');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { cwd: root, encoding: 'utf8', timeout: 20000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('lorawan-decode CLI', function () {
  this.timeout(30000);

  before(function () {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'scripts', 'lorawan-decode-cli.js')), 'run `npm run build` first');
  });

  it('--list prints every model of the catalog with vendor, name and quantities', () => {
    const { status, stdout } = cli('--list');
    assert.equal(status, 0);
    for (const codec of catalog.values()) {
      assert.ok(stdout.includes(`${codec.model}  ${codec.vendor} — ${codec.name}`), `${codec.model} listed`);
      for (const q of codec.quantities) assert.ok(stdout.includes(`${q.quantity} [${q.unit}] ${q.kind}`), `${codec.model}: ${q.quantity}`);
    }
    assert.ok(stdout.includes(`${catalog.size} models`));
  });

  describe('decodes the first golden frame of each catalog model', function () {
    for (const file of goldenFiles()) {
      const frame = file.frames.find((f) => f.expected !== undefined);
      if (!catalog.has(file.model) || !frame) continue;
      it(file.model, () => {
        const time = frame.recvTime ?? DEFAULT_RECV_TIME;
        const { status, stdout, stderr } = cli('--model', file.model, '--port', String(frame.fPort), '--time', time, frame.bytesHex);
        assert.equal(status, 0, stderr);
        const reading = JSON.parse(stdout);
        assert.equal(reading.model, file.model);
        assert.equal(reading.time, new Date(time).toISOString());
        assert.equal(reading.measurements.length, frame.expected!.measurements.length);
      });
    }
  });

  it('accepts base64 as well as hex', function () {
    // A frame whose base64 form cannot be mistaken for hex.
    const isHexLike = (hex: string) => /^[0-9a-f]+$/i.test(Buffer.from(hex, 'hex').toString('base64'));
    const file = goldenFiles().find((f) => catalog.has(f.model) && f.frames.some((fr) => fr.expected && !isHexLike(fr.bytesHex)));
    assert.ok(file, 'a golden frame to decode');
    const frame = file.frames.find((f) => f.expected && !isHexLike(f.bytesHex))!;
    const hex = cli('--model', file.model, '--port', String(frame.fPort), '--time', DEFAULT_RECV_TIME, frame.bytesHex);
    const b64 = cli('--model', file.model, '--port', String(frame.fPort), '--time', DEFAULT_RECV_TIME, Buffer.from(frame.bytesHex, 'hex').toString('base64'));
    assert.equal(hex.status, 0, hex.stderr);
    assert.equal(b64.stdout, hex.stdout);
  });

  it('runs a vendor codec through the sandbox and maps its data', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lorawan-decode-cli-'));
    try {
      const mapping = path.join(tmp, 'mapping.json');
      fs.writeFileSync(mapping, JSON.stringify([{ field: 'PulseCount', quantity: 'pulse_count' }, { field: 'Volt', quantity: 'status.batteryVoltage' }]));
      const { status, stdout, stderr } = cli('--codec', path.join(vendorDir, 'netvox-r718h-ttn.js'), '--port', '6', '--mapping', mapping, '011f01a400640000000000');
      assert.equal(status, 0, stderr);
      const out = JSON.parse(stdout);
      assert.deepEqual(out.data, { Device: 'R718H', Volt: 3.6, PulseCount: 100 });
      assert.deepEqual(out.warnings, ['low battery']);
      assert.deepEqual(out.measurements, [{ quantity: 'pulse_count', value: 100, unit: '1', kind: 'index' }]);
      assert.deepEqual(out.status, { batteryVoltage: 3.6 });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('prints the vendor data alone without a mapping, and refuses hostile codecs (exit 2)', () => {
    const ok = cli('--codec', path.join(vendorDir, 'milesight-style-decoder.js'), '--port', '85', '017564');
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).data, { battery: 100 });
    const loop = cli('--codec', path.join(vendorDir, 'hostile-loop.js'), '--port', '1', '01');
    assert.equal(loop.status, 2);
    assert.match(loop.stderr, /hostile-loop\.js: ran longer than its time limit/);
    const req = cli('--codec', path.join(vendorDir, 'hostile-require.js'), '--port', '1', '01');
    assert.equal(req.status, 2);
    assert.match(req.stderr, /uses require/);
  });

  it('explains bad input with exit code 2', () => {
    const some = [...catalog.keys()][0];
    const badHex = cli('--model', some ?? 'x', '--port', '1', '0g1');
    assert.equal(badHex.status, 2);
    assert.match(badHex.stderr, /neither hex nor base64|not valid hex/);
    const odd = cli('--model', some ?? 'x', '--port', '1', '011');
    assert.equal(odd.status, 2);
    assert.match(odd.stderr, /odd number of digits/);
    const port = cli('--model', some ?? 'x', '--port', '0', '01');
    assert.equal(port.status, 2);
    assert.match(port.stderr, /--port 0/);
    const usage = cli();
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /usage:/);
  });

  it('names close models for an unknown one', function () {
    const model = [...catalog.keys()].find((m) => m.length > 6);
    assert.ok(model, 'a model id to misspell');
    const { status, stderr } = cli('--model', model!.slice(0, -1), '--port', '1', '01');
    assert.equal(status, 2);
    assert.match(stderr, new RegExp(`unknown model "${model!.slice(0, -1)}"; close names: .*${model}`));
  });

  it('prints a DecodeError with its offset (exit 2)', function () {
    const file = goldenFiles().find((f) => catalog.has(f.model) && f.frames.some((fr) => fr.expectedError));
    assert.ok(file, 'a golden frame the vendor rejects');
    const frame = file!.frames.find((f) => f.expectedError)!;
    const { status, stderr } = cli('--model', file!.model, '--port', String(frame.fPort), frame.bytesHex);
    assert.equal(status, 2);
    assert.match(stderr, new RegExp(`cannot decode: ${file!.model}: .*\\(fPort ${frame.fPort}, byte \\d+\\)`));
  });
});
