// The `--http` command-line option → a startHttp config.
//   --http                /health and /ready on 127.0.0.1:8080, /metrics on 127.0.0.1:9090
//   --http HOST           the same ports on HOST (e.g. 0.0.0.0 in a container)
//   --http HOST:PORT      all three on one address; `:PORT` means 127.0.0.1:PORT
//   --http [IPV6]:PORT    IPv6 in brackets; `[IPV6]` alone takes the two default ports
import { isIPv4, isIPv6 } from 'node:net';
import { OptionError } from '../../protocol/errors.ts';
import { kDefaultHost, kHealthPort, kMetricsPort, type HttpConfig } from './server.ts';

const kHostnameRe = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `value` is the option's text, or true / undefined / '' for the bare flag. */
export function parseHttpOption(value: string | true | undefined): HttpConfig {
  if (value === undefined || value === true || value === '') return split(kDefaultHost);
  if (typeof value !== 'string') throw new OptionError(`--http takes HOST, HOST:PORT or nothing, got ${String(value)}`);
  const text = value.trim();
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracket !== null) {
    const host = bracket[1];
    if (!isIPv6(host)) throw new OptionError(`--http: "${host}" in brackets is not an IPv6 address`);
    return bracket[2] === undefined ? split(host) : { all: { host, port: port(bracket[2], text) } };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) throw new OptionError(`--http: "${text}" has several colons; write an IPv6 address in brackets, e.g. [::1]:9090`);
  if (colons === 0) return split(host(text, text));
  const at = text.lastIndexOf(':');
  const h = text.slice(0, at);
  return { all: { host: h === '' ? kDefaultHost : host(h, text), port: port(text.slice(at + 1), text) } };
}

/** One line for the startup banner, e.g. "health 127.0.0.1:8080, metrics 127.0.0.1:9090". */
export function describeHttp(config: HttpConfig): string {
  const at = (a: { host?: string; port: number }): string => {
    const h = a.host ?? kDefaultHost;
    return `${isIPv6(h) ? `[${h}]` : h}:${a.port}`;
  };
  return 'all' in config ? `health, ready and metrics on ${at(config.all)}` : `health and ready on ${at(config.health)}, metrics on ${at(config.metrics)}`;
}

function split(host: string): HttpConfig {
  return { health: { host, port: kHealthPort }, metrics: { host, port: kMetricsPort } };
}

function host(h: string, text: string): string {
  if (isIPv4(h) || (kHostnameRe.test(h) && !/^[\d.]+$/.test(h))) return h;
  throw new OptionError(`--http: "${h}" in "${text}" is not an IPv4 address or a host name`);
}

function port(p: string, text: string): number {
  const n = /^\d{1,5}$/.test(p) ? Number(p) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new OptionError(`--http: port "${p}" in "${text}" must be an integer in 1..65535`);
  return n;
}
