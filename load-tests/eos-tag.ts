/** The id an exactly-once transformer gives its copy of input record `id` read at `partition`/`offset`. */
export function tagged(id: string, partition: number, offset: bigint): string {
  return `${id}@${partition}:${offset}`;
}

/** The input position a tagged id names, or null when the id is not tagged. */
export function inputPosition(id: string): { partition: number; offset: bigint } | null {
  const match = /@(\d+):(\d+)$/.exec(id);
  return match === null ? null : { partition: Number(match[1]), offset: BigInt(match[2]!) };
}
