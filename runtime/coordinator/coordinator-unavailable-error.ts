/** A key whose coordinator is not (or no longer) here: the client must find it again. */
export class CoordinatorUnavailableError extends Error {
  override readonly name = 'CoordinatorUnavailableError';
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}
