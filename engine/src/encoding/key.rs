//! Memcmp-ordered keys: values encoded so that comparing the bytes with
//! memcmp gives the key order of [`super::value::compare`].
//!
//! B+trees compare keys as plain byte strings (and truncate separators to
//! byte prefixes), so every index, every ORDER BY run and every UNIQUE check
//! reduces to memcmp once its values are encoded here. The one guarantee:
//!
//! > for all values `a`, `b` and a collation `c`,
//! > `encode(a, c).cmp(&encode(b, c)) == compare(a, b, c)`,
//! > reversed for a DESC column; and a tuple's key is the concatenation of
//! > its elements' encodings, which orders tuples lexicographically.
//!
//! # Element format
//!
//! ```text
//! NULL (and NaN)   05
//! number           15  f0 f1 f2 f3 f4 f5 f6 f7  d0 d1
//! TEXT             25  escaped collated UTF-8   00 01
//! BLOB             35  escaped bytes            00 01
//! ```
//!
//! The tags are spaced apart (0x05, 0x15, 0x25, 0x35) so that classes can be
//! added between them later without re-encoding old keys, and none of them is
//! 0x00 or 0xFF. A DESC element is its ASC encoding with *every* byte
//! inverted (`b ^ 0xFF`), tag included: NULL `fa`, number `ea`, TEXT `da`,
//! BLOB `ca`.
//!
//! **Number** (INTEGER and REAL share one encoding; a NaN REAL is NULL): the
//! value's image `F` as an `f64` — a REAL is itself, with -0.0 made 0.0; an
//! INTEGER `i` is `i as f64`, rounded to nearest — then a tie-breaker `D`.
//! `f0..f7` is `F` in the standard order-preserving form: its IEEE bits
//! big-endian, all inverted if the sign bit is set, else with the sign bit
//! set. `d0 d1` is `D + 0x8000` as a big-endian `u16`, where
//! `D = i - (F as i128)` exactly for an INTEGER and 0 for a REAL. `D` is 0
//! unless `|i| > 2^53`, and then `|D| <= 512` (half the spacing of f64s
//! below 2^63).
//!
//! Why that orders exactly (x, y numbers, `F` rounding to nearest):
//! - rounding is monotonic, so `x <= y` implies `F(x) <= F(y)`; hence
//!   `F(x) < F(y)` implies `x < y`, and the first 9 bytes decide correctly;
//! - if `F(x) = F(y) = F`: a REAL equals its image, so each value is
//!   `F + D` exactly (`D = 0` for a REAL), and the order of the values is the
//!   order of their `D`s, which `d0 d1` holds in offset binary;
//! - equal values therefore have equal `F` and equal `D`: 1 and 1.0 (and
//!   -0.0, 0.0, 0) encode to the same bytes, so a UNIQUE index sees them as
//!   duplicates.
//!
//! **TEXT and BLOB**: TEXT is first collated (NOCASE: ASCII `A`–`Z` to lower
//! case; RTRIM: trailing spaces dropped; BINARY: as is), which turns the
//! collation's order into plain byte order. Then every `00` is escaped as
//! `00 ff` and the element ends with `00 01`. Read as symbols, "end" is
//! `00 01`, byte 0 is `00 ff` and byte `b > 0` is `b`: end < 0 < 1 < … < 255,
//! the same order as "end of string" < any byte, and no symbol is a prefix
//! of another, so the escaped strings compare as the strings do.
//!
//! # Prefix-freeness, tuples and DESC
//!
//! No element's encoding is a proper prefix of another's: NULL and number
//! have fixed lengths per tag, and an escaped string can only end at
//! `00 01`, which cannot occur inside one (a `00` inside is always followed
//! by `ff`). So when two tuples' encodings first differ, they differ at a
//! byte inside the first element that differs in both keys, and that byte
//! decides both the memcmp and the element comparison: tuples order
//! lexicographically, element by element.
//!
//! Prefix-freeness is also what makes DESC work by inversion: inverting the
//! bytes reverses the order of two strings that differ at some position,
//! but not when one is a prefix of the other (the shorter stays first). With
//! a one-byte terminator `00`, `"a"` (`61 00`) would be a prefix of `"a\0"`
//! (`61 00 ff 00`), and a DESC column at the end of a key would put `"a"`
//! first; the two-byte terminator makes them differ at their third byte
//! (`01` vs `ff`).
//!
//! # Decoding
//!
//! [`decode_key`] is lossy exactly where the order is: a number comes back
//! as an INTEGER when it is integral and within `i64`, else as a REAL (1.0
//! decodes as 1); NOCASE text comes back folded and RTRIM text trimmed. It
//! accepts only canonical encodings — whatever it accepts, re-encoding the
//! result (with BINARY) gives back the same bytes — and returns a `Corrupt`
//! error, never a panic, for anything else: an unknown tag, a truncated
//! element, a NaN or -0.0 image, a tie-breaker that does not fit its image,
//! a `00` followed by anything but `ff` or `01`, TEXT that is not UTF-8, or
//! bytes left over after the last column.

use alloc::string::String;
use alloc::vec::Vec;

use super::value::{Collation, SortOrder, TWO_POW_63, Value, ValueRef};
use crate::{Error, Result, err};

/// Tag of a NULL (or NaN) element.
pub const TAG_NULL: u8 = 0x05;
/// Tag of a number element (INTEGER or REAL).
pub const TAG_NUMBER: u8 = 0x15;
/// Tag of a TEXT element.
pub const TAG_TEXT: u8 = 0x25;
/// Tag of a BLOB element.
pub const TAG_BLOB: u8 = 0x35;

/// Length of a number element: tag, 8 bytes of image, 2 of tie-breaker.
const NUMBER_LEN: usize = 11;
/// The tie-breaker's offset: `D + BIAS` is stored.
const DELTA_BIAS: i32 = 0x8000;

/// Appends the key encoding of `v` as one column with direction `order`;
/// `coll` applies if `v` is TEXT.
pub fn encode_key_value(out: &mut Vec<u8>, v: ValueRef<'_>, order: SortOrder, coll: Collation) {
    let start = out.len();
    match v {
        ValueRef::Null => out.push(TAG_NULL),
        ValueRef::Real(f) if f.is_nan() => out.push(TAG_NULL),
        ValueRef::Integer(i) => {
            let f = i as f64;
            // Exact: |i| < 2^63 and F is within half an ulp (<= 512) of it.
            let delta = i128::from(i) - f as i128;
            put_number(out, f, delta as i32);
        }
        ValueRef::Real(f) => put_number(out, if f == 0.0 { 0.0 } else { f }, 0),
        ValueRef::Text(s) => {
            out.push(TAG_TEXT);
            match coll {
                Collation::Binary => put_escaped(out, s.as_bytes()),
                _ => {
                    let mut c = Vec::with_capacity(s.len());
                    coll.collate_into(s, &mut c);
                    put_escaped(out, &c);
                }
            }
        }
        ValueRef::Blob(b) => {
            out.push(TAG_BLOB);
            put_escaped(out, b);
        }
    }
    if order == SortOrder::Desc {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

/// Appends the key of a tuple: each value encoded with its column's order
/// and collation, concatenated.
///
/// `orders` and `colls` are each either empty (every column ASC, every
/// collation BINARY) or one per value; any other length is a `Misuse` error
/// and leaves `out` unchanged.
pub fn encode_key(
    out: &mut Vec<u8>,
    values: &[ValueRef<'_>],
    orders: &[SortOrder],
    colls: &[Collation],
) -> Result<()> {
    if !(orders.is_empty() || orders.len() == values.len())
        || !(colls.is_empty() || colls.len() == values.len())
    {
        return Err(err!(
            Misuse,
            "encode key: {} values but {} sort orders and {} collations",
            values.len(),
            orders.len(),
            colls.len()
        ));
    }
    for (i, v) in values.iter().enumerate() {
        let order = orders.get(i).copied().unwrap_or_default();
        let coll = colls.get(i).copied().unwrap_or_default();
        encode_key_value(out, *v, order, coll);
    }
    Ok(())
}

/// The order-preserving 8-byte form of an `f64` (not NaN, not -0.0).
fn ordered_bits(f: f64) -> u64 {
    let bits = f.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Inverse of [`ordered_bits`].
fn from_ordered_bits(u: u64) -> f64 {
    f64::from_bits(if u >> 63 == 1 { u & !(1 << 63) } else { !u })
}

fn put_number(out: &mut Vec<u8>, f: f64, delta: i32) {
    out.push(TAG_NUMBER);
    out.extend_from_slice(&ordered_bits(f).to_be_bytes());
    // |delta| <= 512, so delta + 0x8000 is well inside u16.
    out.extend_from_slice(&((delta + DELTA_BIAS) as u16).to_be_bytes());
}

fn put_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut chunks = bytes.split(|&b| b == 0);
    if let Some(first) = chunks.next() {
        out.extend_from_slice(first);
    }
    for chunk in chunks {
        out.extend_from_slice(&[0x00, 0xff]);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// `f` as an `i64` if it is integral and in `[-2^63, 2^63)`.
pub(crate) fn integral_i64(f: f64) -> Option<i64> {
    if (-TWO_POW_63..TWO_POW_63).contains(&f) {
        let i = f as i64;
        (i as f64 == f).then_some(i)
    } else {
        None
    }
}

/// Decodes one element from the start of `bytes`: the value and the bytes
/// it used. `column` only names the element in error messages.
pub fn decode_key_value(bytes: &[u8], order: SortOrder, column: usize) -> Result<(Value, usize)> {
    let mask = match order {
        SortOrder::Asc => 0x00,
        SortOrder::Desc => 0xff,
    };
    let bad = |what: &str| err!(Corrupt, "decode key column {column}: {what}");
    let Some(&tag) = bytes.first() else {
        return Err(bad("the key ends before this column"));
    };
    match tag ^ mask {
        TAG_NULL => Ok((Value::Null, 1)),
        TAG_NUMBER => {
            let Some(body) = bytes.get(1..NUMBER_LEN) else {
                return Err(bad("truncated number"));
            };
            let mut b = [0u8; NUMBER_LEN - 1];
            for (d, s) in b.iter_mut().zip(body) {
                *d = s ^ mask;
            }
            let f = from_ordered_bits(u64::from_be_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ]));
            let delta = i32::from(u16::from_be_bytes([b[8], b[9]])) - DELTA_BIAS;
            Ok((
                decode_number(f, delta)
                    .map_err(|e| e.context(alloc::format!("decode key column {column}")))?,
                NUMBER_LEN,
            ))
        }
        t @ (TAG_TEXT | TAG_BLOB) => {
            let (raw, used) = unescape(&bytes[1..], mask).map_err(&bad)?;
            let v = if t == TAG_TEXT {
                Value::Text(String::from_utf8(raw).map_err(|_| bad("text is not valid UTF-8"))?)
            } else {
                Value::Blob(raw)
            };
            Ok((v, 1 + used))
        }
        t => Err(bad(&alloc::format!("unknown tag 0x{t:02x}"))),
    }
}

/// The value a number element stands for, if the element is canonical.
fn decode_number(f: f64, delta: i32) -> Result<Value> {
    if f.is_nan() {
        return Err(Error::corrupt("number is NaN (NaN is encoded as NULL)"));
    }
    if f == 0.0 && f.is_sign_negative() {
        return Err(Error::corrupt("number is -0.0 (encoded as 0)"));
    }
    if delta == 0 {
        return Ok(match integral_i64(f) {
            Some(i) => Value::Integer(i),
            None => Value::Real(f),
        });
    }
    // A nonzero tie-breaker belongs to an INTEGER beyond 2^53 whose image
    // (rounded to nearest) is f; anything else was not written by
    // encode_key_value. f <= 2^63 and |delta| < 2^15, so i128 holds it all.
    let exact = (f.is_finite() && f.abs() <= TWO_POW_63)
        .then(|| f as i128 + i128::from(delta))
        .and_then(|i| i64::try_from(i).ok())
        .filter(|&i| i as f64 == f);
    match exact {
        Some(i) => Ok(Value::Integer(i)),
        None => Err(err!(
            Corrupt,
            "number {f:e} has tie-breaker {delta}, which no integer has"
        )),
    }
}

/// Reads an escaped string up to and including its `00 01` terminator:
/// the unescaped bytes and the bytes used.
fn unescape(bytes: &[u8], mask: u8) -> core::result::Result<(Vec<u8>, usize), &'static str> {
    let mut raw = Vec::new();
    let mut i = 0;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err("text or blob ends without its terminator");
        };
        let b = b ^ mask;
        if b != 0 {
            raw.push(b);
            i += 1;
            continue;
        }
        match bytes.get(i + 1).map(|&n| n ^ mask) {
            Some(0xff) => {
                raw.push(0);
                i += 2;
            }
            Some(0x01) => return Ok((raw, i + 2)),
            Some(_) => return Err("byte 0x00 followed by neither 0xff nor 0x01"),
            None => return Err("text or blob ends without its terminator"),
        }
    }
}

/// Decodes a whole key of `columns.len()` elements with those directions.
///
/// Errors (`Corrupt`) on malformed bytes and on bytes left after the last
/// column.
pub fn decode_key(bytes: &[u8], columns: &[SortOrder]) -> Result<Vec<Value>> {
    let mut values = Vec::with_capacity(columns.len());
    let mut at = 0;
    for (i, &order) in columns.iter().enumerate() {
        let (v, used) = decode_key_value(&bytes[at..], order, i)?;
        values.push(v);
        at += used;
    }
    if at != bytes.len() {
        return Err(err!(
            Corrupt,
            "decode key: {} bytes left after the last of {} columns",
            bytes.len() - at,
            columns.len()
        ));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::encoding::value::compare;
    use crate::encoding::value::tests::{
        P53, blob_strategy, collation_strategy, int_strategy, real_strategy, text_strategy,
        value_strategy,
    };
    use alloc::vec;
    use core::cmp::Ordering;
    use proptest::prelude::*;

    fn enc(v: ValueRef<'_>, order: SortOrder, coll: Collation) -> Vec<u8> {
        let mut out = Vec::new();
        encode_key_value(&mut out, v, order, coll);
        out
    }

    fn asc(v: ValueRef<'_>) -> Vec<u8> {
        enc(v, SortOrder::Asc, Collation::Binary)
    }

    fn order_strategy() -> impl Strategy<Value = SortOrder> {
        prop_oneof![Just(SortOrder::Asc), Just(SortOrder::Desc)]
    }

    /// Numbers only: the subtle part of the order gets dense coverage.
    fn number_strategy() -> impl Strategy<Value = Value> {
        prop_oneof![
            int_strategy().prop_map(Value::Integer),
            real_strategy().prop_map(Value::Real),
        ]
    }

    #[test]
    fn golden_bytes() {
        use ValueRef::{Blob, Integer, Null, Real, Text};
        assert_eq!(asc(Null), [0x05]);
        assert_eq!(asc(Real(f64::NAN)), [0x05]);
        let zero = [0x15, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00];
        assert_eq!(asc(Integer(0)), zero);
        assert_eq!(asc(Real(-0.0)), zero);
        let one = [0x15, 0xbf, 0xf0, 0, 0, 0, 0, 0, 0, 0x80, 0x00];
        assert_eq!(asc(Integer(1)), one);
        assert_eq!(asc(Real(1.0)), one);
        // -1.0 = 0xbff0_0000_0000_0000, negative: every bit inverted.
        assert_eq!(
            asc(Integer(-1)),
            [
                0x15, 0x40, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00
            ]
        );
        // i64::MAX rounds to 2^63 (0x43e0...), tie-breaker -1.
        assert_eq!(
            asc(Integer(i64::MAX)),
            [0x15, 0xc3, 0xe0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff]
        );
        assert_eq!(
            asc(Text("a\0b")),
            [0x25, 0x61, 0x00, 0xff, 0x62, 0x00, 0x01]
        );
        assert_eq!(asc(Blob(b"")), [0x35, 0x00, 0x01]);
        assert_eq!(
            enc(Text("Ab  "), SortOrder::Asc, Collation::NoCase),
            [0x25, b'a', b'b', b' ', b' ', 0x00, 0x01]
        );
        assert_eq!(
            enc(Text("Ab  "), SortOrder::Asc, Collation::RTrim),
            [0x25, b'A', b'b', 0x00, 0x01]
        );
        assert_eq!(
            enc(Text("a"), SortOrder::Desc, Collation::Binary),
            [0xda, 0x9e, 0xff, 0xfe]
        );
        assert_eq!(enc(Null, SortOrder::Desc, Collation::Binary), [0xfa]);
    }

    #[test]
    fn desc_at_the_end_of_a_key() {
        // The case the two-byte terminator exists for.
        let key = |s: &str| {
            let mut out = Vec::new();
            encode_key(
                &mut out,
                &[ValueRef::Integer(1), ValueRef::Text(s)],
                &[SortOrder::Asc, SortOrder::Desc],
                &[],
            )
            .unwrap();
            out
        };
        assert!(key("a") > key("a\0"));
        assert!(key("a\0") > key("a\0\0"));
        assert!(key("a") > key("ab"));
        assert!(key("b") < key("a"));
    }

    #[test]
    fn encode_key_checks_lengths() {
        let mut out = vec![7];
        let vals = [ValueRef::Null, ValueRef::Integer(2)];
        let e = encode_key(&mut out, &vals, &[SortOrder::Asc], &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse);
        assert_eq!(out, [7]);
        encode_key(
            &mut out,
            &vals,
            &[],
            &[Collation::NoCase, Collation::Binary],
        )
        .unwrap();
        assert_eq!(out.len(), 1 + 1 + NUMBER_LEN);
    }

    #[test]
    fn tie_breakers() {
        // Integers whose f64 images collide still order and decode exactly.
        let around = |base: i64| (-600..=600).map(move |d| base.saturating_add(d));
        for base in [P53, -P53, 1 << 62, i64::MAX, i64::MIN, -(1 << 62)] {
            let mut prev: Option<(i64, Vec<u8>)> = None;
            for i in around(base) {
                let k = asc(ValueRef::Integer(i));
                if let Some((p, pk)) = &prev {
                    if *p != i {
                        assert!(pk < &k, "{p} vs {i}");
                    }
                }
                assert_eq!(
                    decode_key(&k, &[SortOrder::Asc]).unwrap(),
                    [Value::Integer(i)]
                );
                prev = Some((i, k));
            }
        }
    }

    #[test]
    fn rejects_malformed_keys() {
        let asc1 = [SortOrder::Asc];
        let one = asc(ValueRef::Integer(1));
        let mut neg_zero = vec![TAG_NUMBER];
        neg_zero.extend_from_slice(&(!(-0.0f64).to_bits()).to_be_bytes());
        neg_zero.extend_from_slice(&[0x80, 0x00]);
        let mut nan = vec![TAG_NUMBER];
        nan.extend_from_slice(&(f64::NAN.to_bits() | 1 << 63).to_be_bytes());
        nan.extend_from_slice(&[0x80, 0x00]);
        let mut bad_delta = one.clone();
        bad_delta[10] = 0x01; // 1.0 with tie-breaker +1
        let mut trailing = one.clone();
        trailing.push(0);
        let cases: [(&[u8], &str); 10] = [
            (&[], "ends before"),
            (&[0x00], "unknown tag 0x00"),
            (&one[..5], "truncated number"),
            (&neg_zero, "-0.0"),
            (&nan, "NaN"),
            (&bad_delta, "tie-breaker"),
            (&[0x25, b'a', 0x00], "without its terminator"),
            (&[0x35, 0x00, 0x02, 0x00, 0x01], "neither"),
            (&[0x25, 0xc3, 0x00, 0x01], "UTF-8"),
            (&trailing, "left after"),
        ];
        for (bytes, want) in cases {
            let e = decode_key(bytes, &asc1).expect_err("malformed key accepted");
            assert_eq!(e.kind(), ErrorKind::Corrupt);
            assert!(e.message().contains(want), "{bytes:02x?}: {e:?}");
        }
        // DESC reads through the inversion.
        let e = decode_key(&[0xda, 0x9e], &[SortOrder::Desc]).unwrap_err();
        assert!(e.message().contains("column 0"), "{e:?}");
    }

    /// What decoding an encoded value must give back.
    fn expected_decode(v: &Value, coll: Collation) -> Value {
        match v {
            Value::Real(f) if f.is_nan() => Value::Null,
            Value::Real(f) => integral_i64(*f).map_or(Value::Real(*f), Value::Integer),
            Value::Text(s) => {
                let mut c = Vec::new();
                coll.collate_into(s, &mut c);
                Value::Text(String::from_utf8(c).unwrap())
            }
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn byte_order_is_key_order(
            a in value_strategy(),
            b in value_strategy(),
            order in order_strategy(),
            coll in collation_strategy(),
        ) {
            let (a, b) = (a.as_ref(), b.as_ref());
            let want = order.apply(compare(&a, &b, coll));
            prop_assert_eq!(enc(a, order, coll).cmp(&enc(b, order, coll)), want);
        }

        #[test]
        fn number_byte_order_is_key_order(a in number_strategy(), b in number_strategy(), order in order_strategy()) {
            let (a, b) = (a.as_ref(), b.as_ref());
            let want = order.apply(compare(&a, &b, Collation::Binary));
            let (ka, kb) = (enc(a, order, Collation::Binary), enc(b, order, Collation::Binary));
            prop_assert_eq!(ka.cmp(&kb), want);
            // Equal values (1 and 1.0, 0 and -0.0, NaN and NULL) encode identically.
            prop_assert_eq!(ka == kb, want == Ordering::Equal);
        }

        #[test]
        fn equal_values_equal_bytes(
            a in value_strategy(),
            b in value_strategy(),
            coll in collation_strategy(),
        ) {
            let (a, b) = (a.as_ref(), b.as_ref());
            let same = compare(&a, &b, coll) == Ordering::Equal;
            prop_assert_eq!(asc_coll(a, coll) == asc_coll(b, coll), same);
        }

        #[test]
        fn text_order_under_each_collation(
            a in text_strategy(),
            b in text_strategy(),
            coll in collation_strategy(),
            order in order_strategy(),
        ) {
            let (a, b) = (ValueRef::Text(&a), ValueRef::Text(&b));
            let want = order.apply(compare(&a, &b, coll));
            prop_assert_eq!(enc(a, order, coll).cmp(&enc(b, order, coll)), want);
        }

        #[test]
        fn blob_order(a in blob_strategy(), b in blob_strategy(), order in order_strategy()) {
            // Bytes, whatever the collation.
            let want = order.apply(a.cmp(&b));
            for coll in [Collation::Binary, Collation::NoCase, Collation::RTrim] {
                let (a, b) = (ValueRef::Blob(&a), ValueRef::Blob(&b));
                prop_assert_eq!(order.apply(compare(&a, &b, coll)), want);
                prop_assert_eq!(enc(a, order, coll).cmp(&enc(b, order, coll)), want);
            }
        }

        #[test]
        fn tuple_order(
            cols in proptest::collection::vec(
                (value_strategy(), value_strategy(), order_strategy(), collation_strategy()),
                1..=4,
            ),
        ) {
            let a: Vec<ValueRef<'_>> = cols.iter().map(|c| c.0.as_ref()).collect();
            let b: Vec<ValueRef<'_>> = cols.iter().map(|c| c.1.as_ref()).collect();
            let orders: Vec<SortOrder> = cols.iter().map(|c| c.2).collect();
            let colls: Vec<Collation> = cols.iter().map(|c| c.3).collect();
            let want = (0..cols.len())
                .map(|i| orders[i].apply(compare(&a[i], &b[i], colls[i])))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal);
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            encode_key(&mut ka, &a, &orders, &colls).unwrap();
            encode_key(&mut kb, &b, &orders, &colls).unwrap();
            prop_assert_eq!(ka.cmp(&kb), want);
        }

        #[test]
        fn tuple_order_shared_prefix(
            prefix in proptest::collection::vec((value_strategy(), order_strategy()), 0..3),
            a in value_strategy(),
            b in value_strategy(),
            order in order_strategy(),
            coll in collation_strategy(),
        ) {
            // Tuples equal up to their last column: the last column (ASC or
            // DESC, at the very end of the key) decides.
            let mut va: Vec<ValueRef<'_>> = prefix.iter().map(|p| p.0.as_ref()).collect();
            let mut vb = va.clone();
            va.push(a.as_ref());
            vb.push(b.as_ref());
            let mut orders: Vec<SortOrder> = prefix.iter().map(|p| p.1).collect();
            orders.push(order);
            let colls = vec![coll; orders.len()];
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            encode_key(&mut ka, &va, &orders, &colls).unwrap();
            encode_key(&mut kb, &vb, &orders, &colls).unwrap();
            prop_assert_eq!(ka.cmp(&kb), order.apply(compare(&a.as_ref(), &b.as_ref(), coll)));
        }

        #[test]
        fn decode_round_trip(
            cols in proptest::collection::vec((value_strategy(), order_strategy(), collation_strategy()), 0..=4),
        ) {
            let vals: Vec<ValueRef<'_>> = cols.iter().map(|c| c.0.as_ref()).collect();
            let orders: Vec<SortOrder> = cols.iter().map(|c| c.1).collect();
            let colls: Vec<Collation> = cols.iter().map(|c| c.2).collect();
            let mut key = Vec::new();
            encode_key(&mut key, &vals, &orders, &colls).unwrap();
            let back = decode_key(&key, &orders).unwrap();
            prop_assert_eq!(back.len(), cols.len());
            for (i, (v, _, coll)) in cols.iter().enumerate() {
                // Equal under the key order, and exactly what the lossy
                // rules say.
                prop_assert_eq!(compare(&back[i].as_ref(), &v.as_ref(), *coll), Ordering::Equal);
                prop_assert_eq!(&back[i], &expected_decode(v, *coll));
            }
            // Canonical: re-encoding the decoded values gives the same bytes.
            let back_refs: Vec<ValueRef<'_>> = back.iter().map(Value::as_ref).collect();
            let mut again = Vec::new();
            encode_key(&mut again, &back_refs, &orders, &[]).unwrap();
            prop_assert_eq!(again, key);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(TAG_NULL), Just(TAG_NUMBER), Just(TAG_TEXT), Just(TAG_BLOB),
                    Just(!TAG_NULL), Just(!TAG_NUMBER), Just(!TAG_TEXT), Just(!TAG_BLOB),
                    Just(0x00), Just(0x01), Just(0xff), Just(0xfe), Just(0x80), Just(0x7f),
                    any::<u8>(),
                ],
                0..40,
            ),
            orders in proptest::collection::vec(order_strategy(), 0..5),
        ) {
            // Whatever decodes is canonical: it re-encodes to the same bytes.
            if let Ok(vals) = decode_key(&bytes, &orders) {
                let refs: Vec<ValueRef<'_>> = vals.iter().map(Value::as_ref).collect();
                let mut again = Vec::new();
                encode_key(&mut again, &refs, &orders, &[]).unwrap();
                prop_assert_eq!(again, bytes);
            }
        }

        #[test]
        fn mutated_keys_never_panic(
            v in proptest::collection::vec(value_strategy(), 1..4),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let refs: Vec<ValueRef<'_>> = v.iter().map(Value::as_ref).collect();
            let orders = vec![SortOrder::Asc; v.len()];
            let mut key = Vec::new();
            encode_key(&mut key, &refs, &orders, &[]).unwrap();
            // A proper prefix of a key is never a key with as many columns
            // (the elements are prefix-free and decoding is canonical).
            let cut = cut.index(key.len());
            prop_assert!(decode_key(&key[..cut], &orders).is_err());
            let at = at.index(key.len());
            key[at] = byte;
            let _ = decode_key(&key, &orders);
        }
    }

    fn asc_coll(v: ValueRef<'_>, coll: Collation) -> Vec<u8> {
        enc(v, SortOrder::Asc, coll)
    }
}
