// The command line's first stop handlers. Imported first by engine/cli.ts (this module imports
// nothing, so it runs before any other module of the command line is loaded): a SIGINT or SIGTERM
// that comes while the rest loads, before main() installs the run's own handlers, exits at once
// with 130/143 and one line saying nothing was read or written yet, instead of the default death.
// main() takes over with takeEarlyStops() as its first step.

const kExit: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

function early(sig: NodeJS.Signals): void {
  process.stderr.write(`lucent-engine: ${sig} while starting, before the run began: exiting (nothing was read or written)\n`);
  process.exit(kExit[sig] ?? 1);
}

let installed = false;

/** Installs the early handlers (only where engine/cli.ts is the program: never in a process that imports it). */
export function installEarlyStops(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
}

/** Removes the early handlers: the caller installs its own in the same tick. */
export function takeEarlyStops(): void {
  if (!installed) return;
  installed = false;
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
}

// The program is the command line (node engine/cli.ts, npm start): its path, not an import of it
// (cli.ts imports this module).
if ((process.argv[1] ?? '').endsWith('/engine/cli.ts')) installEarlyStops();
