import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLocalCertificates, type LocalCertificates } from '../../cli/certificates.js';

export type TestCertificates = LocalCertificates;

/** Fresh certificates (see makeLocalCertificates) in a new temp dir; the test removes `dir`. */
export function makeTestCertificates(clientNames: readonly string[] = []): TestCertificates {
  return makeLocalCertificates(mkdtempSync(join(tmpdir(), 'freshet-certs-')), clientNames);
}
