//! MmapStore: a [`FileStore`] whose reads come straight from a memory map.
//!
//! The files, their format (page `n` at byte `n * PAGE_SIZE`, nothing else),
//! the open-time checks, writes, truncates, syncs and error messages are
//! exactly [`FileStore`]'s — this store *is* a `FileStore` plus one
//! read-only map (memmap2's `Mmap`, `MAP_SHARED`) of each file. What it adds
//! is reading without a system call:
//!
//! - [`PageStore::page_view`] returns a `&[u8; PAGE_SIZE]` that points into
//!   the map: zero-copy, no buffer, no `pread`. The pager can decode a page
//!   where it lies.
//! - [`PageStore::read_page`] copies from the map (a `memcpy`, no system
//!   call).
//!
//! Writes still go through the file (`pwrite`), never through the map: a
//! store write must be able to fail with an error (a full disk), and a store
//! to mapped memory cannot — it would fault. On every system with a unified
//! page cache (Linux, the BSDs, macOS, Windows) a write through the file is
//! visible through a shared map of the same file at once, so a view always
//! shows the latest write.
//!
//! # Remapping, and why no view can see it
//!
//! A map covers a fixed length of its file. When the file grows past it,
//! the store maps the file again (a *remap*) — which unmaps the old region,
//! so any slice into it would dangle. The borrow checker rules that out:
//! `page_view` borrows the store shared (`&self`), and everything that can
//! remap — `write_page`, `truncate`, `sync` — borrows it exclusively
//! (`&mut self`). While any view is alive, nothing can change the store; the
//! same argument covers the bytes under a view, which are only ever changed
//! by a `&mut self` write. No reference counting, no epoch, no lock: a view
//! costs nothing at run time.
//!
//! Remapping on every page appended would tear down and rebuild the page
//! tables of the whole map each time (quadratic over a bulk load), so a
//! write remaps only when the file has grown to twice the mapped length;
//! pages past the map are read through the file meanwhile (`page_view` says
//! `None` for them, and callers fall back to `read_page`). `sync` — the end
//! of every commit, already the most expensive call there is — maps the
//! whole file, so after a commit every page is zero-copy again.
//!
//! A zero-length file has no map (memmap2 cannot map 0 bytes, and there is
//! nothing to read). `open` fails if a file cannot be mapped, so a host where
//! mapping does not work learns it at once; a remap that fails later (say,
//! address space running out on a 32-bit host as the file grows) is not an
//! error: the store keeps the part it could map and reads the rest through
//! the file — slower, never wrong.
//!
//! # Truncate
//!
//! `truncate` drops the map, sets the file's length, and maps the new
//! length. The map goes first because mapped pages past a new end of file
//! fault on access, and because Windows refuses to shrink a mapped file.
//!
//! # Caveat: SIGBUS
//!
//! A map trusts the file to stay as long as it was when mapped. If another
//! process truncates the file, touching a mapped page past the new end
//! raises `SIGBUS` (an access violation on Windows) and kills the process;
//! an I/O error while the kernel reads a mapped page in does the same. These
//! are crashes, not errors — the price of zero-copy reads, and why
//! [`FileStore`], which reports every I/O error, is the default store. TurDB
//! holds its files exclusively (one process owns a database), and truncates
//! through this store remap first, so neither happens in normal use; do not
//! let other programs shrink or rewrite a database file an `MmapStore` has
//! open.

use std::fs::File;
use std::path::Path;

use memmap2::{Mmap, MmapOptions};

use super::file::{FileStore, io_error};
use super::page::{PAGE_SIZE, PageNo};
use super::{FileKind, PageStore, out_of_range};
use crate::{Result, err};

/// Both files of a database on disk, read through memory maps; see the
/// module documentation.
#[derive(Debug)]
pub struct MmapStore {
    files: FileStore,
    /// One read-only map per file; `None` while the file is empty. A map
    /// never covers more than the file's current length.
    maps: [Option<Mmap>; 2],
}

impl MmapStore {
    /// Opens (creating if missing) the main file `path` and its WAL
    /// `<path>-wal`, as [`FileStore::open`] does, and maps both.
    pub fn open(path: impl AsRef<Path>) -> Result<MmapStore> {
        MmapStore::new(FileStore::open(path)?)
    }

    /// Maps the files of an open [`FileStore`].
    pub fn new(files: FileStore) -> Result<MmapStore> {
        let mut store = MmapStore {
            files,
            maps: [None, None],
        };
        for file in FileKind::ALL {
            store.maps[file.index()] = store.map(file)?;
        }
        Ok(store)
    }

    /// How many pages of `file` the current map covers (the rest, if any,
    /// is read through the file until the next remap).
    pub fn mapped_pages(&self, file: FileKind) -> u32 {
        self.maps[file.index()]
            .as_ref()
            .map_or(0, |m| (m.len() / PAGE_SIZE) as u32)
    }

    /// Gives the [`FileStore`] back (dropping the maps).
    pub fn into_file_store(self) -> FileStore {
        self.files
    }

    /// A map of all of `file` as it is now, or `None` if it is empty.
    fn map(&self, file: FileKind) -> Result<Option<Mmap>> {
        let pages = self.files.pages(file);
        if pages == 0 {
            return Ok(None);
        }
        let Some(len) = (pages as usize).checked_mul(PAGE_SIZE) else {
            // Only on a 32-bit host, with a file of 4 GiB or more.
            return Err(err!(
                Unsupported,
                "map {} ({pages} pages) into memory: larger than this host's address space",
                self.files.name(file)
            ));
        };
        let f: &File = self.files.file(file);
        // SAFETY: memmap2 cannot know whether the file changes under the
        // map. Here: the map is read-only; the file changes only through
        // this store's `&mut self` methods, so no slice of the map (all
        // borrowed from `&self`) is alive while it does (module
        // documentation); the map never covers more than the file's length,
        // because `truncate` drops it before shrinking the file; and other
        // processes must not modify the file (the SIGBUS caveat above).
        let map = unsafe { MmapOptions::new().len(len).map(f) };
        map.map(Some).map_err(|e| {
            io_error(
                e,
                format_args!("map {} ({pages} pages) into memory", self.files.name(file)),
            )
        })
    }

    /// Maps `file` again at its current length. A failure keeps the old map
    /// (which is still valid: this is only called after the file grew or
    /// after the map was dropped) and leaves the rest to the file.
    fn remap(&mut self, file: FileKind) {
        if let Ok(map) = self.map(file) {
            self.maps[file.index()] = map;
        }
    }

    /// The bytes of `page` in the map, if the map covers it.
    fn mapped(&self, file: FileKind, page: PageNo) -> Option<&[u8; PAGE_SIZE]> {
        if page >= self.mapped_pages(file) {
            return None;
        }
        let map = self.maps[file.index()].as_ref()?;
        // Below the mapped length, so the offset fits in `usize`.
        let at = page as usize * PAGE_SIZE;
        map.get(at..at + PAGE_SIZE)?.try_into().ok()
    }
}

impl PageStore for MmapStore {
    fn name(&self, file: FileKind) -> &str {
        self.files.name(file)
    }

    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        let count = self.files.pages(file);
        if page >= count {
            return Err(out_of_range(self, file, page, count));
        }
        match self.mapped(file, page) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                Ok(())
            }
            None => self.files.read_page(file, page, buf),
        }
    }

    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        self.files.write_page(file, page, buf)?;
        let (pages, mapped) = (self.files.pages(file), self.mapped_pages(file));
        if pages > mapped && pages / 2 >= mapped {
            self.remap(file);
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
        if page >= self.files.pages(file) {
            return self.write_page(file, page, buf);
        }
        // Within the file: the length and so the mapping do not change.
        self.files.write_page_prefix(file, page, buf, len)
    }

    fn page_count(&self, file: FileKind) -> Result<u32> {
        Ok(self.files.pages(file))
    }

    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        self.maps[file.index()] = None;
        let result = self.files.truncate(file, pages);
        // Even after a failed truncate the file is as long as the store says
        // (the length is only updated on success), so mapping it is safe.
        self.remap(file);
        result
    }

    fn sync(&mut self, file: FileKind) -> Result<()> {
        self.files.sync(file)?;
        if self.mapped_pages(file) < self.files.pages(file) {
            self.remap(file);
        }
        Ok(())
    }

    fn page_view(&self, file: FileKind, page: PageNo) -> Option<&[u8; PAGE_SIZE]> {
        if page >= self.files.pages(file) {
            return None;
        }
        self.mapped(file, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    fn page_of(b: u8) -> [u8; PAGE_SIZE] {
        [b; PAGE_SIZE]
    }

    #[test]
    fn empty_files_have_no_map() {
        let dir = tempfile::tempdir().unwrap();
        let store = MmapStore::open(dir.path().join("empty.turdb")).unwrap();
        for file in FileKind::ALL {
            assert_eq!(store.mapped_pages(file), 0);
            assert!(store.page_view(file, 0).is_none());
            let mut buf = page_of(0);
            let e = store.read_page(file, 0, &mut buf).unwrap_err();
            assert!(e.to_string().contains("page 0"), "{e}");
        }
    }

    #[test]
    fn views_come_from_the_map_and_see_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = MmapStore::open(dir.path().join("view.turdb")).unwrap();
        for p in 0..10u32 {
            store
                .write_page(FileKind::Main, p, &page_of(p as u8))
                .unwrap();
        }
        store.sync(FileKind::Main).unwrap();
        assert_eq!(store.mapped_pages(FileKind::Main), 10);
        for p in 0..10u32 {
            let view = store
                .page_view(FileKind::Main, p)
                .expect("a synced page is mapped");
            assert_eq!(view, &page_of(p as u8));
        }
        // An overwrite inside the map shows through the view at once.
        store.write_page(FileKind::Main, 4, &page_of(0xee)).unwrap();
        assert_eq!(store.page_view(FileKind::Main, 4).unwrap(), &page_of(0xee));
        assert!(store.page_view(FileKind::Main, 10).is_none());
        assert!(store.page_view(FileKind::Wal, 0).is_none());
    }

    #[test]
    fn growth_remaps_geometrically_and_sync_maps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = MmapStore::open(dir.path().join("grow.turdb")).unwrap();
        let mut mapped = Vec::new();
        for p in 0..20u32 {
            store
                .write_page(FileKind::Main, p, &page_of(p as u8))
                .unwrap();
            mapped.push(store.mapped_pages(FileKind::Main));
            // Pages past the map still read correctly, through the file.
            let mut buf = page_of(0xff);
            store.read_page(FileKind::Main, p, &mut buf).unwrap();
            assert_eq!(buf, page_of(p as u8));
        }
        assert_eq!(
            mapped,
            [
                1, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16
            ]
        );
        store.sync(FileKind::Main).unwrap();
        assert_eq!(store.mapped_pages(FileKind::Main), 20);
        assert_eq!(store.page_view(FileKind::Main, 19).unwrap(), &page_of(19));
    }

    #[test]
    fn truncate_remaps_to_the_new_length() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = MmapStore::open(dir.path().join("trunc.turdb")).unwrap();
        for p in 0..8u32 {
            store
                .write_page(FileKind::Wal, p, &page_of(p as u8 + 1))
                .unwrap();
        }
        store.truncate(FileKind::Wal, 3).unwrap();
        assert_eq!(store.mapped_pages(FileKind::Wal), 3);
        assert!(store.page_view(FileKind::Wal, 3).is_none());
        store.truncate(FileKind::Wal, 6).unwrap();
        assert_eq!(store.mapped_pages(FileKind::Wal), 6);
        assert_eq!(store.page_view(FileKind::Wal, 2).unwrap(), &page_of(3));
        assert_eq!(store.page_view(FileKind::Wal, 5).unwrap(), &page_of(0));
        store.truncate(FileKind::Wal, 0).unwrap();
        assert_eq!(store.mapped_pages(FileKind::Wal), 0);
        assert!(store.page_view(FileKind::Wal, 0).is_none());
    }

    #[test]
    fn reopen_maps_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reopen.turdb");
        {
            let mut store = MmapStore::open(&path).unwrap();
            for p in 0..5u32 {
                store
                    .write_page(FileKind::Main, p, &page_of(p as u8 + 10))
                    .unwrap();
            }
            store.sync(FileKind::Main).unwrap();
        }
        let store = MmapStore::open(&path).unwrap();
        assert_eq!(store.mapped_pages(FileKind::Main), 5);
        assert_eq!(store.page_view(FileKind::Main, 4).unwrap(), &page_of(14));
        let files = store.into_file_store();
        assert_eq!(files.page_count(FileKind::Main).unwrap(), 5);
    }
}
