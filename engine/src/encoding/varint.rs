//! Varints (temporary minimal version; the encoding module replaces it).
use alloc::vec::Vec;

use crate::{Result, err};

/// Appends `v` as unsigned LEB128.
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

/// Reads an unsigned LEB128 varint: (value, bytes used).
pub fn get_varint(buf: &[u8]) -> Result<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in buf.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    Err(err!(Corrupt, "varint: truncated or longer than 10 bytes"))
}
