// Operator tokens: who may change something. From the environment variable LUCENT_TOKEN and/or a
// file (--token-file), one token a line as `name:token` (or a bare token, named `operator`; in
// LUCENT_TOKEN a bare token is named `env`); blank lines and `#` comments are skipped. A token
// has at least 16 characters. The name is what the audit trail records as who; the token itself
// is never logged, echoed or written anywhere (only its SHA-256 is kept). A request proves a
// token with `Authorization: Bearer <token>`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { OptionError } from '../../protocol/errors.ts';

export const kTokenEnv = 'LUCENT_TOKEN';
const kMinLength = 16;
const kName = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class Tokens {
  readonly #entries: { name: string; hash: Buffer }[] = [];

  get size(): number { return this.#entries.length; }
  names(): string[] { return this.#entries.map((e) => e.name); }

  add(name: string, token: string, where: string): this {
    if (!kName.test(name)) throw new OptionError(`${where}: token name ${JSON.stringify(name.slice(0, 64))} must be letters, digits, _ . @ - (1–64)`);
    if (token.length < kMinLength || /\s/.test(token)) throw new OptionError(`${where}: the token named ${name} must be at least ${kMinLength} characters without spaces`);
    if (this.#entries.some((e) => e.name === name)) throw new OptionError(`${where}: the token name ${name} is given twice`);
    this.#entries.push({ name, hash: digest(token) });
    return this;
  }

  /** Parses `name:token` lines (or one bare token, named `bareName`). */
  addText(text: string, where: string, bareName: string): this {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    lines.forEach((line, i) => {
      const at = line.indexOf(':');
      if (at < 0) {
        if (lines.length > 1) throw new OptionError(`${where} line ${i + 1}: write name:token when a file holds several tokens`);
        this.add(bareName, line, where);
      } else this.add(line.slice(0, at), line.slice(at + 1), `${where} line ${i + 1}`);
    });
    return this;
  }

  /** From LUCENT_TOKEN and the token file (either, both, or neither: then no one can change anything). */
  static load(file: string | null | undefined, env: NodeJS.ProcessEnv = process.env): Tokens {
    const t = new Tokens();
    const e = env[kTokenEnv];
    if (e !== undefined && e.trim() !== '') t.addText(e, kTokenEnv, 'env');
    if (file !== null && file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new OptionError(`--token-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      t.addText(text, `--token-file ${file}`, 'operator');
    }
    return t;
  }

  /** The name of the token the request carries, or null (missing, malformed or unknown). */
  who(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer (\S+)$/i.exec(header) : null;
    if (m === null) return null;
    const h = digest(m[1]!);
    let name: string | null = null;
    for (const e of this.#entries) if (timingSafeEqual(h, e.hash) && name === null) name = e.name;
    return name;
  }
}
