/**
 * Mixes integers into one 32-bit hash (murmur3's finaliser after each): the
 * sandbox's seeded draws, the same for the same seed on every machine.
 */
export function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
