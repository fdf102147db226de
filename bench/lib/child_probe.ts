// Functions for the tests of callInChild (isolated.ts): what process ran them, and a failure.
export async function whereAmI(arg: { echo: string }): Promise<{ pid: number; echo: string }> {
  return { pid: process.pid, echo: arg.echo };
}

export async function fails(arg: { why: string }): Promise<never> {
  throw new Error(`probe failed: ${arg.why}`);
}
