import type { Record } from './record.js';
import type { StateStore } from '../state/state-store.js';

// Kafka Streams' PunctuationType: STREAM_TIME advances only with record
// timestamps (data-driven), WALL_CLOCK_TIME with the system clock.
export const PunctuationType = { STREAM_TIME: 'STREAM_TIME', WALL_CLOCK_TIME: 'WALL_CLOCK_TIME' } as const;
export type PunctuationType = (typeof PunctuationType)[keyof typeof PunctuationType];

export type Punctuator = (timestamp: number) => void;

export interface Cancellable {
  cancel(): void;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface ProcessorContext<KForward, VForward> {
  readonly applicationId: string;
  readonly taskId: string;
  /** Sends a record to every child, or to the named child only. */
  forward<K extends KForward, V extends VForward>(record: Record<K, V>, childName?: string): void;
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  getStateStore<S extends StateStore>(name: string): S;
  /** Topic, partition and offset of the input record being processed, if it came from a topic. */
  recordMetadata(): RecordMetadata | undefined;
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
  /** Counts a record skipped by a processor (Kafka's dropped-records task metric). */
  recordDropped(): void;
}

export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: Record<KIn, VIn>): void;
  close?(): void;
}

/** Called once per task, so that each task gets its own processor instance. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>;
