import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';

/** The internal topic whose partition leaders coordinate one kind of key (FindCoordinator). */
export interface CoordinatorTopic {
  readonly name: string;
  /** Creates the topic on first use; resolves once it is in the image. */
  ensureTopic(): Promise<void>;
  topic(image: MetadataImage): TopicImage | undefined;
}
