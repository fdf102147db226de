// An empty Piscina task: the cost of piscina.run() itself.
export default function emptyTask(x: number): number {
  return x;
}
