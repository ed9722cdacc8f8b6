import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireKcat } from '../../test/support/kcat.js';
import { writeRecordFile } from './kcat.js';
import { measureNullBroker } from './null-ceiling.js';

const dir = mkdtempSync(join(tmpdir(), 'freshet-null-broker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(requireKcat())('the null broker', () => {
  it('takes kcat\'s records and serves them back to kcat to the end of every partition', async () => {
    const file = join(dir, 'records.txt');
    writeRecordFile(file, 1024, 20_000);
    // measureNullBroker fails unless kcat reads exactly the records the null broker holds.
    const ceilings = await measureNullBroker(file, 20_000);
    expect(ceilings.nullBrokerProduceMBps).toBeGreaterThan(0);
    expect(ceilings.nullBrokerConsumeMBps).toBeGreaterThan(0);
  }, 60_000);
});
