// Writes and checks the snapshotFields() methods of the classes whose state a snapshot holds
// (protocol/snapshot.ts): one line per own field, read from the class's field declarations.
//   node scripts/snapshot-fields.ts --add <file>:<Class>[,<Class>…] …   write (or rewrite) the method
//   node scripts/snapshot-fields.ts --check                            every such method lists exactly
//                                                                      its class's fields (exit 1 if not)
// A rewrite keeps the fields a person marked bound (`v.b('name')`: shared memory, configuration,
// callbacks the new engine builds itself); a new field is saved until someone marks it bound.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface FieldDecl { name: string; priv: boolean; readonly: boolean }
export interface ClassInfo { name: string; start: number; end: number; fields: FieldDecl[]; method: { start: number; end: number; lines: string[] } | null }

const kClass = /^(?:export )?(?:default )?(?:abstract )?class (\w+)/;
const kField = /^ {2}((?:(?:readonly|private|public|protected|override|declare|static) )*)(#?[A-Za-z_$][\w$]*)[?!]?\s*(?::|=|;)/;
const kMethodStart = /^ {2}snapshotFields\(v: Fields\): void \{$/;
export const kMethodDoc = '  /** Every own field, for a state snapshot (protocol/snapshot.ts; scripts/snapshot-fields.ts writes and checks this list). */';

/** The classes of a source file with their instance fields and their snapshotFields() method. */
export function classesOf(src: string): ClassInfo[] {
  const lines = src.split('\n');
  const out: ClassInfo[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = kClass.exec(lines[i]!);
    if (m === null) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '}') end++;
    const fields: FieldDecl[] = [];
    let method: ClassInfo['method'] = null;
    for (let j = i + 1; j < end; j++) {
      const line = lines[j]!;
      if (kMethodStart.test(line)) {
        let k = j + 1;
        while (k < end && lines[k] !== '  }') k++;
        method = { start: lines[j - 1] === kMethodDoc ? j - 1 : j, end: k, lines: lines.slice(j + 1, k) };
        j = k;
        continue;
      }
      if (kField.exec(line) === null) continue;
      // a line may declare several fields (`readonly #a: T; readonly #b: T;`)
      for (const part of statements(line)) {
        const f = kField.exec(`  ${part.trim()}`);
        if (f === null) continue;
        const mods = f[1]!;
        if (mods.includes('static')) continue;
        const name = f[2]!;
        fields.push({ name: name.replace(/^#/, ''), priv: name.startsWith('#'), readonly: mods.includes('readonly') });
      }
    }
    out.push({ name: m[1]!, start: i, end, fields, method });
    i = end;
  }
  return out;
}

/** A line split at its top-level semicolons (not those inside brackets, braces, generics or strings). */
function statements(line: string): string[] {
  const out: string[] = [];
  let depth = 0, quote = '', from = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== '') { if (c === '\\') i++; else if (c === quote) quote = ''; continue; }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '/' && line[i + 1] === '/') break;
    else if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || (c === '>' && line[i - 1] !== '=')) depth--;
    else if (c === ';' && depth === 0) { out.push(line.slice(from, i + 1)); from = i + 1; }
  }
  if (line.slice(from).trim() !== '' && !line.slice(from).trim().startsWith('//')) out.push(line.slice(from));
  return out;
}

/** The names a method marks bound. */
function boundIn(method: ClassInfo['method']): Set<string> {
  const out = new Set<string>();
  for (const l of method?.lines ?? []) {
    const m = /v\.b\('([^']+)'\)/.exec(l);
    if (m) out.add(m[1]!);
  }
  return out;
}

function methodLines(c: ClassInfo, bound: Set<string>): string[] {
  const body = c.fields.map((f) => {
    const ref = `this.${f.priv ? '#' : ''}${f.name}`;
    if (bound.has(f.name)) return `    v.b('${f.name}');`;
    return f.readonly ? `    v.r('${f.name}', ${ref});` : `    ${ref} = v.f('${f.name}', ${ref});`;
  });
  return [kMethodDoc, '  snapshotFields(v: Fields): void {', ...body, '  }'];
}

/** What is wrong with a class's method (empty: it lists exactly the class's fields, each the right way). */
export function checkClass(c: ClassInfo): string[] {
  if (c.method === null) return [];
  const problems: string[] = [];
  const bound = boundIn(c.method);
  const want = methodLines(c, bound).slice(2, -1);
  const have = c.method.lines;
  for (const l of want) if (!have.includes(l)) problems.push(`${c.name}: missing or wrong: ${l.trim()}`);
  for (const l of have) if (!want.includes(l)) problems.push(`${c.name}: not a field of the class (or written the wrong way): ${l.trim()}`);
  return problems;
}

function add(file: string, names: string[]): void {
  let src = readFileSync(file, 'utf8');
  for (const name of names) {
    const c = classesOf(src).find((k) => k.name === name);
    if (c === undefined) throw new Error(`${file}: no class ${name}`);
    const lines = src.split('\n');
    const next = methodLines(c, boundIn(c.method));
    if (c.method !== null) lines.splice(c.method.start, c.method.end - c.method.start + 1, ...next);
    else lines.splice(c.end, 0, ...(lines[c.end - 1]!.trim() === '' || lines[c.end - 1]!.endsWith('{') ? next : ['', ...next]));
    src = lines.join('\n');
  }
  if (!/\bFields\b[^;]*from '[^']*snapshot\.ts'/.test(src)) {
    let spec = relative(dirname(file), join(process.cwd(), 'protocol', 'snapshot.ts'));
    if (!spec.startsWith('.')) spec = `./${spec}`;
    const lines = src.split('\n');
    let at = -1;
    for (let i = 0; i < lines.length; i++) if (/^import /.test(lines[i]!)) { at = i; while (!lines[at]!.includes(' from ') && at < lines.length - 1) at++; }
    lines.splice(at + 1, 0, `import type { Fields } from '${spec}';`);
    src = lines.join('\n');
  }
  writeFileSync(file, src);
}

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p;
  }
}

/** Every problem in the project's snapshotFields() methods. */
export function checkAll(root: string): string[] {
  const problems: string[] = [];
  for (const dir of ['engine', 'workers', 'protocol', 'finance']) {
    for (const file of sources(join(root, dir))) {
      const src = readFileSync(file, 'utf8');
      if (!src.includes('snapshotFields(v: Fields)')) continue;
      for (const c of classesOf(src)) for (const p of checkClass(c)) problems.push(`${relative(root, file)}: ${p}`);
    }
  }
  return problems;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args[0] === '--check') {
    const problems = checkAll(process.cwd());
    for (const p of problems) console.error(p);
    process.exit(problems.length === 0 ? 0 : 1);
  }
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--add') throw new Error(`unknown argument ${args[i]}`);
    const [file, classes] = args[++i]!.split(':');
    add(file!, classes!.split(','));
  }
}
