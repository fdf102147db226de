// The CSV reader: quoting, escaped quotes, newlines inside quotes, CRLF, line numbers, bad rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { csvRecords, csvRows } from './csv.ts';

test('quoted fields, escaped quotes, embedded commas and newlines, CRLF', () => {
  const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\nlines",\n\n3,,z';
  assert.equal([...csvRows(text)], [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
    { line: 3, fields: ['2', 'two\nlines', ''] },
    { line: 6, fields: ['3', '', 'z'] },
  ]);
});

test('records keyed by the header; a short row and an unclosed quote are errors with their line', () => {
  const out = [...csvRecords('k,v\n1,one\n2\n3,"open\n')];
  assert.equal(out, [
    { line: 2, record: { k: '1', v: 'one' } },
    { line: 3, error: '1 fields, the header has 2' },
    { line: 4, error: 'a quoted field is not closed before the end of the file' },
  ]);
  assert.equal([...csvRecords('k,v\n')], []);
});

test.run();
