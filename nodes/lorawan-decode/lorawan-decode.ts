/**
 * `lorawan-decode`: turns an Uplink of lorawan-event into a Reading of canonical measurements
 * (DESIGN §4). A thin adapter over nodes/lib/decode (model resolution: registry > tag > profile >
 * default), the native codec catalog (nodes/lib/codecs) and the vendor codec sandbox
 * (nodes/lib/codecs/sandbox). Output 1: Readings; output 2: uplinks that could not be decoded, with
 * a reason (unknown device, unknown model, no payload...). Frames a codec rejects go to Catch nodes
 * through done(err). Everything is counted in the status.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Uplink } from '../lib/contracts';
import { DecodeError } from '../lib/codecs/types';
import { MappingRule, SandboxError, VendorModel } from '../lib/codecs/sandbox';
import { ModelDecoder, ModelResolver, parseRegistry, readingOf } from '../lib/decode';
import enUS = require('./locales/en-US/lorawan-decode.json');
import { compactCount, TextParams, Translate, translator } from '../lib/i18n';

interface VendorCodecDef {
  model?: string;
  file?: string;
  mapping?: MappingRule[];
}

interface LorawanDecodeDef extends NodeDef {
  registryFile?: string;
  defaultModel?: string;
  vendorCodecs?: VendorCodecDef[];
  timeoutMs?: number | string;
  watchRegistry?: boolean;
}

type UndecodedCode = 'unknown-device' | 'unknown-model' | 'no-payload' | 'not-uplink' | 'codec-unavailable';

/** The package's data folder, from dist/nodes/lorawan-decode/ or nodes/lorawan-decode/ (benchmark, tests on sources). */
const PACKAGE_DATA = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../data' : '../../data');
const STATUS_INTERVAL_MS = 500;
const WATCH_DEBOUNCE_MS = 250;
const DEFAULT_TIMEOUT_MS = 100;

type Params = TextParams;




/** A vendor codec that could not be loaded: its model is known, its frames go to the undecoded output. */
class UnavailableCodec implements ModelDecoder {
  constructor(readonly model: string, readonly reason: string) {}
  decode(): never {
    throw new Error(this.reason);
  }
}

/** The frame as a Buffer, whatever form it took on its way (Buffer, Uint8Array, JSON of a Buffer, byte array). */
function frameBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return Buffer.from(value as number[]);
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return undefined;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function setting(name: string): unknown {
    try {
      return (RED.settings as unknown as Record<string, unknown>)[name];
    } catch {
      return undefined;
    }
  }

  /** The data folder: RED.settings.supervisorDataDir when it exists, else the package's data/. */
  function dataDir(): string {
    const configured = setting('supervisorDataDir');
    return typeof configured === 'string' && configured !== '' && fs.existsSync(configured) ? configured : PACKAGE_DATA;
  }

  /** A configured file: absolute, or relative to the data folder; empty = devices.csv of the data folder (else the package's). */
  function registryPath(configured: string): string {
    if (configured !== '') return path.isAbsolute(configured) ? configured : path.resolve(dataDir(), configured);
    const own = path.join(dataDir(), 'devices.csv');
    return fs.existsSync(own) ? own : path.join(PACKAGE_DATA, 'devices.csv');
  }

  function LorawanDecodeNode(this: Node, config: LorawanDecodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const registryFile = registryPath(String(config.registryFile ?? '').trim());
    const defaultModel = String(config.defaultModel ?? '').trim();
    const timeoutText = String(config.timeoutMs ?? '').trim();
    let timeoutMs = timeoutText === '' ? DEFAULT_TIMEOUT_MS : Number(timeoutText);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > 10000) {
      node.warn(t('lorawan-decode.errors.timeout', { value: timeoutText, used: DEFAULT_TIMEOUT_MS }));
      timeoutMs = DEFAULT_TIMEOUT_MS;
    }
    const vendorDefs = (Array.isArray(config.vendorCodecs) ? config.vendorCodecs : [])
      .filter((def) => String(def.model ?? '').trim() !== '');

    let registry = new Map<string, string>();
    let vendor = new Map<string, ModelDecoder>();
    let resolver: ModelResolver | undefined;
    let ready: Promise<void> = Promise.resolve();
    let closed = false;

    let decoded = 0;
    let undecoded = 0;
    let errors = 0;
    let freshError: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | undefined;
    let watchTimer: NodeJS.Timeout | undefined;

    function showStatus(): void {
      statusTimer = undefined;
      if (closed) return;
      if (freshError !== undefined) {
        const reason = freshError;
        freshError = undefined;
        node.status({ fill: 'red', shape: 'ring', text: t('lorawan-decode.status.error', { n: compactCount(errors), reason }) });
        statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
        return;
      }
      let text = t('lorawan-decode.status.decoded', { n: compactCount(decoded) });
      if (undecoded > 0) text += ` · ${t('lorawan-decode.status.undecoded', { n: compactCount(undecoded) })}`;
      if (errors > 0) text += ` · ${t('lorawan-decode.status.errors', { n: compactCount(errors) })}`;
      node.status({ fill: 'green', shape: 'dot', text });
    }

    function statusChanged(): void {
      if (statusTimer === undefined && !closed) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    /** Reads the registry; on failure keeps the previous one and says why (the other sources still work). */
    function loadRegistry(): void {
      try {
        registry = parseRegistry(fs.readFileSync(registryFile, 'utf8'), registryFile);
      } catch (err) {
        node.error(t('lorawan-decode.errors.registry', { file: registryFile, detail: (err as Error).message }));
        node.status({ fill: 'red', shape: 'ring', text: t('lorawan-decode.status.registry') });
      }
    }

    function rebuild(): void {
      resolver = new ModelResolver({ registry, vendor, defaultModel });
    }

    /** Compiles the vendor codecs (each in its own sandbox); a broken one is reported and its model made unavailable. */
    async function loadVendorCodecs(): Promise<Map<string, ModelDecoder>> {
      const loaded = new Map<string, ModelDecoder>();
      for (const def of vendorDefs) {
        const model = String(def.model).trim();
        const fileText = String(def.file ?? '').trim();
        const file = path.isAbsolute(fileText) ? fileText : path.resolve(dataDir(), fileText);
        try {
          if (fileText === '') throw new Error(t('lorawan-decode.errors.no-file'));
          loaded.set(model, await VendorModel.load(model, file, Array.isArray(def.mapping) ? def.mapping : [], { timeoutMs }));
        } catch (err) {
          const reason = t('lorawan-decode.errors.vendor', { model, detail: (err as Error).message });
          node.error(reason);
          loaded.set(model, new UnavailableCodec(model, reason));
        }
      }
      return loaded;
    }

    function disposeVendor(models: Map<string, ModelDecoder>): void {
      for (const decoder of models.values()) if (decoder instanceof VendorModel) decoder.dispose();
    }

    /** (Re)loads the registry and the vendor codecs; messages wait for it. */
    function load(): Promise<void> {
      loadRegistry();
      if (vendorDefs.length === 0) {
        rebuild();
        return Promise.resolve();
      }
      resolver = undefined;
      const previous = vendor;
      return loadVendorCodecs().then((loaded) => {
        if (closed) {
          disposeVendor(loaded);
          return;
        }
        vendor = loaded;
        disposeVendor(previous);
        rebuild();
      });
    }

    function watchRegistry(): void {
      try {
        const base = path.basename(registryFile);
        watcher = fs.watch(path.dirname(registryFile), { persistent: false }, (_event, name) => {
          if (name !== null && name !== base) return;
          if (watchTimer) clearTimeout(watchTimer);
          watchTimer = setTimeout(() => {
            watchTimer = undefined;
            if (closed || !fs.existsSync(registryFile)) return;
            loadRegistry();
            if (resolver) rebuild();
            node.log(t('lorawan-decode.log.reloaded', { file: registryFile, n: registry.size }));
          }, WATCH_DEBOUNCE_MS);
        });
        watcher.on('error', () => { watcher?.close(); watcher = undefined; });
      } catch {
        watcher = undefined; // watching is a convenience: msg.topic "reload" still works
      }
    }

    ready = load();
    if (config.watchRegistry !== false) watchRegistry();

    function undecodedOut(msg: NodeMessageInFlow, code: UndecodedCode, params: Params, send: (msg: Array<NodeMessage | null>) => void, done: () => void): void {
      undecoded++;
      statusChanged();
      (msg as NodeMessageInFlow & { reason: unknown }).reason = { code, text: t(`lorawan-decode.reason.${code}`, params) };
      send([null, msg]);
      done();
    }

    function failed(err: unknown, devEui: string, model: string, fPort: number, done: (err?: Error) => void): void {
      errors++;
      statusChanged();
      const detail = err instanceof Error ? err.message : String(err);
      const cause: Record<string, unknown> = { devEui, model, fPort };
      let code = 'internal';
      if (err instanceof DecodeError) {
        code = err.code;
        cause.offset = err.offset;
        freshError = t('lorawan-decode.status.reason.decode');
      } else if (err instanceof SandboxError) {
        code = err.code;
        freshError = t('lorawan-decode.status.reason.vendor');
      } else {
        freshError = t('lorawan-decode.status.reason.internal');
      }
      const error = new Error(t('lorawan-decode.errors.decode', { device: devEui, model, port: fPort, detail }), { cause });
      error.name = 'lorawan-decode';
      (error as Error & { code: string }).code = code;
      done(error);
    }

    function handle(msg: NodeMessageInFlow, send: (msg: Array<NodeMessage | null>) => void, done: (err?: Error) => void): void {
      const uplink = msg.payload as Partial<Uplink> & { eventType?: string };
      if (uplink === null || typeof uplink !== 'object' || typeof uplink.devEui !== 'string') {
        errors++;
        freshError = t('lorawan-decode.status.reason.not-uplink');
        statusChanged();
        const error = new Error(t('lorawan-decode.errors.not-uplink'));
        error.name = 'lorawan-decode';
        (error as Error & { code: string }).code = 'not-uplink';
        done(error);
        return;
      }
      const devEui = uplink.devEui;
      if (uplink.eventType !== undefined && uplink.eventType !== 'up') {
        undecodedOut(msg, 'not-uplink', { device: devEui, type: String(uplink.eventType) }, send, done);
        return;
      }
      const fPort = typeof uplink.fPort === 'number' ? uplink.fPort : 0;
      let bytes = uplink.bytes;
      if (!Buffer.isBuffer(bytes)) bytes = frameBytes(bytes);
      if (bytes === undefined || bytes.length === 0 || fPort === 0) {
        undecodedOut(msg, 'no-payload', { device: devEui, port: fPort }, send, done);
        return;
      }
      const resolution = (resolver as ModelResolver).resolve(devEui, uplink.tags, uplink.deviceProfile);
      if (resolution === undefined) {
        undecodedOut(msg, 'unknown-device', { device: devEui }, send, done);
        return;
      }
      if (!resolution.ok) {
        undecodedOut(msg, 'unknown-model', { device: devEui, model: resolution.model, source: resolution.source }, send, done);
        return;
      }
      const decoder = resolution.decoder;
      if (decoder instanceof UnavailableCodec) {
        undecodedOut(msg, 'codec-unavailable', { device: devEui, model: decoder.model, detail: decoder.reason }, send, done);
        return;
      }
      let frame;
      try {
        frame = decoder.decode({ bytes, fPort, recvTime: new Date(uplink.time ?? Date.now()) });
      } catch (err) {
        failed(err, devEui, resolution.model, fPort, done);
        return;
      }
      decoded++;
      statusChanged();
      const out = msg as NodeMessageInFlow & { uplink: unknown; frameInfo?: unknown };
      out.uplink = uplink;
      out.topic = devEui;
      out.payload = readingOf(uplink as Uplink, resolution.model, frame);
      if (frame.info !== undefined) out.frameInfo = frame.info;
      send([out, null]);
      done();
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage | Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      if (msg.topic === 'reload') {
        ready = load();
        ready.then(() => done(), (err: unknown) => done(err as Error));
        return;
      }
      if (resolver !== undefined) {
        handle(msg, send, done);
        return;
      }
      // Vendor codecs still compiling: wait (messages keep their order: they wait on the same promise).
      ready.then(() => {
        if (closed) return done();
        if (resolver === undefined) rebuild();
        handle(msg, send, done);
      }, (err: unknown) => done(err as Error));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      if (watchTimer !== undefined) clearTimeout(watchTimer);
      statusTimer = undefined;
      watchTimer = undefined;
      watcher?.close();
      watcher = undefined;
      const finish = () => {
        disposeVendor(vendor);
        vendor = new Map();
        resolver = undefined;
        node.status({});
        done();
      };
      ready.then(finish, finish);
    });
  }

  RED.nodes.registerType('lorawan-decode', LorawanDecodeNode);
};
