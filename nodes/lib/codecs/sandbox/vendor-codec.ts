/**
 * Runs an unmodified vendor codec file (TTN / ChirpStack convention) isolated in QuickJS compiled to
 * WebAssembly (quickjs-emscripten, the engine ChirpStack v4 runs codecs in): the vendor code has its
 * own heap and its own built-ins, sees no host object (no require, no process, no network, no file
 * system), and cannot touch the host's prototypes (Adeunis libraries write Object.prototype: they
 * write the sandbox's). Each codec gets its own QuickJS runtime, with a memory bound and a deadline
 * per call (100 ms by default, as ChirpStack's `max_execution_time`); the file is compiled once and
 * called once per frame.
 *
 * Entry points, in the order they are looked for: `decodeUplink(input)` (TTN / ChirpStack v4, returns
 * `{data, warnings?, errors?}`), `Decode(fPort, bytes, variables)` (ChirpStack v3) and
 * `Decoder(bytes, port)` (TTN v2, Milesight, Adeunis), both returning the data. ES5 scripts run as
 * scripts (vendor files often assign undeclared variables, which a module would refuse); files with
 * `export`/`import` statements run as ES modules, as ChirpStack v4 runs them.
 *
 * Every failure (syntax error, missing entry point, timeout, out of memory, a forbidden API, errors
 * the codec reports, a result without data) throws a SandboxError naming the file and the cause; the
 * host is unharmed and the codec can be called again. No Node-RED import.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  getQuickJS, QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule,
} from 'quickjs-emscripten';
import { BIND_SOURCE, HARNESS_SOURCE } from './harness';

export type SandboxErrorCode =
  | 'file'          // the codec file cannot be read
  | 'syntax'        // the file does not parse
  | 'no-entry'      // no decodeUplink, Decode or Decoder function
  | 'timeout'       // a call (or the file's top level) ran past its deadline
  | 'memory'        // the codec went past its memory bound
  | 'forbidden'     // the codec used require, process, fetch... which the sandbox does not offer
  | 'runtime'       // any other exception thrown by the vendor code
  | 'codec-error'   // the codec answered with `errors`
  | 'bad-result'    // the codec returned no `data` object
  | 'disposed';     // the codec was disposed

/** A refusal of the sandbox: `codec` is the file (or name) of the vendor codec, `detail` the cause. */
export class SandboxError extends Error {
  constructor(readonly code: SandboxErrorCode, readonly codec: string, readonly detail: string) {
    super(`vendor codec ${codec}: ${detail}`);
    this.name = 'SandboxError';
  }
}

export interface SandboxOptions {
  /** Deadline of one decode call, in ms (ChirpStack's default: 100). */
  timeoutMs?: number;
  /** Deadline of the file's top-level code when it is compiled, in ms (default: 10 × timeoutMs, at least 1 s). */
  compileTimeoutMs?: number;
  /** Memory bound of the codec's QuickJS runtime, in bytes (default 16 MiB). */
  memoryLimitBytes?: number;
  /** Stack bound of the codec's runtime, in bytes (default 256 KiB, well inside the host's own stack). */
  maxStackBytes?: number;
  /** ChirpStack device variables given to the codec (`input.variables`, third argument of `Decode`). */
  variables?: Record<string, string>;
  /** Forces the evaluation mode; default: 'module' when the file has import/export statements. */
  type?: 'script' | 'module';
}

export const DEFAULT_TIMEOUT_MS = 100;
export const DEFAULT_MEMORY_LIMIT = 16 * 1024 * 1024;
export const DEFAULT_MAX_STACK = 256 * 1024;

/** What a vendor codec answered for one frame. */
export interface VendorResult {
  data: Record<string, unknown>;
  warnings: string[];
}

/** The entry-point convention the file was written for. */
export type CodecStyle = 'decodeUplink' | 'Decode' | 'Decoder';

let quickjs: Promise<QuickJSWASMModule> | undefined;

/** The QuickJS WebAssembly module, loaded once per process (the only asynchronous step). */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  quickjs ??= getQuickJS();
  return quickjs;
}

const MODULE_SYNTAX = /^[ \t]*(export\s+(function|const|let|var|default|async|class|\{|\*)|import[\s{*'"])/m;
const FORBIDDEN = /^'?(require|process|module|exports|fetch|XMLHttpRequest|WebSocket|setTimeout|setInterval|Buffer|global)'? is not defined/;

interface DumpedError {
  name?: string;
  message?: string;
  stack?: string;
}

/**
 * The frame as one string, one character per byte: U+0100 + byte, because QuickJS strings cross the
 * boundary as C strings (a 0 byte would end them). The harness turns it back into the `bytes` array.
 */
function frameText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(0x100 + bytes[i]);
  return text;
}

/** A vendor codec compiled in its own QuickJS runtime and context. Call dispose() when done. */
export class VendorCodec {
  readonly style: CodecStyle;
  private runtime: QuickJSRuntime | undefined;
  private context: QuickJSContext | undefined;
  private call: QuickJSHandle | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  /** The limit the current deadline stands for (for error messages). */
  private limitLabel = '';
  private readonly timeoutMs: number;

  /** Reads and compiles a codec file (loads QuickJS on first use). */
  static async fromFile(file: string, options: SandboxOptions = {}): Promise<VendorCodec> {
    const module = await loadQuickJS();
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new SandboxError('file', file, `cannot read the file (${(err as Error).message})`);
    }
    return new VendorCodec(module, source, file, options);
  }

  /**
   * Compiles `source` (the vendor file's text) in a new runtime of `module`; `name` names the codec in
   * errors (its file). Throws SandboxError, having released everything, when the file is unusable.
   */
  constructor(module: QuickJSWASMModule, source: string, readonly name: string, options: SandboxOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const compileTimeout = options.compileTimeoutMs ?? Math.max(1000, 10 * this.timeoutMs);
    const runtime = module.newRuntime();
    this.runtime = runtime;
    try {
      runtime.setMemoryLimit(options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT);
      runtime.setMaxStackSize(options.maxStackBytes ?? DEFAULT_MAX_STACK);
      runtime.setInterruptHandler(() => Date.now() > this.deadline);
      runtime.setModuleLoader((moduleName: string) => {
        throw new Error(`import of "${moduleName}": modules are not available in the sandbox`);
      });
      const context = runtime.newContext();
      this.context = context;
      this.deadline = Date.now() + compileTimeout;
      this.limitLabel = `${compileTimeout} ms to load the file`;
      this.evaluate(HARNESS_SOURCE, 'harness.js', 'script').dispose();
      if (options.variables) {
        this.callGlobal('__gpVariables', JSON.stringify(options.variables));
      }
      const type = options.type ?? (MODULE_SYNTAX.test(source) ? 'module' : 'script');
      const fileName = path.basename(name);
      let style: string;
      if (type === 'module') {
        const exports = this.evaluate(source, fileName, 'module');
        try {
          const bind = context.getProp(context.global, '__gpBind');
          const ttn = context.getProp(exports, 'decodeUplink');
          const v3 = context.getProp(exports, 'Decode');
          const legacy = context.getProp(exports, 'Decoder');
          const result = context.callFunction(bind, context.undefined, ttn, v3, legacy);
          for (const handle of [bind, ttn, v3, legacy]) handle.dispose();
          style = this.unwrap(result, 'runtime').consume((h) => context.getString(h));
        } finally {
          exports.dispose();
        }
        if (style === '') {
          // `globalThis.decodeUplink = …` in a module (Watteco bundles do this).
          style = this.evaluate(BIND_SOURCE, 'bind.js', 'script').consume((h) => context.getString(h));
        }
      } else {
        this.evaluate(source, fileName, 'script').dispose();
        style = this.evaluate(BIND_SOURCE, 'bind.js', 'script').consume((h) => context.getString(h));
      }
      if (style === '') {
        throw new SandboxError('no-entry', name, 'defines no decodeUplink(input), Decode(fPort, bytes, variables) or Decoder(bytes, port) function');
      }
      this.style = style as CodecStyle;
      this.call = context.getProp(context.global, '__gpCall');
    } catch (err) {
      this.dispose();
      throw err;
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Decodes one frame: `{data, warnings}` of the vendor's answer. Throws SandboxError on any failure,
   * including `errors` returned by the codec.
   */
  decode(bytes: Uint8Array, fPort: number, recvTime: Date = new Date()): VendorResult {
    const context = this.context;
    const call = this.call;
    if (context === undefined || call === undefined) throw new SandboxError('disposed', this.name, 'the codec has been disposed');
    const arg0 = context.newString(frameText(bytes));
    const arg1 = context.newNumber(fPort);
    const arg2 = context.newNumber(recvTime.getTime());
    let json: string;
    this.deadline = Date.now() + this.timeoutMs;
    this.limitLabel = `${this.timeoutMs} ms per frame`;
    try {
      const result = context.callFunction(call, context.undefined, arg0, arg1, arg2);
      json = this.unwrap(result, 'runtime').consume((h) => context.getString(h));
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
      arg0.dispose();
      arg1.dispose();
      arg2.dispose();
    }
    return this.check(JSON.parse(json) as unknown);
  }

  /** Releases the runtime; the codec cannot be used afterwards. Safe to call twice. */
  dispose(): void {
    this.call?.dispose();
    this.call = undefined;
    this.context?.dispose();
    this.context = undefined;
    this.runtime?.dispose();
    this.runtime = undefined;
  }

  /** Validates the vendor's answer (TTN: any entry in `errors` fails the decode; `data` must be an object). */
  private check(out: unknown): VendorResult {
    if (out === null || typeof out !== 'object') throw new SandboxError('bad-result', this.name, `${this.style} returned ${out === null ? 'nothing' : typeof out}`);
    const { data, errors, warnings } = out as { data?: unknown; errors?: unknown; warnings?: unknown };
    if (Array.isArray(errors) && errors.length > 0) {
      throw new SandboxError('codec-error', this.name, `the codec reports: ${errors.map(String).join('; ')}`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new SandboxError('bad-result', this.name, `${this.style} did not return a 'data' object`);
    }
    return { data: data as Record<string, unknown>, warnings: Array.isArray(warnings) ? warnings.map(String) : [] };
  }

  private evaluate(code: string, fileName: string, type: 'script' | 'module'): QuickJSHandle {
    const context = this.context as QuickJSContext;
    return this.unwrap(context.evalCode(code, fileName, { type: type === 'module' ? 'module' : 'global' }), type === 'module' || fileName !== 'harness.js' ? 'syntax' : 'runtime');
  }

  private callGlobal(name: string, text: string): void {
    const context = this.context as QuickJSContext;
    const fn = context.getProp(context.global, name);
    const arg = context.newString(text);
    try {
      this.unwrap(context.callFunction(fn, context.undefined, arg), 'runtime').dispose();
    } finally {
      arg.dispose();
      fn.dispose();
    }
  }

  /** The value of a QuickJS result, or a SandboxError classifying its exception (the error handle is disposed). */
  private unwrap(result: { error?: QuickJSHandle; value?: QuickJSHandle }, fallback: 'syntax' | 'runtime'): QuickJSHandle {
    if (!result.error) return result.value as QuickJSHandle;
    const context = this.context as QuickJSContext;
    let dumped: DumpedError;
    try {
      const raw = context.dump(result.error) as unknown;
      dumped = raw !== null && typeof raw === 'object' ? raw as DumpedError : { message: String(raw) };
    } catch {
      dumped = { message: 'unreadable exception' };
    } finally {
      result.error.dispose();
    }
    throw this.classify(dumped, fallback);
  }

  private classify(error: DumpedError, fallback: 'syntax' | 'runtime'): SandboxError {
    const name = error.name ?? 'Error';
    const message = error.message ?? '';
    const where = /\((?:[^():]*):(\d+):(\d+)\)/.exec(error.stack ?? '') ?? /:(\d+):(\d+)/.exec(error.stack ?? '');
    const at = where ? ` at line ${where[1]}, column ${where[2]}` : '';
    if (message === 'interrupted') {
      return new SandboxError('timeout', this.name, `ran longer than its time limit (${this.deadlineLabel()}) and was stopped`);
    }
    if (/out of memory/i.test(message)) return new SandboxError('memory', this.name, 'went past its memory limit and was stopped');
    if (/stack overflow/i.test(message)) return new SandboxError('runtime', this.name, `stack overflow (recursion too deep)${at}`);
    if (name === 'SyntaxError') return new SandboxError('syntax', this.name, `syntax error: ${message}${at}`);
    const forbidden = FORBIDDEN.exec(message);
    if (forbidden) {
      return new SandboxError('forbidden', this.name, `uses ${forbidden[1]}, which the sandbox does not offer (no modules, no file system, no network, no timers)${at}`);
    }
    if (/could not load module|modules are not available/.test(message)) {
      return new SandboxError('forbidden', this.name, `${message} (no modules, no file system, no network in the sandbox)`);
    }
    return new SandboxError(fallback === 'syntax' && name === 'SyntaxError' ? 'syntax' : 'runtime', this.name, `${name}: ${message}${at}`);
  }

  private deadlineLabel(): string {
    return this.limitLabel;
  }
}
