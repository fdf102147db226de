// The machine and software a result was measured on: results are labelled with it so runs on
// different boxes are never compared blind.
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';
import type { Environment } from '../report/types.ts';

const kPackages = ['piscina', 'hdr-histogram-js', 'typescript', 'node'];

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function environment(): Environment {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    availableParallelism: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: platform(),
    arch: arch(),
    kernel: release(),
    node: process.version,
    v8: process.versions.v8,
    packages: Object.fromEntries(kPackages.map((p) => [p, packageVersion(p)])),
    loadAverage: loadavg(),
    hostname: hostname(),
  };
}
