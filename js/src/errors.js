// TurDBError: every failure TurDB reports to JavaScript, with `code` set to
// the engine's error kind ("BUSY", "FULL", "CORRUPT", "CONSTRAINT", ...)
// and the engine's message, which names the operation and the object.

export class TurDBError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'TurDBError';
    this.code = code;
  }
}

/** An error thrown by a page store: FULL, BUSY, CORRUPT or IO. */
export function storeError(code, message, cause) {
  return new TurDBError(code, message, cause === undefined ? undefined : { cause });
}

/** What wasm threw (an Error with `code`) as a TurDBError. */
export function fromEngine(e) {
  if (e instanceof TurDBError) return e;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return new TurDBError(e.code, e.message);
  }
  return e;
}
