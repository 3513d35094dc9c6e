//! The page codec: applied by the pager to every page it writes to a store
//! and every page it reads back.
//!
//! Plain databases use [`ChecksumCodec`]: an xxh3 checksum of the page
//! (everything but the checksum field itself, up to the reserved tail) in
//! bytes 12..16 of the page header. A read also checks that the page number
//! stored in the header is the one asked for, so a write that landed at the
//! wrong offset is caught too. Encrypted databases (a later issue) plug an
//! AEAD codec in here, with its nonce and tag in the page's reserved tail.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::page::{PAGE_SIZE, PH_CHECKSUM, PH_PAGE_NO, PageNo, get_u32, put_u32};
use crate::{Error, Result};

/// Encodes pages on their way to a store and checks them on the way back.
pub trait PageCodec: Send + Sync + core::fmt::Debug {
    /// Bytes at the end of every page this codec reserves for itself.
    fn reserved_tail(&self) -> usize;

    /// Prepares page `page` for the store, in place.
    fn encode(&self, page: PageNo, buf: &mut [u8; PAGE_SIZE]);

    /// Checks (and decodes, in place) page `page` read from the store;
    /// `file` names the file for the error message.
    fn decode(&self, file: &str, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()>;
}

/// xxh3 checksum per page; see the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChecksumCodec;

impl ChecksumCodec {
    /// The checksum of a page image: the body hashed, then the header's
    /// first 12 bytes hashed with the body's hash as seed.
    pub fn checksum(buf: &[u8; PAGE_SIZE]) -> u32 {
        fold(Self::hash64(buf))
    }

    /// The 64-bit hash the checksum folds: the body hashed, then the
    /// header's first 12 bytes with the body's hash as seed. The WAL binds
    /// each image to its segment with it.
    pub fn hash64(buf: &[u8; PAGE_SIZE]) -> u64 {
        let body = xxh3_64(&buf[PH_CHECKSUM + 4..]);
        xxh3_64_with_seed(&buf[..PH_CHECKSUM], body)
    }

    /// Encodes page `page` in place and returns its [`ChecksumCodec::hash64`]
    /// (one pass over the page for both).
    pub fn encode_hashed(&self, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> u64 {
        debug_assert_eq!(
            get_u32(buf, PH_PAGE_NO),
            page,
            "page header names another page"
        );
        let h = Self::hash64(buf);
        put_u32(buf, PH_CHECKSUM, fold(h));
        h
    }
}

fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

impl PageCodec for ChecksumCodec {
    fn reserved_tail(&self) -> usize {
        0
    }

    fn encode(&self, page: PageNo, buf: &mut [u8; PAGE_SIZE]) {
        debug_assert_eq!(
            get_u32(buf, PH_PAGE_NO),
            page,
            "page header names another page"
        );
        let sum = Self::checksum(buf);
        put_u32(buf, PH_CHECKSUM, sum);
    }

    fn decode(&self, file: &str, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        let stored = get_u32(buf, PH_CHECKSUM);
        let actual = Self::checksum(buf);
        if stored != actual {
            return Err(Error::corrupt(alloc::format!(
                "read page {page} of {file}: checksum mismatch (stored {stored:#010x}, computed {actual:#010x}): the page is damaged or torn"
            )));
        }
        let named = get_u32(buf, PH_PAGE_NO);
        if named != page {
            return Err(Error::corrupt(alloc::format!(
                "read page {page} of {file}: the page says it is page {named} (misdirected write)"
            )));
        }
        Ok(())
    }
}
