//! The page format: what every 16 KiB page starts with, and page 0's file
//! header. `engine/FORMAT.md` is the byte-by-byte reference; the offsets
//! here are its source of truth.
//!
//! All structural integers are little-endian (explicitly: the host may be a
//! 32-bit wasm machine or anything else, and clippy denies host-endian
//! conversions).
//!
//! Page header (every page, 16 bytes):
//!
//! ```text
//! offset size field
//!      0    1 page type (PageType)
//!      1    1 flags (type-specific)
//!      2    2 count (type-specific: slots in a tree node, bytes in an
//!             overflow page, entries in a free-list trunk)
//!      4    4 page number of this page (detects misdirected writes)
//!      8    4 link (type-specific: right-most child, next overflow page,
//!             next free-list trunk)
//!     12    4 checksum (written and checked by the page codec)
//! ```
//!
//! The last [`FileHeader::reserved_tail`] bytes of every page are reserved
//! for the page codec (the nonce and tag of an encrypted page); the usable
//! area of a page is `PAGE_HEADER_SIZE .. PAGE_SIZE - reserved_tail`.

use alloc::boxed::Box;
use alloc::vec;

use crate::{Error, Result};

/// Size of every page in every file, in bytes.
pub const PAGE_SIZE: usize = 16384;
/// Size of the header at the start of every page.
pub const PAGE_HEADER_SIZE: usize = 16;
/// Size of the file header, stored in page 0 right after its page header.
pub const FILE_HEADER_SIZE: usize = 128;
/// Offset of the file header within page 0.
pub const FILE_HEADER_OFFSET: usize = PAGE_HEADER_SIZE;
/// The magic number at the start of the file header.
pub const MAGIC: [u8; 8] = *b"TurDB\x1a\r\n";
/// The on-disk format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// The largest page count a file may have: page numbers are `u32`, and
/// `u32::MAX` is kept free as a sentinel.
pub const MAX_PAGE_COUNT: u32 = u32::MAX - 1;

/// A page number within one file.
pub type PageNo = u32;

/// Refuses a write of `page` to the file called `name` if the page lies
/// beyond [`MAX_PAGE_COUNT`]. Every store checks this before touching its
/// storage, so a page number no database reaches is the same `TooBig` error
/// everywhere rather than a huge allocation, a sparse file or whatever the
/// backing storage makes of it.
pub fn check_write_bound(name: &str, page: PageNo) -> Result<()> {
    if page >= MAX_PAGE_COUNT {
        return Err(crate::err!(
            TooBig,
            "write page {page} of {name}: beyond the largest file TurDB addresses ({MAX_PAGE_COUNT} pages)"
        ));
    }
    Ok(())
}

/// Refuses a truncate of the file called `name` to more than
/// [`MAX_PAGE_COUNT`] pages (see [`check_write_bound`]).
pub fn check_truncate_bound(name: &str, pages: u32) -> Result<()> {
    if pages > MAX_PAGE_COUNT {
        return Err(crate::err!(
            TooBig,
            "truncate {name} to {pages} pages: beyond the largest file TurDB addresses ({MAX_PAGE_COUNT} pages)"
        ));
    }
    Ok(())
}

/// A page-sized heap buffer.
pub type PageBuf = Box<[u8; PAGE_SIZE]>;

/// A zero-filled page buffer, allocated on the heap without a stack copy.
pub fn zeroed_page() -> PageBuf {
    match vec![0u8; PAGE_SIZE].into_boxed_slice().try_into() {
        Ok(page) => page,
        Err(_) => unreachable!("a PAGE_SIZE vector converts to a PAGE_SIZE array"),
    }
}

/// What a page holds (byte 0 of the page header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PageType {
    /// Page 0: the file header.
    Meta = 1,
    /// A B+tree leaf: keys and values.
    Leaf = 2,
    /// A B+tree interior node: separators and child pointers.
    Interior = 3,
    /// A chunk of a value too large to live in its leaf.
    Overflow = 4,
    /// A free-list trunk: the numbers of free pages.
    FreeTrunk = 5,
    /// A free page (content meaningless).
    Free = 6,
}

impl PageType {
    /// Decodes byte 0 of a page header.
    pub fn from_byte(b: u8) -> Option<PageType> {
        Some(match b {
            1 => PageType::Meta,
            2 => PageType::Leaf,
            3 => PageType::Interior,
            4 => PageType::Overflow,
            5 => PageType::FreeTrunk,
            6 => PageType::Free,
            _ => return None,
        })
    }
}

// Page header offsets.
pub(crate) const PH_TYPE: usize = 0;
pub(crate) const PH_FLAGS: usize = 1;
pub(crate) const PH_COUNT: usize = 2;
pub(crate) const PH_PAGE_NO: usize = 4;
pub(crate) const PH_LINK: usize = 8;
pub(crate) const PH_CHECKSUM: usize = 12;

#[inline]
pub(crate) fn get_u16(buf: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([buf[at], buf[at + 1]])
}
#[inline]
pub(crate) fn put_u16(buf: &mut [u8], at: usize, v: u16) {
    buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
#[inline]
pub(crate) fn get_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}
#[inline]
pub(crate) fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
#[inline]
pub(crate) fn get_u64(buf: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(b)
}
#[inline]
pub(crate) fn put_u64(buf: &mut [u8], at: usize, v: u64) {
    buf[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Read access to the page header fields of a page image.
pub trait PageHeader {
    /// The raw page bytes.
    fn bytes(&self) -> &[u8; PAGE_SIZE];

    /// Byte 0: the page type, if it is a known one.
    fn page_type(&self) -> Option<PageType> {
        PageType::from_byte(self.bytes()[PH_TYPE])
    }
    /// Byte 1: type-specific flags.
    fn flags(&self) -> u8 {
        self.bytes()[PH_FLAGS]
    }
    /// Bytes 2..4: type-specific count.
    fn count(&self) -> u16 {
        get_u16(self.bytes(), PH_COUNT)
    }
    /// Bytes 4..8: the page's own number.
    fn stored_page_no(&self) -> PageNo {
        get_u32(self.bytes(), PH_PAGE_NO)
    }
    /// Bytes 8..12: type-specific link to another page.
    fn link(&self) -> PageNo {
        get_u32(self.bytes(), PH_LINK)
    }
}

impl PageHeader for [u8; PAGE_SIZE] {
    fn bytes(&self) -> &[u8; PAGE_SIZE] {
        self
    }
}

/// Writes the fixed fields of a page header (the codec fills the checksum).
pub fn init_page_header(buf: &mut [u8; PAGE_SIZE], ty: PageType, page: PageNo) {
    buf[..PAGE_HEADER_SIZE].fill(0);
    buf[PH_TYPE] = ty as u8;
    put_u32(buf, PH_PAGE_NO, page);
}

/// Sets bytes 4..8 (the page's own number), for a page image moved to
/// another page.
pub fn set_page_no(buf: &mut [u8; PAGE_SIZE], page: PageNo) {
    put_u32(buf, PH_PAGE_NO, page);
}
/// Sets byte 1 (flags).
pub fn set_flags(buf: &mut [u8; PAGE_SIZE], flags: u8) {
    buf[PH_FLAGS] = flags;
}
/// Sets bytes 2..4 (count).
pub fn set_count(buf: &mut [u8; PAGE_SIZE], count: u16) {
    put_u16(buf, PH_COUNT, count);
}
/// Sets bytes 8..12 (link).
pub fn set_link(buf: &mut [u8; PAGE_SIZE], link: PageNo) {
    put_u32(buf, PH_LINK, link);
}

// File header offsets, relative to FILE_HEADER_OFFSET.
const FH_MAGIC: usize = 0;
const FH_VERSION: usize = 8;
const FH_RESERVED_TAIL: usize = 10;
const FH_PAGE_SIZE: usize = 12;
const FH_DATABASE_ID: usize = 16;
const FH_CATALOG_ROOT: usize = 32;
const FH_FREE_HEAD: usize = 36;
const FH_FREE_COUNT: usize = 40;
const FH_PAGE_COUNT: usize = 44;
const FH_COMMIT_COUNTER: usize = 48;
const FH_FLAGS: usize = 56;
const FH_CODEC: usize = 60;
const FH_USER_VERSION: usize = 64;
const FH_SCHEMA_COOKIE: usize = 68;
const FH_WAL_GENERATION: usize = 112;
const FH_WAL_BACKFILLED: usize = 120;

/// Codec id for plain pages with an xxh3 checksum.
pub const CODEC_CHECKSUM: u8 = 1;

/// The file header in page 0, decoded. See FORMAT.md for the layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u16,
    /// Bytes at the end of every page reserved for the codec (0 for plain
    /// files; the nonce and tag for encrypted ones).
    pub reserved_tail: u16,
    /// Random id of this database, chosen at creation (binds WAL files and,
    /// later, encrypted pages to it).
    pub database_id: [u8; 16],
    /// Root page of the catalog tree (0: none yet).
    pub catalog_root: PageNo,
    /// First free-list trunk page (0: the free list is empty).
    pub free_head: PageNo,
    /// Number of free pages (trunks included).
    pub free_count: u32,
    /// Logical size of the main file in pages.
    pub page_count: u32,
    /// Incremented by every commit.
    pub commit_counter: u64,
    /// Bit 0: encrypted. Other bits reserved (must be 0).
    pub flags: u32,
    /// Page codec id ([`CODEC_CHECKSUM`]).
    pub codec: u8,
    /// `PRAGMA user_version`.
    pub user_version: u32,
    /// Incremented on every schema change.
    pub schema_cookie: u32,
    /// Written by checkpoints into page 0 only: the WAL generation whose
    /// frames below [`FileHeader::wal_backfilled`] are in the main file.
    /// Recovery skips those frames, so a WAL that a newer generation began
    /// to overwrite (and tore) never rolls the main file back.
    pub wal_generation: u64,
    pub wal_backfilled: u32,
}

impl FileHeader {
    /// The header of a new, empty database (one page: page 0).
    pub fn new(database_id: [u8; 16]) -> FileHeader {
        FileHeader {
            version: FORMAT_VERSION,
            reserved_tail: 0,
            database_id,
            catalog_root: 0,
            free_head: 0,
            free_count: 0,
            page_count: 1,
            commit_counter: 0,
            flags: 0,
            codec: CODEC_CHECKSUM,
            user_version: 0,
            schema_cookie: 0,
            wal_generation: 0,
            wal_backfilled: 0,
        }
    }

    /// Decodes and validates the file header of page 0. `name` is the file
    /// name for error messages.
    pub fn decode(page0: &[u8; PAGE_SIZE], name: &str) -> Result<FileHeader> {
        let h = &page0[FILE_HEADER_OFFSET..FILE_HEADER_OFFSET + FILE_HEADER_SIZE];
        if h[FH_MAGIC..FH_MAGIC + 8] != MAGIC {
            return Err(Error::corrupt(alloc::format!(
                "open {name}: page 0 has no TurDB magic number (not a TurDB database, or its header is damaged)"
            )));
        }
        let version = get_u16(h, FH_VERSION);
        if version != FORMAT_VERSION {
            return Err(Error::corrupt(alloc::format!(
                "open {name}: page 0 says format version {version}, this build reads version {FORMAT_VERSION}"
            )));
        }
        let page_size = get_u32(h, FH_PAGE_SIZE);
        if page_size as usize != PAGE_SIZE {
            return Err(Error::corrupt(alloc::format!(
                "open {name}: page 0 says page size {page_size}, TurDB pages are {PAGE_SIZE} bytes"
            )));
        }
        let reserved_tail = get_u16(h, FH_RESERVED_TAIL);
        if reserved_tail as usize > 256 {
            return Err(Error::corrupt(alloc::format!(
                "open {name}: page 0 reserves {reserved_tail} tail bytes per page (at most 256 allowed)"
            )));
        }
        let mut database_id = [0u8; 16];
        database_id.copy_from_slice(&h[FH_DATABASE_ID..FH_DATABASE_ID + 16]);
        let header = FileHeader {
            version,
            reserved_tail,
            database_id,
            catalog_root: get_u32(h, FH_CATALOG_ROOT),
            free_head: get_u32(h, FH_FREE_HEAD),
            free_count: get_u32(h, FH_FREE_COUNT),
            page_count: get_u32(h, FH_PAGE_COUNT),
            commit_counter: get_u64(h, FH_COMMIT_COUNTER),
            flags: get_u32(h, FH_FLAGS),
            codec: h[FH_CODEC],
            user_version: get_u32(h, FH_USER_VERSION),
            schema_cookie: get_u32(h, FH_SCHEMA_COOKIE),
            wal_generation: get_u64(h, FH_WAL_GENERATION),
            wal_backfilled: get_u32(h, FH_WAL_BACKFILLED),
        };
        if header.page_count == 0 || header.page_count > MAX_PAGE_COUNT {
            return Err(Error::corrupt(alloc::format!(
                "open {name}: page 0 says the file has {} pages",
                header.page_count
            )));
        }
        for (what, p) in [
            ("catalog root", header.catalog_root),
            ("free-list head", header.free_head),
        ] {
            if p >= header.page_count {
                return Err(Error::corrupt(alloc::format!(
                    "open {name}: page 0 says the {what} is page {p}, beyond the {} pages of the file",
                    header.page_count
                )));
            }
        }
        if header.free_count >= header.page_count {
            return Err(Error::corrupt(alloc::format!(
                "open {name}: page 0 counts {} free pages in a file of {} pages",
                header.free_count,
                header.page_count
            )));
        }
        if header.codec != CODEC_CHECKSUM || header.flags != 0 {
            return Err(Error::new(
                crate::ErrorKind::Unsupported,
                alloc::format!(
                    "open {name}: page codec {} with flags {:#x} is not supported by this build (encrypted database?)",
                    header.codec,
                    header.flags
                ),
            ));
        }
        Ok(header)
    }

    /// Writes the header into page 0 (leaving its page header alone).
    pub fn encode(&self, page0: &mut [u8; PAGE_SIZE]) {
        let h = &mut page0[FILE_HEADER_OFFSET..FILE_HEADER_OFFSET + FILE_HEADER_SIZE];
        h.fill(0);
        h[FH_MAGIC..FH_MAGIC + 8].copy_from_slice(&MAGIC);
        put_u16(h, FH_VERSION, self.version);
        put_u16(h, FH_RESERVED_TAIL, self.reserved_tail);
        put_u32(h, FH_PAGE_SIZE, PAGE_SIZE as u32);
        h[FH_DATABASE_ID..FH_DATABASE_ID + 16].copy_from_slice(&self.database_id);
        put_u32(h, FH_CATALOG_ROOT, self.catalog_root);
        put_u32(h, FH_FREE_HEAD, self.free_head);
        put_u32(h, FH_FREE_COUNT, self.free_count);
        put_u32(h, FH_PAGE_COUNT, self.page_count);
        put_u64(h, FH_COMMIT_COUNTER, self.commit_counter);
        put_u32(h, FH_FLAGS, self.flags);
        h[FH_CODEC] = self.codec;
        put_u32(h, FH_USER_VERSION, self.user_version);
        put_u32(h, FH_SCHEMA_COOKIE, self.schema_cookie);
        put_u64(h, FH_WAL_GENERATION, self.wal_generation);
        put_u32(h, FH_WAL_BACKFILLED, self.wal_backfilled);
    }
}
