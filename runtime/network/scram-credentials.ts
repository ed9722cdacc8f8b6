import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { SCRAM_MECHANISMS, type ScramCredentialLookup } from '../../core/security/sasl/scram.js';

/** The image getter of a node's metadata view, when it has one. */
export function metadataImage(metadata: { image(): MetadataImage } | undefined): (() => MetadataImage) | undefined {
  return metadata === undefined ? undefined : () => metadata.image();
}

/** SCRAM logins read the credentials of the metadata image as it is at that moment (Kafka's credential cache). */
export function scramCredentialsOf(image: (() => MetadataImage) | undefined): ScramCredentialLookup {
  if (image === undefined) return () => undefined;
  return (username, mechanism) => image().scramCredentials.get(username)?.get(SCRAM_MECHANISMS[mechanism].id);
}
