// A small CSV reader (RFC 4180: comma separated, fields optionally in double quotes, "" for a
// quote inside quotes, CRLF or LF line ends, a newline allowed inside quotes). It yields one
// record per row with the line the row starts on, so a converter can report file:line.

export interface CsvRow {
  /** 1-based line number where the row starts (the header is line 1). */
  line: number;
  fields: string[];
}

/** Splits CSV text into rows. A quote left open at the end of the text yields an error row. */
export function* csvRows(text: string): Generator<CsvRow | { line: number; error: string }> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let atFieldStart = true;
    let ended = false;
    while (i < n) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          quoted = false; i++; continue;
        }
        if (c === '\n') line++;
        field += c; i++;
        continue;
      }
      if (c === '"' && atFieldStart) { quoted = true; atFieldStart = false; i++; continue; }
      if (c === ',') { fields.push(field); field = ''; atFieldStart = true; i++; continue; }
      if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
      if (c === '\n') { i++; line++; ended = true; break; }
      field += c; atFieldStart = false; i++;
    }
    if (quoted) { yield { line: start, error: 'a quoted field is not closed before the end of the file' }; return; }
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) yield { line: start, fields };
    if (!ended) break;
  }
}

/**
 * Rows as objects keyed by the header. A row with another number of fields than the header is
 * an error row (with its line), never a silently shifted record.
 */
export function* csvRecords(text: string): Generator<{ line: number; record: Record<string, string> } | { line: number; error: string }> {
  let header: string[] | null = null;
  for (const row of csvRows(text)) {
    if ('error' in row) { yield row; return; }
    if (header === null) { header = row.fields.map((h) => h.trim()); continue; }
    if (row.fields.length !== header.length) {
      yield { line: row.line, error: `${row.fields.length} fields, the header has ${header.length}` };
      continue;
    }
    const record: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) record[header[k]!] = row.fields[k]!;
    yield { line: row.line, record };
  }
}
