// A windowed key (Kafka's Windowed<K> over a TimeWindow): the window holds
// [startMs, endMs), end exclusive, as Kafka's TimeWindow does.
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export interface Windowed<K> {
  readonly key: K;
  readonly window: TimeWindow;
}
