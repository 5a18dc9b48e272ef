/**
 * The JavaScript evaluated inside every sandbox before the vendor's file (plain ES5, runs in QuickJS).
 * It captures the built-ins it needs before vendor code can replace them, offers a silent `console`
 * (many vendor files log), and defines two non-writable globals:
 *   - `__gpBind(decodeUplink, Decode, Decoder)`: remembers the entry point the vendor file defines;
 *   - `__gpCall(latin1, fPort, recvTimeMs)`: turns the frame (one character per byte, U+0100 + byte) into the vendor's
 *     `bytes` array, calls the entry point with the convention it was written for, and returns the
 *     result as JSON text (one string crosses the boundary, whatever the shape of the result).
 */
export const HARNESS_SOURCE = `(function (g) {
  var stringify = JSON.stringify, parse = JSON.parse, DateCtor = Date, define = Object.defineProperty;
  var noop = function () {};
  if (typeof g.console === 'undefined') {
    g.console = { log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop };
  }
  var entry = null, style = '', variables = {};
  function toBytes(s) {
    var n = s.length, a = new Array(n);
    for (var i = 0; i < n; i++) a[i] = s.charCodeAt(i) - 256;
    return a;
  }
  define(g, '__gpBind', { value: function (ttn, v3, legacy) {
    if (typeof ttn === 'function') { entry = ttn; style = 'decodeUplink'; }
    else if (typeof v3 === 'function') { entry = v3; style = 'Decode'; }
    else if (typeof legacy === 'function') { entry = legacy; style = 'Decoder'; }
    return style;
  } });
  define(g, '__gpVariables', { value: function (json) { variables = parse(json); } });
  define(g, '__gpCall', { value: function (s, fPort, t) {
    var bytes = toBytes(s), out;
    if (style === 'decodeUplink') {
      out = entry({ bytes: bytes, fPort: fPort, recvTime: new DateCtor(t), variables: variables });
    } else if (style === 'Decode') {
      out = { data: entry(fPort, bytes, variables) };
    } else {
      out = { data: entry(bytes, fPort) };
    }
    var json = stringify(out === undefined ? null : out);
    return typeof json === 'string' ? json : 'null';
  } });
})(globalThis);
`;

/** Evaluated after a script-style vendor file: finds its entry point, whether a declaration, a var or a globalThis property. */
export const BIND_SOURCE = `__gpBind(typeof decodeUplink === 'function' ? decodeUplink : undefined,
  typeof Decode === 'function' ? Decode : undefined,
  typeof Decoder === 'function' ? Decoder : undefined)`;
