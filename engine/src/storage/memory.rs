//! MemoryStore: both files of a database held in memory.
//!
//! Used for `open_in_memory()`, for tests, and as the model the other stores
//! are checked against. Pages live in one `Vec` per file; memory grows with
//! the database (that is what an in-memory database is).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::page::{PAGE_SIZE, PageBuf, PageNo, check_truncate_bound, check_write_bound};
use super::{FileKind, PageStore, out_of_range};
use crate::Result;

/// The most pages a memory store holds per file (2^24: 256 GiB): a write
/// or truncate beyond is a "full" error, not an allocation that aborts
/// (beyond [`super::page::MAX_PAGE_COUNT`] it is `TooBig`, as in every
/// store).
pub const MAX_MEMORY_PAGES: u32 = 1 << 24;

/// Pages in memory; see the module documentation.
#[derive(Debug, Default)]
pub struct MemoryStore {
    files: [Vec<Option<PageBuf>>; 2],
    names: [String; 2],
}

impl MemoryStore {
    /// An empty store (both files zero pages long) named `:memory:`.
    pub fn new() -> MemoryStore {
        MemoryStore::named(":memory:")
    }

    /// An empty store whose files are called `name` and `name-wal` in error
    /// messages.
    pub fn named(name: &str) -> MemoryStore {
        MemoryStore {
            files: [Vec::new(), Vec::new()],
            names: [String::from(name), alloc::format!("{name}-wal")],
        }
    }
}

impl MemoryStore {
    fn check_size(&self, file: FileKind, pages: u32, op: &str) -> Result<()> {
        if pages > MAX_MEMORY_PAGES {
            return Err(crate::Error::new(
                crate::ErrorKind::Full,
                alloc::format!(
                    "{op} {}: {pages} pages is more than a memory store holds ({MAX_MEMORY_PAGES})",
                    self.names[file.index()]
                ),
            ));
        }
        Ok(())
    }
}

impl PageStore for MemoryStore {
    fn name(&self, file: FileKind) -> &str {
        &self.names[file.index()]
    }

    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        let pages = &self.files[file.index()];
        match pages.get(page as usize) {
            Some(Some(p)) => buf.copy_from_slice(&p[..]),
            Some(None) => buf.fill(0),
            None => return Err(out_of_range(self, file, page, pages.len() as u32)),
        }
        Ok(())
    }

    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        // Beyond what any database addresses is TooBig, as in every store;
        // only below that is the memory store's own, smaller limit "full".
        check_write_bound(self.name(file), page)?;
        self.check_size(file, page.saturating_add(1), "write page")?;
        let pages = &mut self.files[file.index()];
        let at = page as usize;
        if at >= pages.len() {
            pages.resize_with(at + 1, || None);
        }
        match &mut pages[at] {
            Some(p) => p.copy_from_slice(buf),
            // Copied straight in: zeroing 16 KiB first only to overwrite it
            // doubled the cost of committing new pages.
            slot => *slot = Some(Box::new(*buf)),
        }
        Ok(())
    }

    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        match self.files[file.index()].get_mut(page as usize) {
            Some(Some(p)) => {
                let len = len.min(PAGE_SIZE);
                p[..len].copy_from_slice(&buf[..len]);
                Ok(())
            }
            _ => self.write_page(file, page, buf),
        }
    }

    fn page_count(&self, file: FileKind) -> Result<u32> {
        Ok(self.files[file.index()].len() as u32)
    }

    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        check_truncate_bound(self.name(file), pages)?;
        self.check_size(file, pages, "truncate")?;
        self.files[file.index()].resize_with(pages as usize, || None);
        Ok(())
    }

    fn sync(&mut self, _file: FileKind) -> Result<()> {
        Ok(())
    }
}
