// A small router for node:http: exact paths, per-method handlers, an optional guard (e.g. a
// bearer token for control routes), and a request-body size limit. Routes can be registered at
// any time, before or after the server starts listening.
//
// Replies: an unknown path is 404, a known path with another method 405 (with Allow), a body over
// the limit 413, a guard's refusal its own status, and a handler that throws 500 with a one-line
// message (no stack trace reaches the client). HEAD is answered for every GET route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OptionError } from '../../protocol/errors.ts';

export interface Reply {
  readonly status: number;
  readonly body: string | Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The request body (empty when none was sent), at most the route's limit. */
  readonly body: Buffer;
}

/** Returns null to let the request through, or the reply that refuses it. */
export type Guard = (req: IncomingMessage) => Reply | null;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly handler: (ctx: RequestContext) => Reply | Promise<Reply>;
  readonly guard?: Guard;
  /** Largest request body accepted, bytes (default: the router's). */
  readonly bodyLimitBytes?: number;
}

export const kDefaultBodyLimitBytes = 64 * 1024;
const kTextPlain = 'text/plain; charset=utf-8';
const kJson = 'application/json; charset=utf-8';

export function textReply(status: number, text: string): Reply {
  return { status, body: text.endsWith('\n') ? text : `${text}\n`, contentType: kTextPlain };
}

export function jsonReply(status: number, value: unknown): Reply {
  return { status, body: `${JSON.stringify(value)}\n`, contentType: kJson };
}

export class Router {
  readonly bodyLimitBytes: number;
  readonly #routes = new Map<string, Map<string, Route>>();

  constructor(options: { bodyLimitBytes?: number } = {}) {
    this.bodyLimitBytes = checkLimit('http.bodyLimitBytes', options.bodyLimitBytes ?? kDefaultBodyLimitBytes);
  }

  add(route: Route): this {
    if (typeof route.path !== 'string' || !route.path.startsWith('/')) throw new OptionError(`http route path must start with "/", got ${JSON.stringify(route.path)}`);
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(route.method)) throw new OptionError(`http route ${route.path}: method must be GET, POST, PUT or DELETE, got ${JSON.stringify(route.method)}`);
    if (typeof route.handler !== 'function') throw new OptionError(`http route ${route.method} ${route.path}: handler must be a function`);
    if (route.bodyLimitBytes !== undefined) checkLimit(`http route ${route.method} ${route.path}: bodyLimitBytes`, route.bodyLimitBytes);
    let byMethod = this.#routes.get(route.path);
    if (byMethod === undefined) this.#routes.set(route.path, (byMethod = new Map()));
    if (byMethod.has(route.method)) throw new OptionError(`http route ${route.method} ${route.path} is already registered`);
    byMethod.set(route.method, route);
    return this;
  }

  /** Paths served, with their methods (for tests and the startup line). */
  paths(): string[] {
    return [...this.#routes.keys()].sort();
  }

  /** Serves one request; never throws, never leaves the response open. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    const method = req.method ?? 'GET';
    // The request target split by hand: no parser that can throw on a hostile one.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const byMethod = this.#routes.get(path);
    const route = byMethod?.get(method === 'HEAD' ? 'GET' : method);
    if (byMethod === undefined) reply = textReply(404, `not found: ${printable(path)}`);
    else if (route === undefined) {
      const allow = [...byMethod.keys()];
      if (allow.includes('GET')) allow.push('HEAD');
      reply = { ...textReply(405, `method ${method} not allowed on ${path}`), headers: { allow: allow.join(', ') } };
    } else {
      reply = await this.#serve(route, req, method, path, query);
    }
    if (reply.status === 413) res.setHeader('connection', 'close');
    send(res, reply, method === 'HEAD');
    if (reply.status === 413) req.resume();
  }

  async #serve(route: Route, req: IncomingMessage, method: string, path: string, query: URLSearchParams): Promise<Reply> {
    const refused = route.guard?.(req) ?? null;
    if (refused !== null) return refused;
    const limit = route.bodyLimitBytes ?? this.bodyLimitBytes;
    const body = await readBody(req, limit);
    if (body === null) return textReply(413, `request body over ${limit} bytes`);
    try {
      return await route.handler({ req, method, path, query, body });
    } catch (err) {
      return textReply(500, `${route.method} ${route.path} failed: ${oneLine(err)}`);
    }
  }
}

/** The body, or null when it is (or declares itself) larger than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | null): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(v);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) finish(null);
      else chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => finish(Buffer.concat(chunks, size)));
    req.once('error', () => finish(null));
    req.once('close', () => finish(chunks.length === 0 ? Buffer.alloc(0) : Buffer.concat(chunks)));
  });
}

function send(res: ServerResponse, reply: Reply, headOnly: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.statusCode = reply.status;
  res.setHeader('content-type', reply.contentType ?? kTextPlain);
  res.setHeader('content-length', body.length);
  res.setHeader('cache-control', 'no-store');
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.end(headOnly ? undefined : body);
}

/** At most 200 characters, control characters replaced, for echoing a client's path back. */
function printable(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > 200 ? `${t.slice(0, 197)}...` : t;
}

export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0];
}

function checkLimit(key: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 64 * 1024 * 1024) throw new OptionError(`${key} must be an integer number of bytes in 0..67108864, got ${String(v)}`);
  return v;
}
