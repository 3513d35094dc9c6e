// The loaded wasm module and the byte format parameters and rows cross its
// boundary in (wasm/src/codec.rs is the other half and describes it).
// Values are written straight into the module's memory and decoded with a
// DataView, because building JS values from Rust costs a call per value.

import { TurDBError, fromEngine } from './errors.js';

let glue = null; // the wasm-bindgen module (Engine, inputPtr, ...)
let memory = null; // the instance's WebAssembly.Memory
let dead = null; // set when the instance aborted: it is not used again

const NULL = 0, INT_F64 = 1, INT_I64 = 2, REAL = 3, TEXT = 4, BLOB = 5;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

let u8 = null;
let view = null;

// Growing the memory detaches its old buffer, and a view of a detached
// buffer has length 0: cheaper to test than fetching memory.buffer.
function views() {
  if (u8 === null || u8.length === 0) {
    u8 = new Uint8Array(memory.buffer);
    view = new DataView(memory.buffer);
  }
}

// The input buffer's address and size: it moves only when inputPtr grows it.
let inputBase = 0;
let inputCap = 0;

function input(size) {
  if (size > inputCap) {
    inputBase = glue.inputPtr(size);
    inputCap = size;
  }
  views();
  return inputBase;
}

/** Records the initialised module; called once by each entry point. */
export function setWasm(bindings, exports) {
  glue = bindings;
  memory = exports.memory;
  u8 = null;
  inputCap = 0;
}

export function loaded() {
  return glue !== null;
}

/** The wasm-bindgen bindings, or an error saying how to load them. */
export function engine() {
  if (dead) throw dead;
  if (!glue) {
    throw new TurDBError('MISUSE', 'TurDB is not loaded yet: await ready() (or Database.open) first');
  }
  return glue;
}

/**
 * Runs `f`, turning what wasm throws into a TurDBError. A trap (a panic
 * aborts with `unreachable`) leaves the instance in an unknown state, so
 * after one every call fails with the panic's message.
 */
// User functions (db.function): how many are running, and what the
// innermost one threw, to rethrow as it is once the engine has failed the
// statement it ran in.
let calling = 0;
let thrown = null;

/** Throws if a user-defined function is running (the engine is mid-statement). */
export function notInFunction() {
  if (calling > 0) {
    throw new TypeError('This database connection is busy executing a user-defined function');
  }
}

/**
 * `fn` as the engine calls it (wasm/src/function.rs): the arguments are
 * `count` values at `ptr` in the codec's format, the result goes into the
 * input buffer and its length is the answer. No engine call may run
 * inside (the engine and its buffers are mid-statement); a throw, or a
 * result that is no SQL value, is kept for guard() to rethrow, and the
 * engine gets its message.
 */
export function userFunction(name, fn, safe) {
  return function (ptr, count) {
    let v;
    calling++;
    try {
      views();
      rd = ptr;
      const args = new Array(count);
      for (let i = 0; i < count; i++) args[i] = readValue(safe);
      v = fn(...args);
    } catch (e) {
      thrown = { value: e };
      throw String(e?.message ?? e);
    } finally {
      calling--;
    }
    try {
      const base = input(sizeOf(v));
      at = base;
      writeValue(v);
      return at - base;
    } catch (e) {
      const bad =
        e?.code === 'TOO_BIG'
          ? new TurDBError('TOO_BIG', `user function ${name}() returned ${v}, outside INTEGER's 64-bit range`)
          : new TurDBError(
              'TYPE',
              `user function ${name}() returned a ${describe(v)}, which is not a SQL value (return a number, bigint, string, Uint8Array, boolean or null)`,
            );
      thrown = { value: bad };
      throw bad.message;
    }
  };
}

export function guard(f) {
  if (dead) throw dead;
  notInFunction();
  thrown = null;
  try {
    return f();
  } catch (e) {
    if (thrown) {
      const t = thrown.value;
      thrown = null;
      if (!(e instanceof WebAssembly.RuntimeError)) throw t;
    }
    if (e instanceof WebAssembly.RuntimeError) {
      let why = e.message;
      try {
        why = glue.lastPanic() ?? why;
      } catch {
        // The instance may be too broken even for that.
      }
      dead = new TurDBError(
        'INTERNAL',
        `TurDB stopped after an internal error (${why}); reload the page or restart the process to use it again`,
      );
      throw dead;
    }
    throw fromEngine(e);
  }
}

// ------------------------------------------------------------ parameters

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Splits better-sqlite3-style arguments into positional values and one named object. */
function split(args) {
  let positional = args;
  let named = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (Array.isArray(a) || isPlainObject(a)) {
      positional = [];
      for (const b of args) {
        if (Array.isArray(b)) positional.push(...b);
        else if (isPlainObject(b)) {
          if (named) throw new TurDBError('INVALID_ARGUMENT', 'bind parameters: more than one object of named parameters');
          named = b;
        } else positional.push(b);
      }
      break;
    }
  }
  return [positional, named];
}

function sizeOf(v) {
  if (typeof v === 'string') return 5 + v.length * 3;
  if (v instanceof Uint8Array) return 5 + v.byteLength;
  if (v instanceof ArrayBuffer) return 5 + v.byteLength;
  if (ArrayBuffer.isView(v)) return 5 + v.byteLength;
  return 9;
}

function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}

let at = 0;

function writeValue(v) {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) {
        u8[at] = INT_F64;
      } else {
        u8[at] = REAL;
      }
      view.setFloat64(at + 1, v, true);
      at += 9;
      return;
    case 'string': {
      u8[at] = TEXT;
      const start = at + 5;
      let n = v.length;
      let i = 0;
      // Short ASCII strings are copied by hand: faster than encodeInto's call.
      if (n < 64) {
        for (; i < n; i++) {
          const c = v.charCodeAt(i);
          if (c > 0x7f) break;
          u8[start + i] = c;
        }
      }
      if (i < n) {
        n = i + encoder.encodeInto(v.slice(i), u8.subarray(start + i)).written;
      }
      view.setUint32(at + 1, n, true);
      at = start + n;
      return;
    }
    case 'bigint':
      if (v < -(2n ** 63n) || v >= 2n ** 63n) {
        throw new TurDBError('TOO_BIG', `bind parameters: the bigint ${v} is outside INTEGER's 64-bit range`);
      }
      u8[at] = INT_I64;
      view.setBigInt64(at + 1, v, true);
      at += 9;
      return;
    case 'boolean':
      u8[at] = INT_F64;
      view.setFloat64(at + 1, v ? 1 : 0, true);
      at += 9;
      return;
    case 'undefined':
      u8[at++] = NULL;
      return;
    case 'object': {
      if (v === null) {
        u8[at++] = NULL;
        return;
      }
      let bytes = null;
      if (v instanceof Uint8Array) bytes = v;
      else if (v instanceof ArrayBuffer) bytes = new Uint8Array(v);
      else if (ArrayBuffer.isView(v)) bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      if (bytes) {
        u8[at] = BLOB;
        view.setUint32(at + 1, bytes.byteLength, true);
        u8.set(bytes, at + 5);
        at += 5 + bytes.byteLength;
        return;
      }
    }
  }
  throw new TurDBError(
    'TYPE',
    `bind parameters: a ${describe(v)} cannot be bound (use a number, bigint, string, Uint8Array, boolean or null)`,
  );
}

/** Writes `args` into the input buffer; returns its length in bytes. */
export function encodeParams(args) {
  if (args.length === 0) {
    const p = input(8);
    view.setUint32(p, 0, true);
    view.setUint32(p + 4, 0, true);
    return 8;
  }
  const [positional, named] = split(args);
  let size = 8;
  for (const v of positional) size += sizeOf(v);
  const keys = named ? Object.keys(named) : [];
  for (const k of keys) size += 4 + k.length * 3 + sizeOf(named[k]);
  const base = input(size);
  at = base;
  view.setUint32(at, positional.length, true);
  at += 4;
  for (const v of positional) writeValue(v);
  view.setUint32(at, keys.length, true);
  at += 4;
  for (const k of keys) {
    const n = encoder.encodeInto(k, u8.subarray(at + 4)).written;
    view.setUint32(at, n, true);
    at += 4 + n;
    writeValue(named[k]);
  }
  return at - base;
}

// ------------------------------------------------------------ rows

let rd = 0;

function text(n) {
  const s = rd;
  rd += n;
  // By hand below 12 bytes, TextDecoder above: where V8 measured even.
  if (n < 12) {
    let out = '';
    for (let i = s; i < rd; i++) {
      const c = u8[i];
      if (c > 0x7f) return decoder.decode(u8.subarray(s, rd));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return decoder.decode(u8.subarray(s, rd));
}

function readValue(safe) {
  const tag = u8[rd++];
  switch (tag) {
    case NULL:
      return null;
    case INT_F64: {
      const v = view.getFloat64(rd, true);
      rd += 8;
      return safe ? BigInt(v) : v;
    }
    case INT_I64: {
      const v = view.getBigInt64(rd, true);
      rd += 8;
      return v;
    }
    case REAL: {
      const v = view.getFloat64(rd, true);
      rd += 8;
      return v;
    }
    case TEXT: {
      const n = view.getUint32(rd, true);
      rd += 4;
      return text(n);
    }
    case BLOB: {
      const n = view.getUint32(rd, true);
      rd += 4;
      const b = u8.slice(rd, rd + n);
      rd += n;
      return b;
    }
    default:
      throw new TurDBError('INTERNAL', `decode rows: unknown value tag ${tag} at byte ${rd - 1}`);
  }
}

// Row objects: a function made for the statement's column names builds
// each row as one object literal, `{ [name0]: read(), [name1]: read(), ... }`,
// about 4-5x faster in V8 than assigning the keys one by one in a loop (a
// polymorphic keyed store). Computed keys make own properties even for a
// column named __proto__. Where code cannot be generated from strings
// (Cloudflare Workers, pages with a CSP without 'unsafe-eval') the first
// attempt fails with an EvalError, and every statement then takes the loop.
// The generated source depends only on the number of columns (the names
// are data), so one factory serves every statement of that width.
let codegen = true;
const factories = new Map();

/** A function that reads one row of `columns` as an object, or null. */
export function rowMaker(columns) {
  const n = columns.length;
  if (!codegen || n === 0 || n > 1000) return null;
  let factory = factories.get(n);
  if (factory === undefined) {
    const body = Array.from({ length: n }, (_, i) => `[k[${i}]]: r(s)`).join(', ');
    try {
      factory = new Function('k', `return (r, s) => ({ ${body} });`);
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      codegen = false;
      return null;
    }
    factories.set(n, factory);
  }
  return factory(columns.slice());
}

/** Whether rowMaker generates code here (for tests). */
export function generatesRows() {
  return codegen;
}

/**
 * Sets `obj[key] = value` as an own data property even where assigning
 * would reach Object.prototype: `__proto__` (a setter) and names that a
 * frozen Object.prototype holds read-only (`toString`, `constructor`).
 */
export function putKey(obj, key, value) {
  if (key in Object.prototype) {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Decodes `count` rows of `columns` from the output buffer, as objects
 * keyed by column name (built by `make`, from rowMaker, when given), arrays
 * (`raw`) or first values (`pluck`).
 */
export function decodeRows(count, columns, mode, safe, out = [], make = null) {
  views();
  rd = glue.outputPtr();
  const n = columns.length;
  if (mode === 0 && make !== null) {
    for (let r = 0; r < count; r++) out.push(make(readValue, safe));
    return out;
  }
  for (let r = 0; r < count; r++) {
    if (mode === 1) {
      const row = new Array(n);
      for (let c = 0; c < n; c++) row[c] = readValue(safe);
      out.push(row);
    } else if (mode === 2) {
      const v = readValue(safe);
      for (let c = 1; c < n; c++) readValue(safe);
      out.push(v);
    } else {
      const row = {};
      // Own properties, as rowMaker's computed keys make.
      for (let c = 0; c < n; c++) putKey(row, columns[c], readValue(safe));
      out.push(row);
    }
  }
  return out;
}
