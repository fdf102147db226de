// startHttp: the engine's HTTP endpoints on node:http.
//
// Two layouts, as in the record's deployment:
//   { health: {host, port}, metrics: {host, port} }  /health and /ready on one address (8080 in
//                                                    the deployment), /metrics on another (9090)
//   { all: {host, port} }                            all three on one address
// Hosts default to 127.0.0.1. Port 0 takes a free port (the bound addresses are returned).
// `routes` is the router of the health address: later routes (control endpoints, with a guard)
// are registered there, before or after start. stop() closes the listeners and every open
// connection (a scraper's keep-alive included) and resolves when they are closed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LucentError, OptionError } from '../../protocol/errors.ts';
import { healthRoute, LoopWatch, metricsRoute, readyRoute, type MetricsDeps, type ProbeDeps } from './probes.ts';
import { Router } from './router.ts';

export interface HttpAddress {
  readonly host?: string;
  readonly port: number;
}

export type HttpConfig =
  | { readonly health: HttpAddress; readonly metrics: HttpAddress }
  | { readonly all: HttpAddress };

export interface HttpDeps extends ProbeDeps {
  readonly metrics: MetricsDeps;
  /** Largest request body any route accepts unless it says otherwise. Default 64 KiB. */
  readonly bodyLimitBytes?: number;
}

export interface HttpHandle {
  /** Where /health and /ready are served (and later control routes). */
  readonly health: AddressInfo;
  /** Where /metrics is served (the same address in single-address mode). */
  readonly metrics: AddressInfo;
  /** The health address's router: register further routes here. */
  readonly routes: Router;
  stop(): Promise<void>;
}

export const kDefaultHost = '127.0.0.1';
export const kHealthPort = 8080;
export const kMetricsPort = 9090;
const kRequestTimeoutMs = 10_000;
const kHeadersTimeoutMs = 5_000;

export async function startHttp(config: HttpConfig, deps: HttpDeps): Promise<HttpHandle> {
  const plan = checkConfig(config);
  const loop = new LoopWatch();
  const routes = new Router({ bodyLimitBytes: deps.bodyLimitBytes });
  routes.add(healthRoute(deps, loop)).add(readyRoute(deps));
  const metricsRouter = plan.single ? routes : new Router({ bodyLimitBytes: deps.bodyLimitBytes });
  metricsRouter.add(metricsRoute(deps.metrics));

  const servers: Server[] = [];
  try {
    const health = await listen(servers, routes, plan.health, plan.single ? 'http.all' : 'http.health');
    const metrics = plan.single ? health : await listen(servers, metricsRouter, plan.metrics, 'http.metrics');
    let stopping: Promise<void> | null = null;
    return {
      health,
      metrics,
      routes,
      stop(): Promise<void> {
        stopping ??= Promise.all(servers.map(close)).then(() => loop.stop());
        return stopping;
      },
    };
  } catch (err) {
    await Promise.all(servers.map(close));
    loop.stop();
    throw err;
  }
}

interface Plan {
  single: boolean;
  health: Required<HttpAddress>;
  metrics: Required<HttpAddress>;
}

function checkConfig(config: HttpConfig): Plan {
  if (config === null || typeof config !== 'object') throw new OptionError('http config must be {health, metrics} or {all}');
  if ('all' in config) {
    if ('health' in config || 'metrics' in config) throw new OptionError('http config takes either all or health and metrics, not both');
    const all = address('http.all', config.all);
    return { single: true, health: all, metrics: all };
  }
  const health = address('http.health', config.health);
  const metrics = address('http.metrics', config.metrics);
  if (health.host === metrics.host && health.port === metrics.port && health.port !== 0) {
    throw new OptionError(`http.health and http.metrics are both ${health.host}:${health.port}; use {all: {host, port}} to serve everything on one address`);
  }
  return { single: false, health, metrics };
}

function address(key: string, a: HttpAddress | undefined): Required<HttpAddress> {
  if (a === null || typeof a !== 'object') throw new OptionError(`${key} must be {host, port}`);
  const host = a.host ?? kDefaultHost;
  if (typeof host !== 'string' || host === '') throw new OptionError(`${key}.host must be a non-empty string, got ${JSON.stringify(a.host)}`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new OptionError(`${key}.port must be an integer in 0..65535, got ${String(a.port)}`);
  return { host, port: a.port };
}

function listen(servers: Server[], router: Router, at: Required<HttpAddress>, key: string): Promise<AddressInfo> {
  const server = createServer((req, res) => {
    router.handle(req, res).catch(() => res.destroy()); // handle() answers every request; this is the last resort
  });
  server.requestTimeout = kRequestTimeoutMs;
  server.headersTimeout = kHeadersTimeoutMs;
  servers.push(server);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new LucentError('ERR_HTTP_LISTEN', `${key}: cannot listen on ${at.host}:${at.port} (${err.code ?? err.message})`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
