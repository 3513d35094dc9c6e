//! Row records: the values of one row, stored as one B+tree value.
//!
//! The format is SQLite's record format with little-endian bodies: a header
//! of varints that says the type and size of every column, then the bodies
//! back to back.
//!
//! ```text
//! header length H (varint; counts itself)
//! serial type of column 0 (varint)
//! serial type of column 1 (varint)
//! …                                          <- byte H
//! body of column 0
//! body of column 1
//! …                                          <- end of the record
//! ```
//!
//! | serial type | meaning | body bytes |
//! |---:|---|---:|
//! | 0 | NULL | 0 |
//! | 1, 2, 3, 4, 6, 8 | INTEGER, signed little-endian, that many bytes | 1, 2, 3, 4, 6, 8 |
//! | 5 | reserved (an error) | – |
//! | 7 | REAL, IEEE 754 binary64, little-endian | 8 |
//! | 9 | INTEGER 0 | 0 |
//! | 10 | INTEGER 1 | 0 |
//! | 11 | reserved (an error) | – |
//! | N ≥ 12, even | BLOB of (N − 12) / 2 bytes | (N − 12) / 2 |
//! | N ≥ 13, odd | TEXT, UTF-8, of (N − 13) / 2 bytes | (N − 13) / 2 |
//!
//! The writer picks the smallest integer form that holds the value (0 and 1
//! take no body at all); readers accept any width. Because the header alone
//! gives every body's size, reading column `i` walks the header's first
//! `i + 1` varints (usually one byte each) and touches only column `i`'s
//! body: a query that needs two columns of a wide row never decodes the
//! others. The reader is zero-copy: TEXT and BLOB come back borrowed from the
//! record's bytes.
//!
//! Reals stay reals, bit for bit (-0.0 stays -0.0; unlike SQLite, TurDB
//! never turns a REAL into an INTEGER to save space, so `typeof()` always
//! gives back what was stored). The one exception is NaN: the design stores
//! NaN as NULL, and [`encode_record`] does so (serial type 0) so that a row
//! and its index keys always agree. A NaN found in a record anyway (from
//! damaged or foreign bytes) reads as NULL, so no value read from a TurDB
//! record is ever NaN.
//!
//! Appending a column to a table (ALTER TABLE ADD COLUMN) does not rewrite
//! its rows, so an old record may hold fewer columns than the table has:
//! [`Record::get`] past the end returns an error of kind `NotFound`, and the
//! caller supplies the column's default.
//!
//! [`Record::parse`] checks the whole header and that the bodies exactly
//! fill the record; [`Record::get`] checks TEXT is UTF-8 when it reads it.
//! Malformed bytes give a `Corrupt` error naming the column and what is
//! wrong, never a panic.

use alloc::vec::Vec;

use super::value::{Value, ValueRef};
use super::varint::{get_varint, put_varint, varint_len};
use crate::{Error, Result, err};

/// Serial type of NULL.
const ST_NULL: u64 = 0;
/// Serial type of an 8-byte REAL.
const ST_REAL: u64 = 7;
/// Serial type of the INTEGER 0 (no body).
const ST_ZERO: u64 = 9;
/// Serial type of the INTEGER 1 (no body).
const ST_ONE: u64 = 10;
/// The first BLOB serial type; TEXT starts one above.
const ST_BLOB: u64 = 12;
const ST_TEXT: u64 = 13;

/// The serial type `v` is written with.
fn serial_type(v: &ValueRef<'_>) -> u64 {
    match *v {
        ValueRef::Null => ST_NULL,
        ValueRef::Real(f) if f.is_nan() => ST_NULL,
        ValueRef::Real(_) => ST_REAL,
        ValueRef::Integer(0) => ST_ZERO,
        ValueRef::Integer(1) => ST_ONE,
        ValueRef::Integer(i) => int_width(i) as u64,
        // A slice is at most isize::MAX bytes, so 2·len + 13 fits a u64.
        ValueRef::Text(s) => ST_TEXT + 2 * s.len() as u64,
        ValueRef::Blob(b) => ST_BLOB + 2 * b.len() as u64,
    }
}

/// The fewest bytes (1, 2, 3, 4, 6 or 8) that hold `i` in two's complement.
#[inline]
fn int_width(i: i64) -> usize {
    // n bytes hold -2^(8n-1) ..< 2^(8n-1); `!i` maps the negative half
    // onto the positive one.
    let m = if i < 0 { !i } else { i } as u64;
    match m {
        0..=0x7f => 1,
        0x80..=0x7fff => 2,
        0x8000..=0x7f_ffff => 3,
        0x80_0000..=0x7fff_ffff => 4,
        0x8000_0000..=0x7fff_ffff_ffff => 6,
        _ => 8,
    }
}

/// The body size of serial type `t`, or `None` for a reserved type.
// Always inlined (like `next_slot`, and `decode_body`): once per column of
// every row read; the size-optimised wasm build otherwise calls it.
#[inline(always)]
fn body_size(t: u64) -> Option<u64> {
    match t {
        0 | 9 | 10 => Some(0),
        1..=4 | 6 | 8 => Some(t),
        7 => Some(8),
        5 | 11 => None,
        _ => Some((t - 12) / 2),
    }
}

/// Appends the record of `values`.
pub fn encode_record(out: &mut Vec<u8>, values: &[ValueRef<'_>]) {
    encode_record_of(out, values.iter().copied());
}

/// [`encode_record`] of values as an iterator, walked three times (sizes,
/// serial types, bodies), so that a caller holding owned values needs no
/// slice of borrowed ones per row.
pub fn encode_record_of<'v>(out: &mut Vec<u8>, values: impl Iterator<Item = ValueRef<'v>> + Clone) {
    let (mut types, mut bodies) = (0, 0);
    for v in values.clone() {
        let t = serial_type(&v);
        types += varint_len(t);
        bodies += body_size(t).unwrap_or(0) as usize;
    }
    // The header length counts its own varint, whose length depends on it.
    let mut own = 1;
    while varint_len((types + own) as u64) > own {
        own += 1;
    }
    // Sized once: growing the buffer as the bodies go in reallocated it
    // several times per row.
    out.reserve(own + types + bodies);
    put_varint(out, (types + own) as u64);
    for v in values.clone() {
        put_varint(out, serial_type(&v));
    }
    for v in values {
        match v {
            ValueRef::Null | ValueRef::Integer(0 | 1) => {}
            ValueRef::Real(f) if f.is_nan() => {}
            ValueRef::Real(f) => out.extend_from_slice(&f.to_le_bytes()),
            ValueRef::Integer(i) => out.extend_from_slice(&i.to_le_bytes()[..int_width(i)]),
            ValueRef::Text(s) => out.extend_from_slice(s.as_bytes()),
            ValueRef::Blob(b) => out.extend_from_slice(b),
        }
    }
}

/// A parsed record: a view of its bytes that reads columns on demand.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    bytes: &'a [u8],
    /// Offset of the first serial type (the header length's varint length).
    types_at: usize,
    /// Offset of the first body (the header length).
    header_len: usize,
    /// Number of columns.
    len: usize,
}

impl<'a> Record<'a> {
    /// Checks the header of `bytes` (every serial type known, the bodies
    /// exactly filling the record) and returns a reader over it. Bodies are
    /// not looked at.
    pub fn parse(bytes: &'a [u8]) -> Result<Record<'a>> {
        let (hl, types_at) = get_varint(bytes).map_err(|e| e.context("record header length"))?;
        let total = bytes.len();
        if hl > total as u64 {
            return Err(err!(
                Corrupt,
                "record header length {hl} is past the end of the {total}-byte record"
            ));
        }
        let header_len = hl as usize;
        if header_len < types_at {
            return Err(err!(
                Corrupt,
                "record header length {hl} is shorter than its own {types_at}-byte varint"
            ));
        }
        let mut rec = Record {
            bytes,
            types_at,
            header_len,
            len: 0,
        };
        let mut slots = rec.slots();
        let mut end = header_len;
        while let Some((_, body)) = slots.next_slot()? {
            end = body.end;
        }
        if end != total {
            return Err(err!(
                Corrupt,
                "record bodies end at byte {end}, but the record has {total} bytes"
            ));
        }
        rec.len = slots.index;
        Ok(rec)
    }

    /// Decodes the record into `out` in one walk over its header, checking
    /// it as [`Record::parse`] does: column `i` goes to `out[i]` (over its
    /// previous value, reusing a text or blob buffer) when `want` is empty
    /// or `want[i]` is set and `i` is not `skip`; the other bodies are not
    /// looked at. Returns the number of columns the record holds — or,
    /// when `want` is not empty, the walk stops after the last column it
    /// could store (as SQLite reads a record only as far as the column it
    /// needs) and returns how far it got: the columns after it are not
    /// checked.
    pub fn decode_into(
        bytes: &[u8],
        out: &mut [Value],
        want: &[bool],
        skip: Option<usize>,
    ) -> Result<usize> {
        let (hl, types_at) = get_varint(bytes).map_err(|e| e.context("record header length"))?;
        let total = bytes.len();
        let header_len = usize::try_from(hl).unwrap_or(usize::MAX);
        if header_len > total || header_len < types_at {
            // Let the full check say what is wrong.
            return Record::parse(bytes).map(|r| r.len);
        }
        let mut slots = Slots {
            bytes,
            header_len,
            type_at: types_at,
            body_at: header_len,
            index: 0,
        };
        // The last column that can be stored: past `want`'s end every
        // column is wanted, past `out`'s none is.
        let last = if want.is_empty() {
            usize::MAX
        } else if want.len() < out.len() {
            out.len() - 1
        } else {
            match want[..out.len()].iter().rposition(|&w| w) {
                Some(l) => l,
                None => return Ok(0),
            }
        };
        let mut end = header_len;
        while let Some((t, body)) = slots.next_slot()? {
            let i = slots.index - 1;
            end = body.end;
            if let Some(slot) = out.get_mut(i)
                && Some(i) != skip
                && want.get(i).is_none_or(|&w| w)
            {
                slot.set_ref(decode_body(t, &bytes[body], i)?);
            }
            if i >= last {
                return Ok(slots.index);
            }
        }
        if end != total {
            return Err(err!(
                Corrupt,
                "record bodies end at byte {end}, but the record has {total} bytes"
            ));
        }
        Ok(slots.index)
    }

    /// Column `col` of the record `bytes` if it holds a number: the INTEGER
    /// or REAL that [`Record::decode_into`] would give for it, read from the
    /// bytes without building any value. None for every other case — NULL,
    /// TEXT, BLOB, a column the record does not hold, or bytes that are not
    /// a well-formed record up to that column — so a caller that falls back
    /// to the full decode on None sees every error that decode reports.
    ///
    /// A scan uses it to reject rows by a `column < constant` filter before
    /// decoding them.
    #[inline]
    pub fn number_at(bytes: &[u8], col: usize) -> Option<ValueRef<'static>> {
        let (header_len, mut type_at) = match bytes.first() {
            Some(&b) if b < 0x80 => (usize::from(b), 1),
            _ => {
                let (hl, at) = get_varint(bytes).ok()?;
                (usize::try_from(hl).ok()?, at)
            }
        };
        if header_len > bytes.len() {
            return None;
        }
        let mut body_at = header_len;
        let mut i = 0;
        loop {
            if type_at >= header_len {
                return None;
            }
            let (t, used) = match bytes[type_at] {
                b if b < 0x80 => (u64::from(b), 1),
                _ => get_varint(&bytes[type_at..header_len]).ok()?,
            };
            let size = usize::try_from(body_size(t)?).ok()?;
            let end = body_at.checked_add(size).filter(|&e| e <= bytes.len())?;
            if i == col {
                let body = &bytes[body_at..end];
                return match t {
                    ST_ZERO => Some(ValueRef::Integer(0)),
                    ST_ONE => Some(ValueRef::Integer(1)),
                    ST_REAL => {
                        let f = f64::from_le_bytes(body.try_into().ok()?);
                        (!f.is_nan()).then_some(ValueRef::Real(f))
                    }
                    1..=8 => match decode_body(t, body, i) {
                        Ok(ValueRef::Integer(n)) => Some(ValueRef::Integer(n)),
                        _ => None,
                    },
                    _ => None,
                };
            }
            type_at += used;
            body_at = end;
            i += 1;
        }
    }

    /// The number of columns the record holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a record of no columns.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The record's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Column `i`, decoding only its body. `NotFound` when the record has
    /// `i` columns or fewer (a column added after the row was written).
    pub fn get(&self, i: usize) -> Result<ValueRef<'a>> {
        if i >= self.len {
            return Err(err!(
                NotFound,
                "record column {i}: the record has only {} columns",
                self.len
            ));
        }
        let mut slots = self.slots();
        for _ in 0..i {
            slots.next_slot()?;
        }
        match slots.next_slot()? {
            Some((t, body)) => decode_body(t, &self.bytes[body], i),
            None => Err(Error::internal(alloc::format!(
                "record column {i}: missing from a header that counted {}",
                self.len
            ))),
        }
    }

    /// The columns in order, each decoded as the iterator reaches it.
    pub fn iter(&self) -> RecordIter<'a> {
        RecordIter {
            slots: self.slots(),
            remaining: self.len,
        }
    }

    /// Every column, copied.
    pub fn to_values(&self) -> Result<Vec<Value>> {
        self.iter().map(|v| v.map(|v| v.to_owned())).collect()
    }

    fn slots(&self) -> Slots<'a> {
        Slots {
            bytes: self.bytes,
            header_len: self.header_len,
            type_at: self.types_at,
            body_at: self.header_len,
            index: 0,
        }
    }
}

impl<'a> IntoIterator for &Record<'a> {
    type Item = Result<ValueRef<'a>>;
    type IntoIter = RecordIter<'a>;

    fn into_iter(self) -> RecordIter<'a> {
        self.iter()
    }
}

/// A walk over a record's header: each column's serial type and the range
/// of its body, without looking at the body.
#[derive(Clone, Debug)]
struct Slots<'a> {
    bytes: &'a [u8],
    header_len: usize,
    type_at: usize,
    body_at: usize,
    /// The column the next slot belongs to.
    index: usize,
}

impl Slots<'_> {
    // Always inlined: called once per column of every row a scan reads; as
    // a call (plain `#[inline]` left it one) scans ran 20-35% slower.
    #[inline(always)]
    fn next_slot(&mut self) -> Result<Option<(u64, core::ops::Range<usize>)>> {
        if self.type_at >= self.header_len {
            return Ok(None);
        }
        let i = self.index;
        // Every row a scan reads comes through here, and one-byte serial
        // types are the rule: read those without slicing the header.
        let (t, used) = match self.bytes.get(self.type_at) {
            Some(&b) if b < 0x80 => (u64::from(b), 1),
            _ => get_varint(self.bytes.get(self.type_at..self.header_len).unwrap_or(&[]))
                .map_err(|e| e.context(alloc::format!("record column {i}: serial type")))?,
        };
        let Some(size) = body_size(t) else {
            return Err(err!(Corrupt, "record column {i}: unknown serial type {t}"));
        };
        let end = (self.body_at as u64)
            .checked_add(size)
            .filter(|&end| end <= self.bytes.len() as u64);
        let Some(end) = end else {
            return Err(err!(
                Corrupt,
                "record column {i}: {size}-byte body at byte {} runs past the end of the {}-byte record",
                self.body_at,
                self.bytes.len()
            ));
        };
        let range = self.body_at..end as usize;
        self.type_at += used;
        self.body_at = range.end;
        self.index += 1;
        Ok(Some((t, range)))
    }
}

/// Decodes a body of serial type `t` (already checked to be known and to
/// have the right size).
#[inline(always)]
fn decode_body(t: u64, body: &[u8], i: usize) -> Result<ValueRef<'_>> {
    Ok(match t {
        ST_NULL => ValueRef::Null,
        ST_ZERO => ValueRef::Integer(0),
        ST_ONE => ValueRef::Integer(1),
        ST_REAL => {
            let mut b = [0u8; 8];
            b.copy_from_slice(body.get(..8).unwrap_or(&[0; 8]));
            let f = f64::from_le_bytes(b);
            if f.is_nan() {
                ValueRef::Null
            } else {
                ValueRef::Real(f)
            }
        }
        1..=8 => {
            // Sign-extend from the top byte of the body.
            let fill = match body.last() {
                Some(&top) if top & 0x80 != 0 => 0xff,
                _ => 0x00,
            };
            let mut b = [fill; 8];
            b[..body.len().min(8)].copy_from_slice(&body[..body.len().min(8)]);
            ValueRef::Integer(i64::from_le_bytes(b))
        }
        t if t % 2 == 0 => ValueRef::Blob(body),
        _ => ValueRef::Text(core::str::from_utf8(body).map_err(|e| {
            err!(
                Corrupt,
                "record column {i}: text is not valid UTF-8 (at byte {} of {})",
                e.valid_up_to(),
                body.len()
            )
        })?),
    })
}

/// Iterator over a record's columns; see [`Record::iter`].
#[derive(Clone, Debug)]
pub struct RecordIter<'a> {
    slots: Slots<'a>,
    remaining: usize,
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = Result<ValueRef<'a>>;

    fn next(&mut self) -> Option<Result<ValueRef<'a>>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let i = self.slots.index;
        match self.slots.next_slot() {
            Ok(Some((t, body))) => Some(decode_body(t, &self.slots.bytes[body], i)),
            Ok(None) => {
                self.remaining = 0;
                None
            }
            Err(e) => {
                // The header was checked by parse; if it fails now, stop.
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for RecordIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::encoding::value::tests::value_strategy;
    use alloc::string::String;
    use alloc::vec;
    use proptest::prelude::*;

    fn enc(values: &[Value]) -> Vec<u8> {
        let refs: Vec<ValueRef<'_>> = values.iter().map(Value::as_ref).collect();
        let mut out = Vec::new();
        encode_record(&mut out, &refs);
        out
    }

    /// Bit-exact equality (reals by bits), with NaN stored as NULL.
    fn same(stored: &Value, read: &Value) -> bool {
        match (stored, read) {
            (Value::Real(a), Value::Null) => a.is_nan(),
            (Value::Real(a), Value::Real(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }

    #[test]
    fn number_at_reads_numbers_only() {
        let rec = enc(&[
            Value::Text("x".into()),
            Value::Integer(1),
            Value::Integer(-300),
            Value::Real(0.25),
            Value::Null,
        ]);
        assert_eq!(Record::number_at(&rec, 0), None);
        assert_eq!(Record::number_at(&rec, 1), Some(ValueRef::Integer(1)));
        assert_eq!(Record::number_at(&rec, 2), Some(ValueRef::Integer(-300)));
        assert_eq!(Record::number_at(&rec, 3), Some(ValueRef::Real(0.25)));
        assert_eq!(Record::number_at(&rec, 4), None);
        assert_eq!(Record::number_at(&rec, 5), None);
        // A NaN body (foreign bytes: TurDB writes NaN as NULL) reads as
        // NULL in the full decode, so it is not a number here either.
        let mut nan = enc(&[Value::Real(1.0)]);
        let body = nan.len() - 8;
        nan[body..].copy_from_slice(&f64::NAN.to_le_bytes());
        assert_eq!(Record::number_at(&nan, 0), None);
        // A body running past the end is left to the full decode's error.
        assert_eq!(Record::number_at(&rec[..rec.len() - 1], 3), None);
    }

    #[test]
    fn golden_bytes() {
        let rec = enc(&[
            Value::Null,
            Value::Integer(0),
            Value::Integer(1),
            Value::Integer(-1),
            Value::Integer(300),
            Value::Real(1.5),
            Value::Text(String::from("hi")),
            Value::Blob(vec![0xff]),
        ]);
        #[rustfmt::skip]
        let want = [
            9, // header length
            0, 9, 10, 1, 2, 7, 13 + 4, 12 + 2, // serial types
            0xff, // -1
            0x2c, 0x01, // 300
            0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // 1.5
            b'h', b'i',
            0xff,
        ];
        assert_eq!(rec, want);
        assert_eq!(enc(&[]), [1]);
    }

    #[test]
    fn integer_widths() {
        let cases: [(i64, u64); 16] = [
            (2, 1),
            (127, 1),
            (-128, 1),
            (128, 2),
            (-129, 2),
            (32767, 2),
            (32768, 3),
            ((1 << 23) - 1, 3),
            (1 << 23, 4),
            (-(1 << 31), 4),
            (1 << 31, 6),
            ((1 << 47) - 1, 6),
            (1 << 47, 8),
            (-(1 << 47) - 1, 8),
            (i64::MAX, 8),
            (i64::MIN, 8),
        ];
        for (i, t) in cases {
            let rec = enc(&[Value::Integer(i)]);
            assert_eq!(rec[1], t as u8, "{i}");
            assert_eq!(rec.len(), 2 + t as usize, "{i}");
            assert_eq!(
                Record::parse(&rec).unwrap().get(0).unwrap(),
                ValueRef::Integer(i)
            );
        }
        // Readers accept a wider form than the writer would pick.
        let wide = [2, 8, 5, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            Record::parse(&wide).unwrap().get(0).unwrap(),
            ValueRef::Integer(5)
        );
    }

    #[test]
    fn reals_stay_reals() {
        for f in [
            0.0,
            -0.0,
            1.0,
            -2.0,
            f64::INFINITY,
            f64::from_bits(1),
            1e300,
        ] {
            let rec = enc(&[Value::Real(f)]);
            match Record::parse(&rec).unwrap().get(0).unwrap() {
                ValueRef::Real(g) => assert_eq!(g.to_bits(), f.to_bits()),
                other => panic!("{f} came back as {other:?}"),
            }
        }
        // NaN is stored as NULL, and a NaN body reads as NULL.
        assert_eq!(enc(&[Value::Real(f64::NAN)]), [2, 0]);
        let mut nan = vec![2, 7];
        nan.extend_from_slice(&f64::NAN.to_bits().to_le_bytes());
        assert_eq!(Record::parse(&nan).unwrap().get(0).unwrap(), ValueRef::Null);
    }

    #[test]
    fn long_headers() {
        // 127 bytes of serial types need a 2-byte header length: 129.
        let vals = vec![Value::Null; 127];
        let rec = enc(&vals);
        assert_eq!(&rec[..2], [0x81, 0x01]);
        assert_eq!(rec.len(), 129);
        // 126 fit a 1-byte header length: 127.
        let rec = enc(&vals[..126]);
        assert_eq!(rec[0], 127);
        for n in [0, 1, 125, 126, 127, 128, 300, 20000] {
            let vals: Vec<Value> = (0..n).map(|i| Value::Integer(i as i64 * 1000)).collect();
            let rec = enc(&vals);
            let r = Record::parse(&rec).unwrap();
            assert_eq!(r.len(), n);
            assert_eq!(r.to_values().unwrap(), vals);
        }
    }

    #[test]
    fn missing_columns_are_not_found() {
        let rec = enc(&[Value::Integer(5)]);
        let r = Record::parse(&rec).unwrap();
        let e = r.get(1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.message().contains("column 1"), "{e:?}");
        assert_eq!(r.get(0).unwrap(), ValueRef::Integer(5));
    }

    #[test]
    fn reads_only_the_asked_column() {
        // Column 0 is broken text; columns 1 and 2 still read.
        let rec = [3, 15, 14, 0xc3, 0xab]; // 15: 1-byte TEXT, 14: 1-byte BLOB
        let r = Record::parse(&rec).unwrap();
        assert_eq!(r.get(1).unwrap(), ValueRef::Blob(&[0xab]));
        let e = r.get(0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        assert!(
            e.message().contains("column 0") && e.message().contains("UTF-8"),
            "{e:?}"
        );
        let all: Vec<_> = r.iter().collect();
        assert!(all[0].is_err());
        assert_eq!(all[1], Ok(ValueRef::Blob(&[0xab])));
    }

    #[test]
    fn rejects_malformed_records() {
        let cases: [(&[u8], &str); 9] = [
            (&[], "header length"),
            (&[0x80], "header length"),
            (&[5, 0], "past the end"),
            (&[0], "shorter than its own"),
            (&[2, 5], "column 0: unknown serial type 5"),
            (&[3, 0, 11], "column 1: unknown serial type 11"),
            (&[3, 0, 0x80], "column 1: serial type"),
            (&[3, 1, 7, 0], "column 1: 8-byte body"),
            (&[2, 0, 9], "bodies end at byte 2"),
        ];
        for (bytes, want) in cases {
            let e = Record::parse(bytes).expect_err("malformed record accepted");
            assert_eq!(e.kind(), ErrorKind::Corrupt, "{bytes:02x?}");
            assert!(e.message().contains(want), "{bytes:02x?}: {e:?}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(values in proptest::collection::vec(value_strategy(), 0..12)) {
            let rec = enc(&values);
            let r = Record::parse(&rec).unwrap();
            prop_assert_eq!(r.len(), values.len());
            for (i, v) in values.iter().enumerate() {
                let got = r.get(i).unwrap().to_owned();
                prop_assert!(same(v, &got), "column {}: {:?} read as {:?}", i, v, got);
            }
            let all = r.to_values().unwrap();
            prop_assert_eq!(all.len(), values.len());
            for (v, got) in values.iter().zip(&all) {
                prop_assert!(same(v, got));
            }
            prop_assert_eq!(r.get(values.len()).unwrap_err().kind(), ErrorKind::NotFound);
        }

        #[test]
        fn number_at_agrees_with_decode(
            // Small integers too: 0 and 1 have serial types of their own.
            values in proptest::collection::vec(
                prop_oneof![value_strategy(), (-2i64..3).prop_map(Value::Integer)],
                0..8,
            ),
            col in 0usize..9,
            flip in any::<(usize, u8)>(),
        ) {
            let mut rec = enc(&values);
            if !rec.is_empty() && flip.1 != 0 && flip.0 % 3 == 0 {
                let at = flip.0 % rec.len();
                rec[at] ^= flip.1;
            }
            let mut out = alloc::vec![Value::Null; 9];
            let mut want = alloc::vec![false; 9];
            want[col] = true;
            let decoded = Record::decode_into(&rec, &mut out, &want, None);
            match Record::number_at(&rec, col) {
                // A number is only ever what the full decode gives.
                Some(n) => {
                    prop_assert!(decoded.is_ok_and(|stored| stored > col), "{:?}", n);
                    prop_assert!(same(&n.to_owned(), &out[col]), "{:?} vs {:?}", n, out[col]);
                }
                // And whenever the full decode gives a number, so does it.
                None => prop_assert!(
                    !matches!(decoded, Ok(stored) if stored > col
                        && matches!(out[col], Value::Integer(_) | Value::Real(_))),
                    "missed {:?}", out[col]
                ),
            }
        }

        #[test]
        fn decode_into_agrees_with_parse(
            values in proptest::collection::vec(value_strategy(), 0..8),
            want in proptest::collection::vec(any::<bool>(), 0..8),
            flip in any::<(usize, u8)>(),
        ) {
            let mut rec = enc(&values);
            if !rec.is_empty() && flip.1 != 0 {
                let at = flip.0 % rec.len();
                rec[at] ^= flip.1;
            }
            let mut out = alloc::vec![Value::Null; 8];
            let got = Record::decode_into(&rec, &mut out, &want, None);
            // With columns named, the walk stops after the last of them.
            let stop = if want.is_empty() {
                usize::MAX
            } else if want.len() < out.len() {
                out.len()
            } else {
                want[..out.len()].iter().rposition(|&w| w).map_or(0, |l| l + 1)
            };
            match Record::parse(&rec) {
                // Damage past the last wanted column goes unseen.
                Err(_) if got.is_ok() => prop_assert!(stop != usize::MAX, "decode_into accepted a record parse rejects"),
                Err(e) => prop_assert_eq!(got.unwrap_err().kind(), e.kind()),
                Ok(r) => match r.to_values() {
                    // Decoding may fail where parse does not (bad UTF-8),
                    // but only on a column it was asked for.
                    Err(_) => {}
                    Ok(all) => {
                        prop_assert_eq!(got.unwrap(), all.len().min(stop));
                        for (i, v) in all.iter().enumerate() {
                            if want.get(i).is_none_or(|&w| w) {
                                prop_assert!(same(v, &out[i]), "column {}", i);
                            }
                        }
                    }
                },
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(
                prop_oneof![0u8..16, Just(0x80), Just(0xff), any::<u8>()],
                0..24,
            ),
        ) {
            if let Ok(r) = Record::parse(&bytes) {
                for i in 0..=r.len() {
                    let _ = r.get(i);
                }
                prop_assert_eq!(r.iter().count(), r.len());
            }
        }

        #[test]
        fn mutated_records_never_panic(
            values in proptest::collection::vec(value_strategy(), 1..6),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut rec = enc(&values);
            // Cutting bytes off always breaks "the bodies fill the record".
            let cut = cut.index(rec.len());
            prop_assert!(Record::parse(&rec[..cut]).is_err());
            let at = at.index(rec.len());
            rec[at] = byte;
            if let Ok(r) = Record::parse(&rec) {
                for i in 0..=r.len() {
                    let _ = r.get(i);
                }
                let _ = r.to_values();
            }
        }
    }
}
