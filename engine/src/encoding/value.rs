//! Values, collations and the key order.
//!
//! A [`Value`] is one of SQLite's five storage classes: NULL, INTEGER (`i64`),
//! REAL (`f64`), TEXT (UTF-8) and BLOB. [`ValueRef`] is the same thing
//! borrowed, which is what the record reader hands out without copying.
//!
//! [`compare`] is the **key order**, the one order that indexes, ORDER BY,
//! DISTINCT and UNIQUE use:
//!
//! 1. NULL < numbers < TEXT < BLOB.
//! 2. INTEGER and REAL are one class and compare *exactly* by value across
//!    types: 1 < 1.5 < 2, 1 = 1.0, `i64::MAX` < 2^63 (a REAL), and
//!    2^53 + 1 (an INTEGER) > 2^53 (a REAL), even though `2^53 + 1` converted
//!    to `f64` is 2^53. Converting to `f64` and comparing would get the last
//!    two wrong, so an INTEGER is compared against a REAL's integer part and
//!    then its fraction.
//! 3. NaN is NULL (equal to NULL and to every NaN). The design stores NaN as
//!    NULL; treating any NaN that reaches a comparison the same way keeps the
//!    order total, and a total order is what a B+tree, a sort and a UNIQUE
//!    check need.
//! 4. -0.0 = 0.0 = 0, as IEEE and SQL say; +inf is above every other number
//!    and -inf below.
//! 5. TEXT compares by its [`Collation`]; BLOB by bytes (a collation never
//!    applies to a BLOB).
//!
//! [`super::key`] turns this order into a byte order; its tests check the two
//! agree.
//!
//! Equality on the types themselves (`==`, derived) is structural, not the
//! key order: `Integer(1) != Real(1.0)` and `Real(NaN) != Real(NaN)`. Use
//! [`compare`] for SQL semantics.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// An owned SQL value.
#[derive(Debug, PartialEq, Default)]
pub enum Value {
    /// SQL NULL.
    #[default]
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit IEEE float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A borrowed SQL value; `Copy`, and cheap to pass by value.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    #[default]
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit IEEE float.
    Real(f64),
    /// UTF-8 text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

impl Clone for Value {
    fn clone(&self) -> Value {
        match self {
            Value::Null => Value::Null,
            Value::Integer(i) => Value::Integer(*i),
            Value::Real(f) => Value::Real(*f),
            Value::Text(s) => Value::Text(s.clone()),
            Value::Blob(b) => Value::Blob(b.clone()),
        }
    }

    /// Reuses this value's text or blob buffer when `source` is of the same
    /// kind, so copying row after row into the same slots (`Vec::clone_from`
    /// does this element by element) stops allocating once the buffers are
    /// big enough.
    fn clone_from(&mut self, source: &Value) {
        match (self, source) {
            (Value::Text(d), Value::Text(s)) => d.clone_from(s),
            (Value::Blob(d), Value::Blob(s)) => d.clone_from(s),
            (d, s) => *d = s.clone(),
        }
    }
}

impl Value {
    /// Sets this value to a copy of `v`, reusing this value's text or blob
    /// buffer when both are of the same kind (see [`Value::clone_from`]).
    #[inline]
    pub fn set_ref(&mut self, v: ValueRef<'_>) {
        match (self, v) {
            (Value::Text(d), ValueRef::Text(s)) => {
                d.clear();
                d.push_str(s);
            }
            (Value::Blob(d), ValueRef::Blob(s)) => {
                d.clear();
                d.extend_from_slice(s);
            }
            (d, ValueRef::Integer(i)) => *d = Value::Integer(i),
            (d, ValueRef::Real(f)) => *d = Value::Real(f),
            (d, v) => *d = v.to_owned(),
        }
    }

    /// Borrows this value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }

    /// True for NULL (and not for NaN; see [`ValueRef::is_null_or_nan`]).
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The storage class's SQL name, for messages: `"null"`, `"integer"`,
    /// `"real"`, `"text"`, `"blob"`.
    pub fn type_name(&self) -> &'static str {
        self.as_ref().type_name()
    }
}

impl<'a> ValueRef<'a> {
    /// Copies this value into an owned [`Value`]. (Takes `&self`, not
    /// `self`, so that on a `&ValueRef` it is this method and not the
    /// blanket `ToOwned::to_owned`, which would return a `ValueRef`.)
    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(String::from(s)),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    /// True for NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// True for NULL and for a NaN REAL: the values the key order treats as
    /// NULL.
    pub fn is_null_or_nan(&self) -> bool {
        match self {
            ValueRef::Null => true,
            ValueRef::Real(f) => f.is_nan(),
            _ => false,
        }
    }

    /// The storage class's SQL name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            ValueRef::Null => "null",
            ValueRef::Integer(_) => "integer",
            ValueRef::Real(_) => "real",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "blob",
        }
    }
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(v: &'a Value) -> ValueRef<'a> {
        v.as_ref()
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(v: ValueRef<'_>) -> Value {
        v.to_owned()
    }
}

/// `From` impls for the Rust types that map onto one storage class without
/// loss. (`u64` and `usize` do not: they may not fit an INTEGER, and
/// silently turning them into a REAL would be a surprise; convert
/// explicitly.)
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Integer(i64::from(v))
            }
        }
        impl From<$t> for ValueRef<'_> {
            fn from(v: $t) -> Self {
                ValueRef::Integer(i64::from(v))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, bool);

macro_rules! from_real {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Real(f64::from(v))
            }
        }
        impl From<$t> for ValueRef<'_> {
            fn from(v: $t) -> Self {
                ValueRef::Real(f64::from(v))
            }
        }
    )*};
}
from_real!(f32, f64);

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(String::from(v))
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Blob(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<'a> From<&'a str> for ValueRef<'a> {
    fn from(v: &'a str) -> ValueRef<'a> {
        ValueRef::Text(v)
    }
}

impl<'a> From<&'a String> for ValueRef<'a> {
    fn from(v: &'a String) -> ValueRef<'a> {
        ValueRef::Text(v)
    }
}

impl<'a> From<&'a [u8]> for ValueRef<'a> {
    fn from(v: &'a [u8]) -> ValueRef<'a> {
        ValueRef::Blob(v)
    }
}

impl<'a> From<&'a Vec<u8>> for ValueRef<'a> {
    fn from(v: &'a Vec<u8>) -> ValueRef<'a> {
        ValueRef::Blob(v)
    }
}

impl<'a, T: Into<ValueRef<'a>>> From<Option<T>> for ValueRef<'a> {
    fn from(v: Option<T>) -> ValueRef<'a> {
        v.map_or(ValueRef::Null, Into::into)
    }
}

/// How TEXT compares: SQLite's three built-in collations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Collation {
    /// Bytes of the UTF-8, as memcmp (which is also code-point order).
    #[default]
    Binary,
    /// As `Binary` after folding ASCII `A`–`Z` to lower case. Nothing else
    /// folds (not `É`, not `ß`), exactly as SQLite's NOCASE: the fold is
    /// to *lower* case, so `_` (0x5F) sorts before `a` and hence before `A`.
    NoCase,
    /// As `Binary` after removing trailing spaces (U+0020 only; not tabs or
    /// other white space), as SQLite's RTRIM.
    RTrim,
}

impl Collation {
    /// The SQL name: `BINARY`, `NOCASE`, `RTRIM`.
    pub fn name(self) -> &'static str {
        match self {
            Collation::Binary => "BINARY",
            Collation::NoCase => "NOCASE",
            Collation::RTrim => "RTRIM",
        }
    }

    /// Looks a collation up by its SQL name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Collation> {
        [Collation::Binary, Collation::NoCase, Collation::RTrim]
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Compares two texts under this collation, without allocating.
    pub fn compare_text(self, a: &str, b: &str) -> Ordering {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        match self {
            Collation::Binary => a.cmp(b),
            Collation::NoCase => a
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(b.iter().map(u8::to_ascii_lowercase)),
            Collation::RTrim => rtrim(a).cmp(rtrim(b)),
        }
    }

    /// The bytes whose memcmp order is this collation's order for `text`;
    /// what the key encoding stores. Appends to `out`. NOCASE folds to lower
    /// case and RTRIM drops trailing spaces; both keep the text valid UTF-8
    /// (ASCII bytes never occur inside a multi-byte sequence).
    pub fn collate_into(self, text: &str, out: &mut Vec<u8>) {
        let b = text.as_bytes();
        match self {
            Collation::Binary => out.extend_from_slice(b),
            Collation::NoCase => out.extend(b.iter().map(u8::to_ascii_lowercase)),
            Collation::RTrim => out.extend_from_slice(rtrim(b)),
        }
    }
}

fn rtrim(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    &b[..end]
}

/// Direction of one key column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Ascending: smallest first.
    #[default]
    Asc,
    /// Descending: largest first.
    Desc,
}

impl SortOrder {
    /// Applies the direction to an ascending comparison.
    pub fn apply(self, o: Ordering) -> Ordering {
        match self {
            SortOrder::Asc => o,
            SortOrder::Desc => o.reverse(),
        }
    }
}

/// The four classes of the key order, in order. NaN counts as NULL.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Null,
    Number,
    Text,
    Blob,
}

fn class(v: &ValueRef<'_>) -> Class {
    match v {
        ValueRef::Null => Class::Null,
        ValueRef::Real(f) if f.is_nan() => Class::Null,
        ValueRef::Integer(_) | ValueRef::Real(_) => Class::Number,
        ValueRef::Text(_) => Class::Text,
        ValueRef::Blob(_) => Class::Blob,
    }
}

/// 2^63 as an `f64`: the first REAL above every `i64`.
pub(crate) const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Compares an INTEGER and a (non-NaN) REAL exactly by value.
pub(crate) fn cmp_int_real(i: i64, f: f64) -> Ordering {
    // Outside [-2^63, 2^63) the REAL is beyond every i64 (this also covers
    // the infinities).
    if f >= TWO_POW_63 {
        return Ordering::Less;
    }
    if f < -TWO_POW_63 {
        return Ordering::Greater;
    }
    // `as` truncates toward zero and is exact here: t is f's integer part,
    // and t as f64 gives it back exactly (it was an f64 to begin with).
    let t = f as i64;
    match i.cmp(&t) {
        // i and f's integer part differ by at least 1, and the fraction is
        // less than 1 in magnitude, so the integer parts decide. (For
        // f >= 0, t <= f < t + 1; for f < 0, t - 1 < f <= t.)
        Ordering::Equal => {}
        o => return o,
    }
    // Same integer part: the fraction decides. -0.0 compares equal to 0.0.
    match f.partial_cmp(&(t as f64)) {
        Some(o) => o.reverse(),
        None => Ordering::Equal, // unreachable: f is not NaN
    }
}

/// Compares two numbers (INTEGER or non-NaN REAL) exactly by value.
fn cmp_numbers(a: &ValueRef<'_>, b: &ValueRef<'_>) -> Ordering {
    match (*a, *b) {
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x.cmp(&y),
        (ValueRef::Integer(x), ValueRef::Real(y)) => cmp_int_real(x, y),
        (ValueRef::Real(x), ValueRef::Integer(y)) => cmp_int_real(y, x).reverse(),
        // Neither is NaN here, so partial_cmp is total; it also says
        // -0.0 == 0.0.
        (ValueRef::Real(x), ValueRef::Real(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal, // unreachable: both are numbers
    }
}

/// The key order (see the module documentation): NULL (and NaN) < numbers,
/// compared exactly across INTEGER and REAL < TEXT by `coll` < BLOB by
/// bytes.
pub fn compare(a: &ValueRef<'_>, b: &ValueRef<'_>, coll: Collation) -> Ordering {
    let (ca, cb) = (class(a), class(b));
    if ca != cb {
        return ca.cmp(&cb);
    }
    match (ca, *a, *b) {
        (Class::Null, _, _) => Ordering::Equal,
        (Class::Number, _, _) => cmp_numbers(a, b),
        (Class::Text, ValueRef::Text(x), ValueRef::Text(y)) => coll.compare_text(x, y),
        (Class::Blob, ValueRef::Blob(x), ValueRef::Blob(y)) => x.cmp(y),
        _ => Ordering::Equal, // unreachable: the classes match the variants
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    pub(crate) const P53: i64 = 1 << 53;

    /// Integers, weighted toward the edges of what f64 and i64 can hold.
    pub(crate) fn int_strategy() -> impl Strategy<Value = i64> {
        prop_oneof![
            any::<i64>(),
            -5i64..5,
            Just(i64::MIN),
            Just(i64::MAX),
            (-4i64..4).prop_map(|d| P53 + d),
            (-4i64..4).prop_map(|d| -P53 + d),
            (0i64..2100).prop_map(|d| i64::MAX - d),
            (0i64..2100).prop_map(|d| i64::MIN + d),
            (-1100i64..1100).prop_map(|d| (1i64 << 62) + d),
        ]
    }

    /// Reals, including NaNs (any payload and sign), zeros of both signs,
    /// infinities, subnormals, integral reals and reals equal to integers.
    pub(crate) fn real_strategy() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            any::<u64>().prop_map(f64::from_bits),
            prop_oneof![
                Just(f64::NAN),
                Just(-f64::NAN),
                Just(0.0),
                Just(-0.0),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(f64::MIN_POSITIVE),
                Just(-f64::MIN_POSITIVE),
                Just(f64::from_bits(1)),
                Just(-f64::from_bits(1)),
                Just(f64::MAX),
                Just(f64::MIN),
                Just(TWO_POW_63),
                Just(-TWO_POW_63),
                Just(0.5),
                Just(-1.5),
            ],
            int_strategy().prop_map(|i| i as f64),
            (-20i32..20).prop_map(|i| f64::from(i) / 4.0),
        ]
    }

    /// Short texts over a small alphabet, so that equal texts, prefixes,
    /// case-only differences, trailing spaces and NULs are all common.
    pub(crate) fn text_strategy() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            Just('a'),
            Just('A'),
            Just('b'),
            Just('B'),
            Just('_'),
            Just(' '),
            Just('\0'),
            Just('\u{1}'),
            Just('\u{7f}'),
            Just('é'),
            Just('É'),
            Just('\u{10FFFF}'),
        ];
        prop_oneof![
            3 => proptest::collection::vec(ch, 0..6).prop_map(String::from_iter),
            1 => any::<String>(),
        ]
    }

    /// Short blobs, rich in 0x00 and 0xFF.
    pub(crate) fn blob_strategy() -> impl Strategy<Value = Vec<u8>> {
        let b = prop_oneof![
            Just(0u8),
            Just(1),
            Just(0xFE),
            Just(0xFF),
            Just(b'a'),
            any::<u8>()
        ];
        proptest::collection::vec(b, 0..6)
    }

    pub(crate) fn value_strategy() -> impl Strategy<Value = Value> {
        prop_oneof![
            1 => Just(Value::Null),
            3 => int_strategy().prop_map(Value::Integer),
            3 => real_strategy().prop_map(Value::Real),
            2 => text_strategy().prop_map(Value::Text),
            2 => blob_strategy().prop_map(Value::Blob),
        ]
    }

    pub(crate) fn collation_strategy() -> impl Strategy<Value = Collation> {
        prop_oneof![
            Just(Collation::Binary),
            Just(Collation::NoCase),
            Just(Collation::RTrim)
        ]
    }

    /// An independent oracle for INTEGER vs REAL: exact integer arithmetic in
    /// i128 instead of the truncation argument `cmp_int_real` relies on.
    fn oracle_int_real(i: i64, f: f64) -> Ordering {
        if f == f64::INFINITY {
            return Ordering::Less;
        }
        if f == f64::NEG_INFINITY {
            return Ordering::Greater;
        }
        // |f| < 2^1024; reals at or beyond 2^100 are far outside i64.
        if f >= 1e30 {
            return Ordering::Less;
        }
        if f <= -1e30 {
            return Ordering::Greater;
        }
        // Every finite f64 below 1e30 in magnitude has an exact floor in
        // i128 (conversions of integral f64 to i128 are exact).
        let fl = libm::floor(f);
        let fl_i = fl as i128;
        let i = i128::from(i);
        if f == fl {
            i.cmp(&fl_i)
        } else if i <= fl_i {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    }

    use Collation::{Binary, NoCase, RTrim};
    use ValueRef::{Blob, Integer as I, Null, Real as R, Text as T};

    fn check(a: ValueRef<'_>, b: ValueRef<'_>, coll: Collation, want: Ordering) {
        assert_eq!(
            compare(&a, &b, coll),
            want,
            "compare({a:?}, {b:?}, {coll:?})"
        );
        assert_eq!(
            compare(&b, &a, coll),
            want.reverse(),
            "compare({b:?}, {a:?}, {coll:?})"
        );
    }

    #[test]
    fn the_listed_cases() {
        use Ordering::{Equal, Greater, Less};
        let p53 = P53 as f64;
        let cases: Vec<(ValueRef<'_>, ValueRef<'_>, Ordering)> = vec![
            // Classes.
            (Null, I(i64::MIN), Less),
            (Null, R(f64::NEG_INFINITY), Less),
            (R(f64::INFINITY), T(""), Less),
            (I(i64::MAX), T(""), Less),
            (T("\u{10FFFF}"), Blob(b""), Less),
            (Null, Null, Equal),
            // Numbers across types.
            (I(1), R(1.5), Less),
            (R(1.5), I(2), Less),
            (I(1), R(1.0), Equal),
            (I(-1), R(-1.0), Equal),
            (I(-2), R(-1.5), Less),
            (R(-1.5), I(-1), Less),
            (R(-3.5), I(-1), Less),
            (I(i64::MAX), R(TWO_POW_63), Less),
            (I(i64::MIN), R(-TWO_POW_63), Equal),
            (R(-TWO_POW_63 * 2.0), I(i64::MIN), Less),
            (I(P53 + 1), R(p53), Greater),
            (I(P53 - 1), R(p53), Less),
            (I(P53), R(p53), Equal),
            (I(-P53 - 1), R(-p53), Less),
            (I(i64::MAX), R(i64::MAX as f64), Less),
            (I(i64::MAX - 1), I(i64::MAX), Less),
            // NaN is NULL.
            (R(f64::NAN), Null, Equal),
            (R(f64::NAN), R(-f64::NAN), Equal),
            (R(f64::NAN), I(i64::MIN), Less),
            (R(f64::NAN), R(f64::NEG_INFINITY), Less),
            // Zeros.
            (R(-0.0), R(0.0), Equal),
            (R(-0.0), I(0), Equal),
            (R(-f64::from_bits(1)), R(-0.0), Less),
            (R(f64::from_bits(1)), I(0), Greater),
            (R(-f64::from_bits(1)), I(0), Less),
            // Infinities.
            (R(f64::INFINITY), I(i64::MAX), Greater),
            (R(f64::INFINITY), R(f64::MAX), Greater),
            (R(f64::NEG_INFINITY), I(i64::MIN), Less),
            (R(f64::NEG_INFINITY), R(f64::MIN), Less),
            (R(f64::INFINITY), R(f64::INFINITY), Equal),
            // Blobs by bytes, whatever the collation.
            (Blob(b"a"), Blob(b"a\0"), Less),
            (Blob(b"A"), Blob(b"a"), Less),
        ];
        for (a, b, want) in cases {
            for coll in [Binary, NoCase, RTrim] {
                check(a, b, coll, want);
            }
        }
    }

    #[test]
    fn collations() {
        use Ordering::{Equal, Greater, Less};
        check(T("abc"), T("ABC"), Binary, Greater);
        check(T("abc"), T("ABC"), NoCase, Equal);
        check(T("abc"), T("ABC"), RTrim, Greater);
        // NOCASE folds to lower case: '_' (0x5F) < 'a' (0x61).
        check(T("_"), T("A"), NoCase, Less);
        check(T("_"), T("A"), Binary, Greater);
        // Only ASCII folds.
        check(T("é"), T("É"), NoCase, Greater);
        check(T("a  "), T("a"), RTrim, Equal);
        check(T("a  "), T("a"), Binary, Greater);
        check(T("a\t"), T("a"), RTrim, Greater);
        check(T(" a"), T("a"), RTrim, Less);
        check(T("a"), T("a\0"), Binary, Less);
        check(Blob(b"a  "), Blob(b"a"), RTrim, Greater);
        check(Blob(b"A"), Blob(b"a"), NoCase, Less);
        assert_eq!(Collation::from_name("nocase"), Some(NoCase));
        assert_eq!(Collation::from_name("RTrim"), Some(RTrim));
        assert_eq!(Collation::from_name("binary"), Some(Binary));
        assert_eq!(Collation::from_name("unicode"), None);
    }

    #[test]
    fn conversions() {
        assert_eq!(Value::from(3i32), Value::Integer(3));
        assert_eq!(Value::from(true), Value::Integer(1));
        assert_eq!(Value::from(2.5f32), Value::Real(2.5));
        assert_eq!(Value::from("x"), Value::Text(String::from("x")));
        assert_eq!(Value::from(&b"\0"[..]), Value::Blob(vec![0]));
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(Value::from(Some(7u8)), Value::Integer(7));
        let owned = Value::Text(String::from("hi"));
        assert_eq!(owned.as_ref(), ValueRef::Text("hi"));
        assert_eq!(owned.as_ref().to_owned(), owned);
        assert_eq!(ValueRef::from(&owned), ValueRef::Text("hi"));
        assert_eq!(Value::from(ValueRef::Blob(b"z")), Value::Blob(vec![b'z']));
        assert_eq!(ValueRef::from(Some("a")), ValueRef::Text("a"));
        assert_eq!(owned.type_name(), "text");
    }

    proptest! {
        #[test]
        fn int_real_matches_oracle(i in int_strategy(), f in real_strategy()) {
            prop_assume!(!f.is_nan());
            prop_assert_eq!(cmp_int_real(i, f), oracle_int_real(i, f), "{} vs {:e}", i, f);
        }

        #[test]
        fn total_order(
            a in value_strategy(),
            b in value_strategy(),
            c in value_strategy(),
            coll in collation_strategy(),
        ) {
            let (a, b, c) = (a.as_ref(), b.as_ref(), c.as_ref());
            prop_assert_eq!(compare(&a, &a, coll), Ordering::Equal);
            prop_assert_eq!(compare(&a, &b, coll), compare(&b, &a, coll).reverse());
            let ab = compare(&a, &b, coll);
            let bc = compare(&b, &c, coll);
            let ac = compare(&a, &c, coll);
            if ab != Ordering::Greater && bc != Ordering::Greater {
                prop_assert!(ac != Ordering::Greater, "{:?} <= {:?} <= {:?}", a, b, c);
            }
            if ab == Ordering::Equal && bc == Ordering::Equal {
                prop_assert_eq!(ac, Ordering::Equal);
            }
        }

        #[test]
        fn numbers_transitive_across_types(
            a in int_strategy(), b in real_strategy(), c in int_strategy(),
        ) {
            // The classic trap: comparing through f64 makes 2^53 + 1 equal
            // to 2^53 (real) equal to 2^53, but not the ends to each other.
            let (a, b, c) = (I(a), R(b), I(c));
            let ab = compare(&a, &b, Binary);
            let bc = compare(&b, &c, Binary);
            if ab == Ordering::Equal && bc == Ordering::Equal {
                prop_assert_eq!(compare(&a, &c, Binary), Ordering::Equal);
            }
        }
    }
}
