/**
 * A small, strict CSV reader (RFC 4180) for the reference files of the territory (device registry,
 * buildings, lighting assets…), which non-developers edit in a spreadsheet:
 *
 * - fields may be quoted with `"`; a quote inside a quoted field is doubled (`""`); quoted fields may
 *   hold the delimiter and line breaks;
 * - the delimiter is `,`, `;` (French spreadsheets save with `;`) or a tab (TSV exports), detected
 *   from the header line unless given;
 * - a UTF-8 byte order mark is stripped; CRLF, LF and CR line ends are all accepted;
 * - empty lines (and rows of empty cells, as spreadsheets export them) are skipped; header names are
 *   trimmed; values are returned as written.
 *
 * Errors name the file (when given) and the line, so a city agent can find the mistake. Pure: no
 * Node-RED and no file-system import.
 */

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvOptions {
  /** Name of the file, used in error messages (`devices.csv line 4: …`). */
  file?: string;
  /** Forces the delimiter instead of detecting it from the header line. */
  delimiter?: CsvDelimiter;
}

export interface CsvTable {
  /** Column names, in file order. */
  header: string[];
  /** One record per data row, keyed by column name. */
  rows: Record<string, string>[];
  /** Line number (1-based, in the file) where each row starts; same order as `rows`. */
  lines: number[];
  /** The delimiter used. */
  delimiter: CsvDelimiter;
}

/** A CSV syntax error; `line` is 1-based. */
export class CsvError extends Error {
  constructor(message: string, readonly line: number, readonly file?: string) {
    super(`${file ? `${file} ` : ''}line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

interface RawRecord {
  fields: string[];
  line: number;
  /** True when no field is quoted and all are blank: an empty line, or a spreadsheet's `;;;` row. */
  empty: boolean;
}

/** Counts the candidate delimiters outside quotes on the first line; the most frequent one wins (`,` on a tie, then `;`). */
function detectDelimiter(text: string): CsvDelimiter {
  let commas = 0;
  let semicolons = 0;
  let tabs = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
    else if (!quoted && c === '\t') tabs++;
  }
  if (tabs > commas && tabs > semicolons) return '\t';
  return semicolons > commas ? ';' : ',';
}

function* records(text: string, delimiter: CsvDelimiter, file?: string): Generator<RawRecord> {
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let anyQuoted = false;
    for (;;) {
      // One field.
      let value = '';
      if (text[i] === '"') {
        anyQuoted = true;
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new CsvError('a quoted field is not closed (missing ")', quoteLine, file);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') { value += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (c === '\r' && text[i + 1] === '\n') { value += '\r\n'; i += 2; line++; continue; }
          if (c === '\n' || c === '\r') line++;
          value += c;
          i++;
        }
        const next = text[i];
        if (i < n && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new CsvError(`unexpected character ${JSON.stringify(next)} after a closing quote (a quote inside a field must be doubled: "")`, line, file);
        }
      } else {
        const start = i;
        while (i < n) {
          const c = text[i];
          if (c === delimiter || c === '\n' || c === '\r') break;
          if (c === '"') {
            throw new CsvError('a quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")', line, file);
          }
          i++;
        }
        value = text.slice(start, i);
      }
      fields.push(value);
      if (i < n && text[i] === delimiter) { i++; continue; }
      // End of record: a line break or the end of the text.
      if (i < n && text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else if (i < n) i++;
      line++;
      break;
    }
    yield { fields, line: startLine, empty: !anyQuoted && fields.every((f) => f.trim() === '') };
  }
}

/**
 * Parses CSV text into records keyed by the header line's column names.
 * Throws a {@link CsvError} naming the file and line on malformed input: unclosed quote, stray
 * quote, a row whose field count differs from the header, an empty or duplicate column name.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const file = options.file;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = options.delimiter ?? detectDelimiter(body);
  let header: string[] | undefined;
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  for (const record of records(body, delimiter, file)) {
    if (record.empty) continue;
    if (!header) {
      header = record.fields.map((name) => name.trim());
      const seen = new Set<string>();
      header.forEach((name, index) => {
        if (name === '') throw new CsvError(`column ${index + 1} of the header has no name`, record.line, file);
        if (seen.has(name)) throw new CsvError(`column "${name}" appears twice in the header`, record.line, file);
        seen.add(name);
      });
      continue;
    }
    if (record.fields.length !== header.length) {
      throw new CsvError(`${record.fields.length} fields where the header has ${header.length} ` +
        `(check the "${delimiter}" separators and the quotes)`, record.line, file);
    }
    const row: Record<string, string> = {};
    header.forEach((name, index) => { row[name] = record.fields[index]; });
    rows.push(row);
    lines.push(record.line);
  }
  if (!header) throw new CsvError('the file is empty (no header line)', 1, file);
  return { header, rows, lines, delimiter };
}
