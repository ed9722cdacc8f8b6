import { benchGroup } from './harness.js';

// The machine's memory bandwidth, the yardstick other groups' copies are read against.
const size = 1 << 20;
const source = Buffer.alloc(size, 7);
const target = Buffer.alloc(size);

export default benchGroup('machine', [
  { name: 'baseline: Buffer.copy 1 MiB', bytes: size, baseline: true, fn: () => source.copy(target) },
]);
