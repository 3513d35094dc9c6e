//! Encoding: how values become bytes, as pure functions any layer may use.
//!
//! Three formats live here, each in its own module, and one order:
//!
//! - [`value`] — the SQL values ([`Value`], borrowed [`ValueRef`]), the
//!   collations and [`compare`], the **key order** every index, ORDER BY,
//!   DISTINCT and UNIQUE follows: NULL < numbers < TEXT < BLOB; INTEGER and
//!   REAL compared exactly by value across types (1 = 1.0, 1 < 1.5 < 2,
//!   `i64::MAX` < 2^63, 2^53 + 1 > 2^53 as a REAL); TEXT by collation; BLOB
//!   by bytes.
//! - [`key`] — **keys**: values encoded so that memcmp on the bytes *is* the
//!   key order, ASC or DESC per column. B+trees know nothing of values; they
//!   compare and truncate byte strings, and this module is what makes that
//!   correct.
//! - [`record`] — **records**: a row's values as one B+tree value, compact
//!   and readable one column at a time without copying.
//! - [`varint`] — LEB128 varints for lengths and small numbers in front of
//!   other bytes (record headers, B+tree cells).
//!
//! `engine/FORMAT.md` ("Keys, records and varints") draws the formats byte
//! by byte; the module essays carry the arguments.
//!
//! # Two decisions about numbers
//!
//! **NaN is NULL.** IEEE NaN is unordered (NaN ≠ NaN), and a B+tree, a sort
//! or a UNIQUE check needs a total order; SQLite answers by storing NaN as
//! NULL, and so does TurDB: [`record::encode_record`] writes NaN as NULL, the
//! key encoding gives it NULL's bytes and [`compare`] ranks it as NULL. So
//! there is exactly one place in the order for it, and a value read back
//! from storage is never NaN.
//!
//! **-0.0 = 0 = 0.0.** IEEE and SQL call them equal, so a UNIQUE index must
//! reject one beside the other, and `WHERE x = 0` must find both; the key
//! encoding maps -0.0 to 0.0 (and 1.0 to the same bytes as 1) so that equal
//! values have equal keys. A record keeps the REAL's bits (-0.0 stays -0.0)
//! because a record stores, it does not order.
//!
//! # Why keys are prefix-free
//!
//! A key of several columns is the concatenation of its columns' encodings.
//! That is only correct because no column's encoding is a proper prefix of
//! another's (NULL and numbers have fixed lengths; TEXT and BLOB escape
//! their zero bytes and end with `00 01`, which cannot occur inside them):
//! then two tuple keys first differ inside the first column that differs,
//! and that byte decides exactly as the column comparison does. The same
//! property lets a DESC column be its ASC bytes inverted — inversion
//! reverses the order of byte strings that differ at some position, but not
//! of a string and its prefix. See [`key`] for the full argument.
//!
//! Nothing here panics on bad bytes: every decoder returns a `Corrupt`
//! error that names what it was reading.

pub mod key;
pub mod record;
pub mod value;
pub mod varint;

pub use key::{decode_key, decode_key_value, encode_key, encode_key_value};
pub use record::{Record, RecordIter, encode_record};
pub use value::{Collation, SortOrder, Value, ValueRef, compare};
pub use varint::{get_varint, put_varint, varint_len, zigzag_decode, zigzag_encode};
