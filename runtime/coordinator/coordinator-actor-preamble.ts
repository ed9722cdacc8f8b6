/**
 * What every coordinator actor does first with a message: any message wakes a
 * coordinator rebuilt by its supervisor, which starts loading again. False when
 * nothing more is to be done: for 'load' (whose only work is that wake), and
 * for what an earlier incarnation's loader or appends report, which is not
 * about this one's state.
 */
export function admitCoordinatorMessage(body: { op: string; incarnation?: number }, incarnation: number, unloaded: boolean, startLoading: () => void): boolean {
  if ((body.op === 'loaded' || body.op === 'appendFailed') && body.incarnation !== incarnation) return false;
  if (unloaded) startLoading();
  return body.op !== 'load';
}
