/**
 * The one error a codec raises for bytes it cannot accept: truncated input,
 * a length that exceeds what is left, an out-of-range value. `path` names the
 * field being read (e.g. `ProduceRequest.TopicData[0].Name`) so a log line says
 * exactly where the bytes went wrong.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly path: string;

  constructor(message: string, path = '') {
    super(path === '' ? message : `${path}: ${message}`);
    this.path = path;
  }
}
