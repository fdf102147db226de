// Compares the protocol API versions a broker accepts with the ones kafkajs implements.
// kafkajs picks min(its highest version, the broker's highest) for each API and never looks at
// the broker's lowest, so an API breaks when the broker has dropped every version kafkajs knows
// (Kafka 4.0 dropped many old versions, KIP-896) or has dropped the API altogether.
import { createRequire } from 'node:module';
import { connect } from 'node:net';

export interface VersionRange { min: number; max: number }

export interface ApiCompat {
  name: string;
  apiKey: number;
  kafkajs: VersionRange;
  broker: VersionRange | null;
  chosen: number | null; // the version kafkajs sends, null when it cannot send one
  problem: string | null;
}

const kApiVersionsKey = 18;
const kClientId = 'lucent-api-versions';

// The request APIs kafkajs implements, with the versions it can encode, read from the installed
// kafkajs so the table follows the package rather than a copy of it.
export function kafkajsApis(): { name: string; apiKey: number; versions: VersionRange }[] {
  const require = createRequire(import.meta.url);
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as
    { requests: Record<string, { versions: string[] }> };
  const out: { name: string; apiKey: number; versions: VersionRange }[] = [];
  for (const [name, definition] of Object.entries(requests)) {
    const versions = definition.versions.map(Number);
    const apiKey = apiKeys[name];
    if (versions.length === 0 || apiKey === undefined) continue; // not implemented by kafkajs
    out.push({ name, apiKey, versions: { min: Math.min(...versions), max: Math.max(...versions) } });
  }
  return out.sort((a, b) => a.apiKey - b.apiKey);
}

// Sends ApiVersions v0 (a header and no body) and decodes the broker's ranges. A broker that does
// not accept v0 still answers in the v0 layout, with an error code and its ranges.
export function fetchBrokerApiVersions(host: string, port: number, timeoutMs: number):
  Promise<Map<number, VersionRange>> {
  const clientId = Buffer.from(kClientId);
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  let at = request.writeInt32BE(request.length - 4, 0);
  at = request.writeInt16BE(kApiVersionsKey, at);
  at = request.writeInt16BE(0, at);
  at = request.writeInt32BE(1, at); // correlation id
  at = request.writeInt16BE(clientId.length, at);
  clientId.copy(request, at);

  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ApiVersions answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (err: Error | null, value?: Map<number, VersionRange>): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err); else resolve(value!);
    };
    socket.on('connect', () => socket.write(request));
    socket.on('error', (err) => finish(err));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const data = Buffer.concat(chunks);
      if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
      try {
        finish(null, decodeApiVersionsV0(data.subarray(4, 4 + data.readInt32BE(0))));
      } catch (err) {
        finish(err as Error);
      }
    });
  });
}

function decodeApiVersionsV0(body: Buffer): Map<number, VersionRange> {
  let at = 4; // correlation id
  const errorCode = body.readInt16BE(at); at += 2;
  const count = body.readInt32BE(at); at += 4;
  const ranges = new Map<number, VersionRange>();
  for (let i = 0; i < count; i++) {
    const apiKey = body.readInt16BE(at);
    ranges.set(apiKey, { min: body.readInt16BE(at + 2), max: body.readInt16BE(at + 4) });
    at += 6;
  }
  if (ranges.size === 0) throw new Error(`ApiVersions answered error code ${errorCode} and no ranges`);
  return ranges;
}

export function compareApis(broker: Map<number, VersionRange>): ApiCompat[] {
  return kafkajsApis().map(({ name, apiKey, versions }) => {
    const range = broker.get(apiKey) ?? null;
    let chosen: number | null = null;
    let problem: string | null = null;
    if (!range) {
      problem = 'the broker no longer offers this API';
    } else {
      chosen = Math.min(versions.max, range.max);
      if (chosen < range.min) {
        problem = `kafkajs sends v${chosen}, the broker accepts v${range.min}-v${range.max}`;
      } else if (chosen < versions.min) {
        problem = `kafkajs needs v${versions.min}+, the broker accepts v${range.min}-v${range.max}`;
      }
      if (problem) chosen = null;
    }
    return { name, apiKey, kafkajs: versions, broker: range, chosen, problem };
  });
}
