//! Varints: unsigned LEB128 for `u64`, and zigzag for `i64`.
//!
//! A varint stores 7 bits per byte, least significant group first; the high
//! bit of a byte says "another byte follows". `0..=127` takes one byte and
//! `u64::MAX` takes ten (nine full groups and one last bit).
//!
//! ```text
//! value            bytes
//! 0                00
//! 127              7f
//! 128              80 01
//! 300              ac 02
//! u64::MAX         ff ff ff ff ff ff ff ff ff 01
//! ```
//!
//! Varints are used where a length or a small number sits in front of other
//! bytes: B+tree cells (the value length), record headers (the header length
//! and the serial types). They are not order-preserving; keys use
//! [`super::key`] instead.
//!
//! Invariant: every `u64` has exactly one encoding, the shortest one.
//! [`get_varint`] accepts only that one: it rejects a varint that runs past
//! the end of the buffer, one longer than ten bytes, one whose tenth byte
//! holds more than the single bit left (it would overflow `u64`), and a
//! redundant one whose last byte is zero (`80 00` for 0). Every writer in the
//! engine writes the shortest form, so a redundant form can only come from
//! damaged bytes, and rejecting it keeps "same value" and "same bytes" the
//! same thing. Reading never panics, whatever the bytes.
//!
//! Zigzag maps signed to unsigned so that small magnitudes stay small:
//! `0, -1, 1, -2, 2, …` become `0, 1, 2, 3, 4, …`; put it in front of
//! [`put_varint`] to store an `i64` whose sign varies.

use alloc::vec::Vec;

use crate::{Result, err};

/// The longest varint: ten bytes hold 70 bits, enough for 64.
pub const MAX_VARINT_LEN: usize = 10;

/// Appends `v` as unsigned LEB128 (1 to 10 bytes, the shortest form).
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The number of bytes [`put_varint`] writes for `v` (1 to 10).
pub fn varint_len(v: u64) -> usize {
    // Significant bits, at least one (0 still takes a byte), in 7-bit groups.
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Reads a varint from the start of `buf`: the value and the bytes it used.
///
/// Errors (kind `Corrupt`) on a varint that is truncated, longer than ten
/// bytes, overflows `u64`, or is not in its shortest form.
#[inline]
pub fn get_varint(buf: &[u8]) -> Result<(u64, usize)> {
    // Lengths and serial types are nearly always one byte; keep that case
    // inlined at every call and the general loop out of line.
    match buf.first() {
        Some(&b) if b < 0x80 => Ok((u64::from(b), 1)),
        _ => get_varint_long(buf),
    }
}

#[inline(never)]
fn get_varint_long(buf: &[u8]) -> Result<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in buf.iter().enumerate().take(MAX_VARINT_LEN) {
        let group = u64::from(b & 0x7f);
        if i == MAX_VARINT_LEN - 1 && group > 1 {
            return Err(err!(
                Corrupt,
                "read varint: the tenth byte 0x{b:02x} overflows 64 bits"
            ));
        }
        v |= group << (7 * i);
        if b & 0x80 == 0 {
            if b == 0 && i > 0 {
                return Err(err!(
                    Corrupt,
                    "read varint: redundant {}-byte encoding of {v}",
                    i + 1
                ));
            }
            return Ok((v, i + 1));
        }
    }
    if buf.len() >= MAX_VARINT_LEN {
        Err(err!(
            Corrupt,
            "read varint: longer than {MAX_VARINT_LEN} bytes"
        ))
    } else {
        Err(err!(
            Corrupt,
            "read varint: truncated after {} bytes",
            buf.len()
        ))
    }
}

/// Zigzag: maps `0, -1, 1, -2, 2, …` to `0, 1, 2, 3, 4, …`.
pub fn zigzag_encode(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Inverse of [`zigzag_encode`].
pub fn zigzag_decode(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn enc(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, v);
        out
    }

    #[test]
    fn known_encodings() {
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(300), [0xac, 0x02]);
        assert_eq!(
            enc(u64::MAX),
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        for (v, n) in [
            (0, 1),
            (127, 1),
            (128, 2),
            ((1 << 14) - 1, 2),
            (1 << 14, 3),
            ((1 << 63) - 1, 9),
            (1 << 63, 10),
            (u64::MAX, 10),
        ] {
            assert_eq!(varint_len(v), n, "varint_len({v})");
            assert_eq!(enc(v).len(), n, "put_varint({v})");
        }
    }

    #[test]
    fn rejects_bad_varints() {
        use crate::ErrorKind;
        let bad: [&[u8]; 7] = [
            &[],
            &[0x80],
            &[0xff, 0xff],
            // Eleven bytes.
            &[
                0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
            ],
            // Tenth byte carries two bits: 2^64.
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02],
            // Redundant forms of 0 and of 1.
            &[0x80, 0x00],
            &[0x81, 0x80, 0x00],
        ];
        for b in bad {
            let e = get_varint(b).expect_err("malformed varint accepted");
            assert_eq!(e.kind(), ErrorKind::Corrupt);
            assert!(e.message().starts_with("read varint"), "{e:?}");
        }
    }

    #[test]
    fn reads_only_its_own_bytes() {
        assert_eq!(get_varint(&[0xac, 0x02, 0xff, 0x00]).unwrap(), (300, 2));
        assert_eq!(get_varint(&[0x00, 0x80]).unwrap(), (0, 1));
    }

    #[test]
    fn zigzag_known() {
        let pairs = [(0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4)];
        for (s, u) in pairs {
            assert_eq!(zigzag_encode(s), u);
            assert_eq!(zigzag_decode(u), s);
        }
        assert_eq!(zigzag_encode(i64::MAX), u64::MAX - 1);
        assert_eq!(zigzag_encode(i64::MIN), u64::MAX);
    }

    proptest! {
        #[test]
        fn round_trip(v in any::<u64>(), shift in 0u32..64, tail in proptest::collection::vec(any::<u8>(), 0..4)) {
            // Shifting spreads the values over every length.
            let v = v >> shift;
            let mut buf = enc(v);
            prop_assert_eq!(buf.len(), varint_len(v));
            buf.extend_from_slice(&tail);
            prop_assert_eq!(get_varint(&buf).unwrap(), (v, varint_len(v)));
        }

        #[test]
        fn arbitrary_bytes_never_panic(buf in proptest::collection::vec(any::<u8>(), 0..14)) {
            // Whatever it accepts is exactly the canonical encoding.
            if let Ok((v, n)) = get_varint(&buf) {
                prop_assert_eq!(&buf[..n], &enc(v)[..]);
            }
        }

        #[test]
        fn arbitrary_long_varints(n in 1usize..12, last in any::<u8>()) {
            let mut buf = vec![0xffu8; n - 1];
            buf.push(last);
            if let Ok((v, used)) = get_varint(&buf) {
                prop_assert_eq!(used, n);
                prop_assert_eq!(enc(v), buf);
            }
        }

        #[test]
        fn zigzag_round_trip(v in any::<i64>()) {
            prop_assert_eq!(zigzag_decode(zigzag_encode(v)), v);
            // Small magnitudes stay small.
            prop_assert!(zigzag_encode(v) <= v.unsigned_abs().saturating_mul(2));
        }
    }
}
