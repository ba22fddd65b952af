import { VolumeIoError } from './errors';

/** One parsed CSV record and the 1-based line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Guesses the delimiter of a header line: tab, semicolon or comma, whichever occurs most. */
export function detectDelimiter(headerLine: string): string {
  const count = (c: string) => headerLine.split(c).length - 1;
  const tabs = count('\t');
  const semis = count(';');
  const commas = count(',');
  if (tabs > 0 && tabs >= commas && tabs >= semis) return '\t';
  if (semis > commas) return ';';
  return ',';
}

/**
 * Splits CSV text into records (RFC 4180: quoted fields with doubled quotes and embedded
 * delimiters or newlines). Blank lines and lines starting with `#` are skipped; a byte-order mark
 * is dropped.
 */
export function parseCsv(text: string, delimiter?: string): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = src.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  const sep = delimiter ?? detectDelimiter(firstLine);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let startLine = 1;
  let quoted = false;
  let atRecordStart = true;
  const endRecord = () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0]?.trim() === '';
    if (!blank && !(fields[0] ?? '').startsWith('#')) records.push({ fields, line: startLine });
    fields = [];
    field = '';
    atRecordStart = true;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (atRecordStart) {
      startLine = line;
      atRecordStart = false;
    }
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === sep) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else {
      field += c;
    }
  }
  if (!atRecordStart) endRecord();
  return records;
}

/** Quotes a field when it holds the delimiter, a quote or a line break. */
export function csvField(value: string, delimiter = ','): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Where a problem is, for error messages. */
export interface CsvWhere {
  file?: string;
}

/**
 * The header of parsed CSV records, names trimmed; `CSV_EMPTY` (saying `expected`) when there is
 * none.
 */
export function csvHeader(records: readonly CsvRecord[], where: CsvWhere, expected: string): string[] {
  const header = records[0];
  if (!header) throw new VolumeIoError('CSV_EMPTY', `the CSV is empty; expected ${expected}`, where);
  return header.fields.map((f) => f.trim());
}

/** Checks that every row has as many fields as the header (`CSV_BAD_ROW` naming the line). */
export function checkRowWidths(rows: readonly CsvRecord[], width: number, where: CsvWhere): void {
  for (const r of rows) {
    if (r.fields.length !== width) {
      throw new VolumeIoError(
        'CSV_BAD_ROW',
        `line ${r.line} has ${r.fields.length} fields, the header has ${width}`,
        where,
      );
    }
  }
}

/** A finite number from a cell, or `CSV_BAD_NUMBER` naming the line and the column. */
export function csvNumber(raw: string, line: number, column: string, where: CsvWhere): number {
  const t = raw.trim();
  const v = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(v)) {
    throw new VolumeIoError(
      'CSV_BAD_NUMBER',
      `line ${line}, column "${column}": expected a finite number, got ${JSON.stringify(raw)}`,
      where,
    );
  }
  return v;
}

/**
 * Reads the cells of one column as they are worth keeping on a point: numbers when every cell of
 * the column is numeric (blank or NaN cells become NaN), otherwise the text as it is.
 */
export function columnReader(rows: readonly CsvRecord[], index: number): (row: CsvRecord) => number | string {
  const numeric = rows.every((r) => {
    const s = (r.fields[index] ?? '').trim();
    return s === '' || s.toLowerCase() === 'nan' || !Number.isNaN(Number(s));
  });
  return (row) => {
    const raw = row.fields[index] ?? '';
    if (!numeric) return raw;
    const t = raw.trim();
    return t === '' ? Number.NaN : Number(t);
  };
}
