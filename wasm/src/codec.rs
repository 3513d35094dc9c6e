//! The byte format values cross the JS boundary in, both ways.
//!
//! Creating JS objects and arrays from Rust costs a call into JS per value;
//! writing values into one buffer in this module's memory and decoding them
//! in JS with a DataView costs none, so parameters and rows travel as bytes
//! (js/src/codec.js is the other half):
//!
//! ```text
//! value   := tag:u8 payload
//!   0 NULL           (no payload)
//!   1 INTEGER        f64 LE, an integer with |v| <= 2^53 - 1 (a JS number)
//!   2 INTEGER        i64 LE (any integer; JS bigints arrive and leave so)
//!   3 REAL           f64 LE
//!   4 TEXT           len:u32 LE, UTF-8 bytes
//!   5 BLOB           len:u32 LE, bytes
//! params  := positional:u32 value* named:u32 (len:u32 name-bytes value)*
//! rows    := value* (row after row, each with the statement's columns)
//! ```
//!
//! Named parameters travel without their prefix (`{ id: 1 }` binds `:id`,
//! `@id` or `$id`, as in better-sqlite3).

use std::cell::RefCell;

use turdb::{Error, ErrorKind, Result, Value};

const NULL: u8 = 0;
const INT_F64: u8 = 1;
const INT_I64: u8 = 2;
const REAL: u8 = 3;
const TEXT: u8 = 4;
const BLOB: u8 = 5;

/// The largest integer a JS number holds exactly.
const MAX_SAFE: i64 = (1 << 53) - 1;

thread_local! {
    /// Where JS writes parameters (its capacity only grows; the largest
    /// parameter list so far).
    pub(crate) static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Where rows are written for JS to decode; cleared per call and
    /// shrunk back after a large result so one big `all()` does not keep
    /// its memory.
    pub(crate) static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Output buffers larger than this are released after use.
const KEEP_OUTPUT: usize = 1 << 20;

/// Parameters as decoded: by position, and by name (without prefix).
#[derive(Debug, Default)]
pub struct Decoded {
    pub positional: Vec<Value>,
    pub named: Vec<(String, Value)>,
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

fn bad(what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!("bind parameters: malformed parameter buffer ({what})"),
    )
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| bad("truncated"))?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn eight(&mut self) -> Result<[u8; 8]> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(a)
    }
    fn text(&mut self) -> Result<String> {
        let n = self.u32()?;
        let b = self.take(n)?;
        core::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| bad("text is not UTF-8"))
    }
    fn value(&mut self) -> Result<Value> {
        Ok(match self.u8()? {
            NULL => Value::Null,
            INT_F64 => {
                let f = f64::from_le_bytes(self.eight()?);
                if f.fract() != 0.0 || f.abs() > MAX_SAFE as f64 {
                    return Err(bad("an integer tag on a non-integer number"));
                }
                Value::Integer(f as i64)
            }
            INT_I64 => Value::Integer(i64::from_le_bytes(self.eight()?)),
            REAL => Value::Real(f64::from_le_bytes(self.eight()?)),
            TEXT => Value::Text(self.text()?),
            BLOB => {
                let n = self.u32()?;
                Value::Blob(self.take(n)?.to_vec())
            }
            t => return Err(bad(&format!("unknown value tag {t}"))),
        })
    }
}

/// Runs `f` over a reader of the first `len` bytes of the input buffer.
fn read_input<T>(len: usize, f: impl FnOnce(&mut Reader<'_>) -> Result<T>) -> Result<T> {
    INPUT.with_borrow(|buf| {
        let buf = buf
            .get(..len)
            .ok_or_else(|| bad("longer than the buffer"))?;
        f(&mut Reader { buf, at: 0 })
    })
}

/// Decodes the first `len` bytes of the input buffer.
pub fn decode_params(len: usize) -> Result<Decoded> {
    read_input(len, |r| {
        let mut d = Decoded::default();
        let n = r.u32()?;
        d.positional.reserve(n.min(1024));
        for _ in 0..n {
            d.positional.push(r.value()?);
        }
        let n = r.u32()?;
        for _ in 0..n {
            let name = r.text()?;
            let v = r.value()?;
            d.named.push((name, v));
        }
        Ok(d)
    })
}

/// Decodes the one value in the first `len` bytes of the input buffer.
pub fn decode_value(len: usize) -> Result<Value> {
    read_input(len, |r| r.value())
}

/// Appends `values` to `out`, one after another.
pub fn encode_values(out: &mut Vec<u8>, values: &[Value]) {
    for v in values {
        encode_value(out, v);
    }
}

/// Appends `v` to `out`.
pub fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(NULL),
        Value::Integer(i) if (-MAX_SAFE..=MAX_SAFE).contains(i) => {
            out.push(INT_F64);
            out.extend_from_slice(&(*i as f64).to_le_bytes());
        }
        Value::Integer(i) => {
            out.push(INT_I64);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Real(f) => {
            out.push(REAL);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Text(s) => {
            out.push(TEXT);
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        Value::Blob(b) => {
            out.push(BLOB);
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
    }
}

/// Clears the output buffer (releasing it if a large result grew it).
pub fn reset_output() {
    OUTPUT.with_borrow_mut(|o| {
        o.clear();
        if o.capacity() > KEEP_OUTPUT {
            o.shrink_to(KEEP_OUTPUT);
        }
    });
}

/// The input buffer, grown to hold at least `len` bytes, for JS to write
/// parameters into; its address changes when it grows.
pub fn input_ptr(len: usize) -> *mut u8 {
    INPUT.with_borrow_mut(|b| {
        if b.len() < len {
            b.resize(len, 0);
        }
        b.as_mut_ptr()
    })
}

pub fn output_ptr() -> *const u8 {
    OUTPUT.with_borrow(|o| o.as_ptr())
}

pub fn output_len() -> usize {
    OUTPUT.with_borrow(|o| o.len())
}
