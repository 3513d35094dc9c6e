//! Storage: pages, the stores that hold them, and the pager.
//!
//! A database is a **fixed set of files** — the main file and its WAL —
//! opened by the host before the engine runs. The engine never creates,
//! opens or removes a file while it runs: in the browser, creating an OPFS
//! file or a sync access handle is asynchronous, while reads and writes on an
//! open handle are synchronous. So opening is async where the host needs it,
//! and everything the engine does after that is synchronous page I/O through
//! one small trait, [`PageStore`].
//!
//! ```text
//!   btree / sql                    (pages by number, through the pager)
//!        │
//!   Pager ── cache (SIEVE, bounded in pages), free list, transactions
//!        │
//!   PageCodec ── checksum per page (later: AEAD per page)
//!        │
//!   PageStore ── MemoryStore | FileStore | MmapStore | FaultStore | JsStore
//! ```
//!
//! Every page is [`PAGE_SIZE`] bytes and starts with a 16-byte page header
//! ([`page`]); page 0 also holds the 128-byte file header. `engine/FORMAT.md`
//! draws every structure byte by byte.

pub mod codec;
pub mod fault;
pub mod memory;
pub mod page;
pub mod pager;
pub mod wal;

#[cfg(feature = "std")]
pub mod file;
#[cfg(feature = "std")]
pub mod mmap;

/// The store contract as tests; public with feature `conformance` so that
/// stores outside the engine (the wasm crate's JsStore) run the same suite.
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use codec::{ChecksumCodec, PageCodec};
pub use fault::{FaultConfig, FaultStore};
pub use memory::MemoryStore;
pub use page::{PAGE_SIZE, PageBuf, PageNo};
pub use pager::{CheckpointResult, Pager, PagerOptions, PagerStats};
pub use wal::{RecoveryReport, Synchronous};

#[cfg(feature = "std")]
pub use file::FileStore;
#[cfg(feature = "std")]
pub use mmap::MmapStore;

use crate::Result;

/// Which file of a database a page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The main file: file header, catalog, every tree, the free list.
    Main,
    /// The write-ahead log (`<main>-wal`).
    Wal,
}

impl FileKind {
    /// Both files, in a fixed order (for stores that keep an array of them).
    pub const ALL: [FileKind; 2] = [FileKind::Main, FileKind::Wal];

    /// Index into [`FileKind::ALL`].
    pub fn index(self) -> usize {
        match self {
            FileKind::Main => 0,
            FileKind::Wal => 1,
        }
    }
}

/// Synchronous, page-granular I/O over the already-open files of one
/// database.
///
/// Contract (checked for every store by one conformance suite):
///
/// - Pages are [`PAGE_SIZE`] bytes, numbered from 0 in each file. A file's
///   length is always a whole number of pages.
/// - `read_page` of a page below `page_count` fills `buf` with the last bytes
///   written there (or zeros if the file was extended past it and it was
///   never written). Reading at or beyond `page_count` is an error of kind
///   `Corrupt` or `InvalidArgument` naming the file and the page — never a
///   panic.
/// - `write_page` at `page_count` or beyond extends the file (pages between
///   the old end and `page` read as zeros).
/// - `write_page_prefix(page, buf, len)` of a page below `page_count` sets
///   its first `len` bytes to `buf`'s; the rest of the page keeps what it
///   held, or takes `buf`'s bytes (a store may write the whole page, and
///   the default does). At or beyond `page_count` it is `write_page`.
/// - `truncate(n)` makes the file exactly `n` pages long (shrinks or grows).
/// - A write of a page at or beyond [`page::MAX_PAGE_COUNT`], or a truncate
///   to more pages, is refused with the `TooBig` error of
///   [`page::check_write_bound`] / [`page::check_truncate_bound`].
/// - `sync` makes every write before it durable. Writes not yet synced may be
///   lost, and the last one torn, by a crash (the FaultStore simulates
///   exactly that).
/// - I/O failures are errors of kind `Io` (or `Full` for a full disk or
///   quota), whose message names the operation, the file and the page.
///
/// Reads take `&self` so that a store can be shared by snapshot readers;
/// everything that changes a file takes `&mut self`.
pub trait PageStore: Send + Sync {
    /// A name for `file` to put in error messages (a path, an OPFS name, …).
    fn name(&self, file: FileKind) -> &str;

    /// Reads page `page` of `file` into `buf`.
    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()>;

    /// Writes `buf` as page `page` of `file`, extending the file if needed.
    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()>;

    /// Writes the first `len` bytes of `buf` over page `page` of `file`,
    /// for a page whose tail no reader looks at: a one-page commit then
    /// writes 16 KiB and a few hundred bytes, not 32 KiB (the WAL's segment
    /// pages, `wal::segment_len`). The default writes the whole page.
    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        let _ = len;
        self.write_page(file, page, buf)
    }

    /// Number of pages in `file`.
    fn page_count(&self, file: FileKind) -> Result<u32>;

    /// Makes `file` exactly `pages` pages long.
    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()>;

    /// Makes all writes to `file` so far durable.
    fn sync(&mut self, file: FileKind) -> Result<()>;

    /// Zero-copy read: a view of page `page` straight from the store's
    /// memory, for stores that have one (memory-mapped files). The borrow
    /// of `self` guarantees that no view outlives a remap or a write.
    /// The default says "not available" and callers fall back to
    /// [`PageStore::read_page`].
    fn page_view(&self, file: FileKind, page: PageNo) -> Option<&[u8; PAGE_SIZE]> {
        let _ = (file, page);
        None
    }
}

impl<S: PageStore + ?Sized> PageStore for alloc::boxed::Box<S> {
    fn name(&self, file: FileKind) -> &str {
        (**self).name(file)
    }
    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        (**self).read_page(file, page, buf)
    }
    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        (**self).write_page(file, page, buf)
    }
    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        (**self).write_page_prefix(file, page, buf, len)
    }
    fn page_count(&self, file: FileKind) -> Result<u32> {
        (**self).page_count(file)
    }
    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        (**self).truncate(file, pages)
    }
    fn sync(&mut self, file: FileKind) -> Result<()> {
        (**self).sync(file)
    }
    fn page_view(&self, file: FileKind, page: PageNo) -> Option<&[u8; PAGE_SIZE]> {
        (**self).page_view(file, page)
    }
}

/// The error every store returns for a read at or past the end of a file.
pub fn out_of_range(
    store: &dyn PageStore,
    file: FileKind,
    page: PageNo,
    count: u32,
) -> crate::Error {
    crate::err!(
        Corrupt,
        "read page {page} of {}: out of range (the file has {count} pages)",
        store.name(file)
    )
}
