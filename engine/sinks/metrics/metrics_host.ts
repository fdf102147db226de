// The main thread's side of the metrics block: allocates it once from the schema, opens the main
// thread's recorder (region 0), builds the prom-client registry that reads it at scrape time,
// and hands each recording thread its region.
import type { Registry } from 'prom-client';
import { OptionError } from '../../../protocol/errors.ts';
import { allocateBlock, BlockLayout } from '../../../protocol/metrics/block_layout.ts';
import { engineBlockSpec, type EngineMetricsSchema } from '../../../protocol/metrics/catalogue.ts';
import { EngineMetrics, type EngineMetricsHandoff } from '../../../protocol/metrics/engine_metrics.ts';
import { createBlockRegistry, type BlockRegistryOptions } from './registry.ts';

export interface MetricsHost {
  readonly schema: EngineMetricsSchema;
  readonly layout: BlockLayout;
  readonly buffer: SharedArrayBuffer;
  readonly registry: Registry;
  /** The main thread's recorder (region 0). */
  readonly main: EngineMetrics;
  /** What thread `region` (1 .. threads - 1) is handed at start. */
  handoff(region: number): EngineMetricsHandoff;
}

export function createMetricsHost(schema: EngineMetricsSchema, options: BlockRegistryOptions = {}): MetricsHost {
  const layout = new BlockLayout(engineBlockSpec(schema));
  const buffer = allocateBlock(layout);
  const registry = createBlockRegistry(layout, buffer, options);
  return {
    schema,
    layout,
    buffer,
    registry,
    main: new EngineMetrics({ schema, buffer, region: 0 }),
    handoff(region: number): EngineMetricsHandoff {
      if (!Number.isInteger(region) || region < 1 || region >= layout.writers) {
        throw new OptionError(`metrics handoff region must be an integer in 1..${layout.writers - 1} (0 is the main thread), got ${String(region)}`);
      }
      return { schema, buffer, region };
    },
  };
}
