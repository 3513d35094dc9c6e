//! FaultStore: a store that fails the way disks fail, for crash and fault
//! tests.
//!
//! It wraps another store (a [`MemoryStore`] unless told otherwise) and
//! passes every call through, while keeping what a power cut would take
//! away. Three faults, all repeatable:
//!
//! - **Lost writes.** For each file it knows what is *durable* — the file as
//!   of its last `sync` — and what was written or truncated since. Reads see
//!   the latest writes, as on a real system (the operating system's cache
//!   answers them). [`FaultStore::crash`] ends the run and returns the
//!   wrapped store holding only what was durable: every write and truncate
//!   since a file's last sync is undone. That is the worst a conforming disk
//!   may do, and what a database must survive.
//! - **A torn write.** With [`FaultConfig::tear_last_write`], the crash also
//!   leaves the last page write that was not yet synced half done: a random
//!   prefix of the new bytes over the old ones (zeros if the page was past
//!   the durable end of the file), so the page's checksum fails. The cut
//!   falls on a 512-byte sector boundary where one lies between the first
//!   and the last byte that changed (disks tear at sectors), otherwise at a
//!   byte between them; either way the torn image differs from both the old
//!   and the new one whenever they differ in more than one byte. Only one
//!   page is torn: the write in flight when the power went.
//! - **A dead device.** With [`FaultConfig::fail_at`]`(n)`, the `n`th call
//!   to the store (counting every `read_page`, `write_page`, `page_count`,
//!   `truncate` and `sync`, from 1) and every call after it fail, with an
//!   error of kind `Io` (or [`FaultConfig::fail_kind`]) that says
//!   `injected fault at call N (write page P of FILE)`. A failed call changes
//!   nothing. Sweeping `n` over every call of a workload, then crashing and
//!   reopening, checks recovery from a failure at every point.
//!
//! # How it keeps the durable state
//!
//! The wrapped store always holds the latest state. Per file, the fault
//! store remembers the file's length at the last sync and, for each page
//! below that length changed since (written, or cut off by a truncate), the
//! image it had at the sync — an undo log, filled on the first change of
//! each page after a sync, emptied by the next sync. A crash cuts or grows
//! each touched file back to its durable length and writes the saved images
//! back, then syncs. So the wrapped store can be any store — memory, or a
//! [`FileStore`](super::FileStore) whose files a test then reopens — and
//! whatever it held when it was wrapped counts as durable.
//!
//! A pager owns its store, so to crash a store while a pager runs on it,
//! wrap the fault store in a [`SharedFaultStore`] (feature `std`), hand the
//! pager a clone and keep one: cutting the power through the kept clone
//! returns the durable state and kills every other clone.
//!
//! With the default [`FaultConfig`] (no faults) a `FaultStore` is an
//! ordinary store and passes the conformance suite like any other. It never
//! offers a [`PageStore::page_view`], so that every read goes through
//! `read_page`, where it is counted and can fail.

use alloc::collections::BTreeMap;
use alloc::string::String;
use core::fmt::{self, Write as _};
use core::sync::atomic::{AtomicU64, Ordering};

use super::memory::MemoryStore;
use super::page::{PAGE_SIZE, PageBuf, PageNo, zeroed_page};
use super::{FileKind, PageStore};
use crate::env::splitmix64_next;
use crate::{Error, ErrorKind, Result};

/// Which faults a [`FaultStore`] injects. `FaultConfig::default()` injects
/// none; the builder methods switch them on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultConfig {
    /// Fail this call (1-based, counting every store call but `name`) and
    /// every call after it. `None`: never fail.
    pub fail_at: Option<u64>,
    /// Fail this call only (1-based, counted as `fail_at`): a transient
    /// error, after which the store works again. `None`: never.
    pub fail_once: Option<u64>,
    /// The kind of the injected errors (`Io` by default; `Full` simulates a
    /// full disk or quota).
    pub fail_kind: ErrorKind,
    /// Whether [`FaultStore::crash`] tears the last unsynced page write.
    pub tear_last_write: bool,
    /// Seed of the generator that chooses where a write tears.
    pub seed: u64,
}

impl Default for FaultConfig {
    fn default() -> FaultConfig {
        FaultConfig {
            fail_at: None,
            fail_once: None,
            fail_kind: ErrorKind::Io,
            tear_last_write: false,
            seed: 0,
        }
    }
}

impl FaultConfig {
    /// No faults (the same as `FaultConfig::default()`).
    pub fn new() -> FaultConfig {
        FaultConfig::default()
    }

    /// Fails call number `call` (1-based) and every call after it. `0`
    /// fails every call, like `1`.
    #[must_use]
    pub fn fail_at(mut self, call: u64) -> FaultConfig {
        self.fail_at = Some(call);
        self
    }

    /// Fails call number `call` (1-based) and no other: a transient error.
    #[must_use]
    pub fn fail_once(mut self, call: u64) -> FaultConfig {
        self.fail_once = Some(call);
        self
    }

    /// Makes the injected errors of kind `kind`.
    #[must_use]
    pub fn fail_kind(mut self, kind: ErrorKind) -> FaultConfig {
        self.fail_kind = kind;
        self
    }

    /// Makes a crash tear the last unsynced page write.
    #[must_use]
    pub fn tear_last_write(mut self, tear: bool) -> FaultConfig {
        self.tear_last_write = tear;
        self
    }

    /// Seeds the choice of where a write tears.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> FaultConfig {
        self.seed = seed;
        self
    }
}

/// A store that loses unsynced writes, tears a page and fails the Nth call;
/// see the module documentation.
pub struct FaultStore<S: PageStore = MemoryStore> {
    inner: S,
    config: FaultConfig,
    calls: AtomicU64,
    files: [Unsynced; 2],
    /// Number of successful writes so far, to find the last one across
    /// both files.
    writes: u64,
}

/// What a crash would undo in one file.
#[derive(Default)]
struct Unsynced {
    /// The file's length in pages at its last sync; `None` while nothing
    /// changed since (then the wrapped store's file is the durable one).
    durable_pages: Option<u32>,
    /// The durable image of every page below `durable_pages` that was
    /// written or cut off since the last sync.
    before: BTreeMap<PageNo, PageBuf>,
    /// The last page write since the last sync (kept only when tearing).
    last_write: Option<LastWrite>,
}

struct LastWrite {
    seq: u64,
    page: PageNo,
    bytes: PageBuf,
}

impl FaultStore<MemoryStore> {
    /// A fault store over an empty [`MemoryStore`] whose files are called
    /// `name` and `name-wal`.
    pub fn in_memory(name: &str, config: FaultConfig) -> FaultStore<MemoryStore> {
        FaultStore::new(MemoryStore::named(name), config)
    }
}

impl<S: PageStore> FaultStore<S> {
    /// Wraps `inner`, whose current contents count as durable.
    pub fn new(inner: S, config: FaultConfig) -> FaultStore<S> {
        FaultStore {
            inner,
            config,
            calls: AtomicU64::new(0),
            files: [Unsynced::default(), Unsynced::default()],
            writes: 0,
        }
    }

    /// The number of store calls so far (failed ones included).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The faults this store injects.
    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// The wrapped store, as it is now (latest writes included).
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The page a crash would tear now: the last page write not yet synced,
    /// if tearing is on.
    pub fn pending_tear(&self) -> Option<(FileKind, PageNo)> {
        self.last_unsynced_write().map(|(file, w)| (file, w.page))
    }

    /// Ends the run without a power cut: the wrapped store with every write
    /// (what a process exit leaves, the operating system's cache being
    /// intact).
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Cuts the power: returns the wrapped store holding only what was
    /// durable — each file as of its last sync — plus, with
    /// [`FaultConfig::tear_last_write`], the last unsynced page write torn.
    /// The result is synced, so a [`FileStore`](super::FileStore) can be
    /// reopened from its files.
    ///
    /// Fails only if the wrapped store fails while being put back.
    pub fn crash(self) -> Result<S> {
        let tear = self
            .last_unsynced_write()
            .map(|(file, w)| (file, w.page, self.files[file.index()].durable_pages));
        let FaultStore {
            mut inner,
            config,
            mut files,
            ..
        } = self;
        for file in FileKind::ALL {
            let unsynced = &files[file.index()];
            let Some(durable) = unsynced.durable_pages else {
                continue;
            };
            inner.truncate(file, durable)?;
            for (&page, image) in &unsynced.before {
                inner.write_page(file, page, image)?;
            }
        }
        if let Some((file, page, durable)) = tear {
            let new = files[file.index()].last_write.take().map(|w| w.bytes);
            if let Some(new) = new {
                let mut old = zeroed_page();
                if durable.is_some_and(|d| page < d) {
                    inner.read_page(file, page, &mut old)?;
                }
                let mut rng = config.seed;
                let torn = torn_image(&old, &new, &mut rng);
                inner.write_page(file, page, &torn)?;
            }
        }
        for file in FileKind::ALL {
            inner.sync(file)?;
        }
        Ok(inner)
    }

    fn last_unsynced_write(&self) -> Option<(FileKind, &LastWrite)> {
        FileKind::ALL
            .into_iter()
            .filter_map(|file| {
                self.files[file.index()]
                    .last_write
                    .as_ref()
                    .map(|w| (file, w))
            })
            .max_by_key(|(_, w)| w.seq)
    }

    /// Counts a call, and fails it if the device is "gone".
    fn tick(&self, op: fmt::Arguments<'_>) -> Result<()> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if self.config.fail_once == Some(n) {
            return Err(Error::new(
                self.config.fail_kind,
                alloc::format!("injected transient fault at call {n} ({op})"),
            ));
        }
        match self.config.fail_at {
            Some(at) if n >= at => {
                let mut msg = alloc::format!("injected fault at call {n} ({op})");
                if n > at.max(1) {
                    let _ = write!(msg, "; the store has been failing since call {}", at.max(1));
                }
                Err(Error::new(self.config.fail_kind, msg))
            }
            _ => Ok(()),
        }
    }

    /// The durable length of `file`, noted on its first change since a
    /// sync.
    fn durable_pages(&mut self, file: FileKind) -> Result<u32> {
        let unsynced = &mut self.files[file.index()];
        match unsynced.durable_pages {
            Some(d) => Ok(d),
            None => {
                let d = self.inner.page_count(file)?;
                unsynced.durable_pages = Some(d);
                Ok(d)
            }
        }
    }

    /// Saves the durable image of `page` before its first change since the
    /// last sync (only pages below the durable length have one).
    fn save_before(&mut self, file: FileKind, page: PageNo, durable: u32) -> Result<()> {
        let unsynced = &mut self.files[file.index()];
        if page < durable && !unsynced.before.contains_key(&page) {
            let mut image = zeroed_page();
            self.inner.read_page(file, page, &mut image)?;
            unsynced.before.insert(page, image);
        }
        Ok(())
    }
}

impl<S: PageStore> PageStore for FaultStore<S> {
    fn name(&self, file: FileKind) -> &str {
        self.inner.name(file)
    }

    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        self.tick(format_args!(
            "read page {page} of {}",
            self.inner.name(file)
        ))?;
        self.inner.read_page(file, page, buf)
    }

    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        self.tick(format_args!(
            "write page {page} of {}",
            self.inner.name(file)
        ))?;
        let durable = self.durable_pages(file)?;
        self.save_before(file, page, durable)?;
        self.inner.write_page(file, page, buf)?;
        self.writes += 1;
        if self.config.tear_last_write {
            let seq = self.writes;
            match &mut self.files[file.index()].last_write {
                Some(w) => {
                    w.seq = seq;
                    w.page = page;
                    w.bytes.copy_from_slice(buf);
                }
                slot => {
                    let mut bytes = zeroed_page();
                    bytes.copy_from_slice(buf);
                    *slot = Some(LastWrite { seq, page, bytes });
                }
            }
        }
        Ok(())
    }

    /// As a file does: the bytes past `len` keep what the page held, so a
    /// test sees the stale tails a real WAL has. It is one store call (one
    /// tick, one write that may tear or be lost).
    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        if page >= self.inner.page_count(file)? {
            return self.write_page(file, page, buf);
        }
        let mut merged = zeroed_page();
        self.inner.read_page(file, page, &mut merged)?;
        let len = len.min(PAGE_SIZE);
        merged[..len].copy_from_slice(&buf[..len]);
        self.write_page(file, page, &merged)
    }

    fn page_count(&self, file: FileKind) -> Result<u32> {
        self.tick(format_args!("page count of {}", self.inner.name(file)))?;
        self.inner.page_count(file)
    }

    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        self.tick(format_args!(
            "truncate {} to {pages} pages",
            self.inner.name(file)
        ))?;
        let durable = self.durable_pages(file)?;
        let current = self.inner.page_count(file)?;
        for page in pages..current.min(durable) {
            self.save_before(file, page, durable)?;
        }
        self.inner.truncate(file, pages)?;
        let unsynced = &mut self.files[file.index()];
        if unsynced
            .last_write
            .as_ref()
            .is_some_and(|w| w.page >= pages)
        {
            // The page is gone from the file; there is nothing left to tear.
            unsynced.last_write = None;
        }
        Ok(())
    }

    fn sync(&mut self, file: FileKind) -> Result<()> {
        self.tick(format_args!("sync {}", self.inner.name(file)))?;
        self.inner.sync(file)?;
        let unsynced = &mut self.files[file.index()];
        unsynced.durable_pages = None;
        unsynced.before.clear();
        unsynced.last_write = None;
        Ok(())
    }
}

impl<S: PageStore + fmt::Debug> fmt::Debug for FaultStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Page images are 16 KiB each: show which pages are pending, not
        // their bytes.
        let mut unsynced = String::new();
        for file in FileKind::ALL {
            let u = &self.files[file.index()];
            if let Some(d) = u.durable_pages {
                let _ = write!(
                    unsynced,
                    "{:?}: durable {d} pages, saved {:?}; ",
                    file,
                    u.before.keys().collect::<alloc::vec::Vec<_>>()
                );
            }
        }
        f.debug_struct("FaultStore")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .field("calls", &self.calls())
            .field("unsynced", &unsynced)
            .field("pending_tear", &self.pending_tear())
            .finish()
    }
}

/// A [`FaultStore`] that a [`Pager`](super::Pager) can own while the test
/// keeps a handle to cut its power (feature `std`).
///
/// A pager takes its store as a `Box<dyn PageStore>`, so a test cannot get
/// the `FaultStore` back to call [`FaultStore::crash`] on it. Clones of a
/// `SharedFaultStore` share one fault store: give one clone to the pager,
/// keep another, and [`SharedFaultStore::crash`] it at any point. After the
/// crash every clone fails every call (the device is gone), so the pager
/// that was running cannot write past the power cut.
#[cfg(feature = "std")]
pub struct SharedFaultStore<S: PageStore = MemoryStore> {
    /// Copied out at construction, because `name` hands out a `&str` and
    /// the store itself sits behind a lock.
    names: [String; 2],
    cell: alloc::sync::Arc<std::sync::Mutex<Option<FaultStore<S>>>>,
}

#[cfg(feature = "std")]
impl<S: PageStore> SharedFaultStore<S> {
    /// Shares `store`.
    pub fn new(store: FaultStore<S>) -> SharedFaultStore<S> {
        SharedFaultStore {
            names: FileKind::ALL.map(|file| String::from(store.name(file))),
            cell: alloc::sync::Arc::new(std::sync::Mutex::new(Some(store))),
        }
    }

    /// The number of store calls so far, through every clone (0 after the
    /// crash, which took the counter along).
    pub fn calls(&self) -> u64 {
        self.lock().as_ref().map_or(0, FaultStore::calls)
    }

    /// Makes call number `call` (counted as [`SharedFaultStore::calls`])
    /// fail, and no other ([`FaultConfig::fail_once`]), for a test that
    /// arms the fault once it knows where it is.
    pub fn fail_once_at(&self, call: u64) {
        if let Some(store) = self.lock().as_mut() {
            store.config.fail_once = Some(call);
        }
    }

    /// Cuts the power (see [`FaultStore::crash`]) and returns the durable
    /// state. Fails if it was already cut.
    pub fn crash(&self) -> Result<S> {
        let store = self.lock().take();
        match store {
            Some(store) => store.crash(),
            None => Err(self.dead(format_args!("crash {}", self.names[0]))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<FaultStore<S>>> {
        // A panic in another thread while it held the lock leaves the fault
        // store as consistent as any store call does; keep going.
        self.cell
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn dead(&self, op: fmt::Arguments<'_>) -> Error {
        Error::new(
            ErrorKind::Io,
            alloc::format!("{op}: the store has crashed (power cut)"),
        )
    }

    fn with<T>(
        &self,
        op: fmt::Arguments<'_>,
        f: impl FnOnce(&mut FaultStore<S>) -> Result<T>,
    ) -> Result<T> {
        match self.lock().as_mut() {
            Some(store) => f(store),
            None => Err(self.dead(op)),
        }
    }
}

#[cfg(feature = "std")]
impl<S: PageStore> Clone for SharedFaultStore<S> {
    fn clone(&self) -> SharedFaultStore<S> {
        SharedFaultStore {
            names: self.names.clone(),
            cell: alloc::sync::Arc::clone(&self.cell),
        }
    }
}

#[cfg(feature = "std")]
impl<S: PageStore> PageStore for SharedFaultStore<S> {
    fn name(&self, file: FileKind) -> &str {
        &self.names[file.index()]
    }

    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        let op = format_args!("read page {page} of {}", self.names[file.index()]);
        self.with(op, |s| s.read_page(file, page, buf))
    }

    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        let op = format_args!("write page {page} of {}", self.names[file.index()]);
        self.with(op, |s| s.write_page(file, page, buf))
    }

    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        let op = format_args!("write page {page} of {}", self.names[file.index()]);
        self.with(op, |s| s.write_page_prefix(file, page, buf, len))
    }

    fn page_count(&self, file: FileKind) -> Result<u32> {
        let op = format_args!("page count of {}", self.names[file.index()]);
        self.with(op, |s| s.page_count(file))
    }

    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        let op = format_args!("truncate {} to {pages} pages", self.names[file.index()]);
        self.with(op, |s| s.truncate(file, pages))
    }

    fn sync(&mut self, file: FileKind) -> Result<()> {
        let op = format_args!("sync {}", self.names[file.index()]);
        self.with(op, |s| s.sync(file))
    }
}

#[cfg(feature = "std")]
impl<S: PageStore> fmt::Debug for SharedFaultStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedFaultStore")
            .field("name", &self.names[0])
            .field("crashed", &self.lock().is_none())
            .field("calls", &self.calls())
            .finish()
    }
}

/// Disks write in sectors; a torn page is cut at one when possible.
const SECTOR: usize = 512;

/// `new` cut short: its first `k` bytes over `old`, with `k` chosen (from
/// `rng`) so that the result differs from both whenever they differ in at
/// least two bytes.
fn torn_image(old: &[u8; PAGE_SIZE], new: &[u8; PAGE_SIZE], rng: &mut u64) -> PageBuf {
    let mut out = zeroed_page();
    out.copy_from_slice(old);
    let differs = |(a, b): (&u8, &u8)| a != b;
    let (Some(first), Some(last)) = (
        old.iter().zip(new.iter()).position(differs),
        old.iter().zip(new.iter()).rposition(differs),
    ) else {
        return out;
    };
    let r = splitmix64_next(rng);
    // A cut at `k` keeps new[..k] and old[k..]: with first < k <= last, the
    // result has new's first changed byte and old's last one.
    let k = if first == last {
        // One changed byte: the write either landed or it did not.
        if r & 1 == 0 { 0 } else { PAGE_SIZE }
    } else {
        let (lo, hi) = (first / SECTOR + 1, last / SECTOR);
        if lo <= hi {
            (lo + (r % (hi - lo + 1) as u64) as usize) * SECTOR
        } else {
            first + 1 + (r % (last - first) as u64) as usize
        }
    };
    out[..k].copy_from_slice(&new[..k]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::codec::{ChecksumCodec, PageCodec};
    use crate::storage::page::set_page_no;
    use alloc::string::ToString;

    /// A page whose every byte depends on `seed` (so two seeds differ
    /// everywhere, almost).
    fn pattern(seed: u64) -> PageBuf {
        let mut p = zeroed_page();
        let mut s = seed;
        for chunk in p.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix64_next(&mut s).to_le_bytes());
        }
        p
    }

    fn read(s: &impl PageStore, file: FileKind, page: PageNo) -> PageBuf {
        let mut buf = zeroed_page();
        s.read_page(file, page, &mut buf).unwrap();
        buf
    }

    fn store(config: FaultConfig) -> FaultStore {
        FaultStore::in_memory("fault.turdb", config)
    }

    #[test]
    fn unsynced_writes_are_lost_synced_ones_kept() {
        let mut s = store(FaultConfig::default());
        for p in 0..3 {
            s.write_page(FileKind::Main, p, &pattern(p.into())).unwrap();
        }
        s.sync(FileKind::Main).unwrap();
        s.write_page(FileKind::Main, 1, &pattern(100)).unwrap();
        s.write_page(FileKind::Main, 1, &pattern(101)).unwrap();
        s.write_page(FileKind::Main, 6, &pattern(106)).unwrap();
        s.write_page(FileKind::Wal, 0, &pattern(200)).unwrap();
        // Reads see the latest writes before the crash.
        assert_eq!(read(&s, FileKind::Main, 1), pattern(101));
        assert_eq!(s.page_count(FileKind::Main).unwrap(), 7);
        assert_eq!(read(&s, FileKind::Wal, 0), pattern(200));

        let after = s.crash().unwrap();
        assert_eq!(after.page_count(FileKind::Main).unwrap(), 3);
        assert_eq!(after.page_count(FileKind::Wal).unwrap(), 0);
        for p in 0..3 {
            assert_eq!(read(&after, FileKind::Main, p), pattern(p.into()));
        }
    }

    #[test]
    fn sync_is_per_file() {
        let mut s = store(FaultConfig::default());
        s.write_page(FileKind::Main, 0, &pattern(1)).unwrap();
        s.write_page(FileKind::Wal, 0, &pattern(2)).unwrap();
        s.write_page(FileKind::Wal, 1, &pattern(3)).unwrap();
        s.sync(FileKind::Wal).unwrap();
        s.write_page(FileKind::Wal, 1, &pattern(4)).unwrap();
        let after = s.crash().unwrap();
        assert_eq!(after.page_count(FileKind::Main).unwrap(), 0);
        assert_eq!(after.page_count(FileKind::Wal).unwrap(), 2);
        assert_eq!(read(&after, FileKind::Wal, 1), pattern(3));
    }

    #[test]
    fn what_the_inner_store_held_counts_as_durable() {
        let mut inner = MemoryStore::named("pre.turdb");
        inner.write_page(FileKind::Main, 0, &pattern(7)).unwrap();
        let mut s = FaultStore::new(inner, FaultConfig::default());
        s.write_page(FileKind::Main, 0, &pattern(8)).unwrap();
        let after = s.crash().unwrap();
        assert_eq!(read(&after, FileKind::Main, 0), pattern(7));
    }

    #[test]
    fn truncate_is_lost_unless_synced() {
        let mut s = store(FaultConfig::default());
        for p in 0..5 {
            s.write_page(FileKind::Main, p, &pattern(p.into())).unwrap();
        }
        s.sync(FileKind::Main).unwrap();
        // Shrink, grow again (the regrown pages read as zeros), write one of
        // them: a crash puts all five durable pages back.
        s.truncate(FileKind::Main, 2).unwrap();
        s.truncate(FileKind::Main, 8).unwrap();
        assert_eq!(read(&s, FileKind::Main, 3), zeroed_page());
        s.write_page(FileKind::Main, 3, &pattern(33)).unwrap();
        let after = s.crash().unwrap();
        assert_eq!(after.page_count(FileKind::Main).unwrap(), 5);
        for p in 0..5 {
            assert_eq!(read(&after, FileKind::Main, p), pattern(p.into()));
        }

        // A synced truncate stays.
        let mut s = FaultStore::new(after, FaultConfig::default());
        s.truncate(FileKind::Main, 2).unwrap();
        s.sync(FileKind::Main).unwrap();
        s.truncate(FileKind::Main, 4).unwrap();
        let after = s.crash().unwrap();
        assert_eq!(after.page_count(FileKind::Main).unwrap(), 2);
        assert_eq!(read(&after, FileKind::Main, 1), pattern(1));
    }

    #[test]
    fn fail_at_fails_the_nth_call_and_every_call_after() {
        let mut s = store(FaultConfig::new().fail_at(4));
        s.write_page(FileKind::Main, 0, &pattern(1)).unwrap(); // 1
        s.sync(FileKind::Main).unwrap(); // 2
        assert_eq!(s.page_count(FileKind::Main).unwrap(), 1); // 3
        let e = s.write_page(FileKind::Main, 7, &pattern(2)).unwrap_err(); // 4
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(
            e.to_string(),
            "injected fault at call 4 (write page 7 of fault.turdb)"
        );
        let mut buf = zeroed_page();
        let e = s.read_page(FileKind::Wal, 0, &mut buf).unwrap_err(); // 5
        assert_eq!(
            e.to_string(),
            "injected fault at call 5 (read page 0 of fault.turdb-wal); the store has been failing since call 4"
        );
        assert!(s.sync(FileKind::Main).is_err()); // 6
        assert!(
            s.truncate(FileKind::Main, 0)
                .unwrap_err()
                .to_string()
                .contains("truncate fault.turdb to 0 pages")
        );
        assert!(
            s.page_count(FileKind::Wal)
                .unwrap_err()
                .to_string()
                .contains("page count of fault.turdb-wal")
        );
        assert_eq!(s.calls(), 8);
        // The failed calls changed nothing.
        let inner = s.into_inner();
        assert_eq!(inner.page_count(FileKind::Main).unwrap(), 1);
        assert_eq!(read(&inner, FileKind::Main, 0), pattern(1));
    }

    #[test]
    fn fail_kind_full_and_fail_at_one() {
        let mut s = store(FaultConfig::new().fail_at(1).fail_kind(ErrorKind::Full));
        let e = s.write_page(FileKind::Main, 0, &pattern(1)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Full);
        assert_eq!(s.calls(), 1);
        assert_eq!(s.crash().unwrap().page_count(FileKind::Main).unwrap(), 0);
    }

    #[test]
    fn crash_after_a_fault_keeps_the_durable_state() {
        let mut s = store(FaultConfig::new().fail_at(4));
        s.write_page(FileKind::Main, 0, &pattern(1)).unwrap();
        s.sync(FileKind::Main).unwrap();
        s.write_page(FileKind::Main, 0, &pattern(2)).unwrap();
        assert!(s.sync(FileKind::Main).is_err());
        let after = s.crash().unwrap();
        assert_eq!(read(&after, FileKind::Main, 0), pattern(1));
    }

    #[test]
    fn torn_page_differs_from_both_images() {
        for seed in 0..20 {
            let mut s = store(FaultConfig::new().tear_last_write(true).seed(seed));
            let old = pattern(1000 + seed);
            let new = pattern(2000 + seed);
            s.write_page(FileKind::Main, 0, &pattern(5)).unwrap();
            s.write_page(FileKind::Main, 1, &old).unwrap();
            s.sync(FileKind::Main).unwrap();
            s.write_page(FileKind::Main, 0, &pattern(6)).unwrap();
            s.write_page(FileKind::Main, 1, &new).unwrap();
            assert_eq!(s.pending_tear(), Some((FileKind::Main, 1)));
            let after = s.crash().unwrap();
            // Only the last write tears; the one before is simply lost.
            assert_eq!(read(&after, FileKind::Main, 0), pattern(5));
            let torn = read(&after, FileKind::Main, 1);
            assert_ne!(torn, old);
            assert_ne!(torn, new);
            // The torn image is new bytes up to a sector boundary, old after.
            let cut = (1..PAGE_SIZE / SECTOR)
                .map(|m| m * SECTOR)
                .find(|&k| torn[..k] == new[..k] && torn[k..] == old[k..]);
            assert!(
                cut.is_some(),
                "seed {seed}: not new bytes over old at a sector boundary"
            );
        }
    }

    #[test]
    fn torn_page_fails_its_checksum() {
        let mut s = store(FaultConfig::new().tear_last_write(true).seed(3));
        let mut page = pattern(1);
        set_page_no(&mut page, 2);
        ChecksumCodec.encode(2, &mut page);
        s.write_page(FileKind::Main, 2, &page).unwrap();
        s.sync(FileKind::Main).unwrap();
        let mut page = pattern(2);
        set_page_no(&mut page, 2);
        ChecksumCodec.encode(2, &mut page);
        s.write_page(FileKind::Main, 2, &page).unwrap();
        let after = s.crash().unwrap();
        let mut torn = read(&after, FileKind::Main, 2);
        let e = ChecksumCodec
            .decode("fault.turdb", 2, &mut torn)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt);
    }

    #[test]
    fn torn_page_past_the_durable_end_tears_over_zeros() {
        let mut s = store(FaultConfig::new().tear_last_write(true).seed(11));
        s.write_page(FileKind::Wal, 0, &pattern(1)).unwrap();
        s.sync(FileKind::Wal).unwrap();
        s.write_page(FileKind::Wal, 1, &pattern(2)).unwrap();
        s.write_page(FileKind::Wal, 3, &pattern(3)).unwrap();
        let after = s.crash().unwrap();
        assert_eq!(after.page_count(FileKind::Wal).unwrap(), 4);
        assert_eq!(read(&after, FileKind::Wal, 0), pattern(1));
        assert_eq!(read(&after, FileKind::Wal, 1), zeroed_page());
        let torn = read(&after, FileKind::Wal, 3);
        assert_ne!(torn, pattern(3));
        assert_ne!(torn, zeroed_page());
    }

    #[test]
    fn tearing_is_repeatable_and_follows_the_seed() {
        let run = |seed| {
            let mut s = store(FaultConfig::new().tear_last_write(true).seed(seed));
            s.write_page(FileKind::Main, 0, &pattern(1)).unwrap();
            read(&s.crash().unwrap(), FileKind::Main, 0)
        };
        assert_eq!(run(1), run(1));
        assert!((2..10).any(|seed| run(seed) != run(1)));
    }

    #[test]
    fn nothing_to_tear_after_sync_or_truncate() {
        let mut s = store(FaultConfig::new().tear_last_write(true));
        s.write_page(FileKind::Main, 0, &pattern(1)).unwrap();
        s.sync(FileKind::Main).unwrap();
        assert_eq!(s.pending_tear(), None);
        s.write_page(FileKind::Main, 4, &pattern(2)).unwrap();
        s.truncate(FileKind::Main, 1).unwrap();
        assert_eq!(s.pending_tear(), None);
        let after = s.crash().unwrap();
        assert_eq!(after.page_count(FileKind::Main).unwrap(), 1);
        assert_eq!(read(&after, FileKind::Main, 0), pattern(1));
    }

    #[test]
    fn torn_image_edge_cases() {
        let old = pattern(1);
        let mut rng = 0;
        assert_eq!(torn_image(&old, &old, &mut rng), old);
        // One changed byte: the write landed whole or not at all.
        let mut one = pattern(1);
        one[100] ^= 1;
        let t = torn_image(&old, &one, &mut rng);
        assert!(t == old || t == one);
        // Changes within one sector cut between them, at a byte.
        let mut near = pattern(1);
        near[10] ^= 1;
        near[20] ^= 1;
        let t = torn_image(&old, &near, &mut rng);
        assert_ne!(t, old);
        assert_ne!(t, near);
    }

    #[cfg(feature = "std")]
    #[test]
    fn shared_store_crashes_under_a_pager() {
        use crate::env::TestEnv;
        use crate::storage::{Pager, PagerOptions};
        let shared = SharedFaultStore::new(store(FaultConfig::new().tear_last_write(true)));
        let env = TestEnv::new(1);
        let mut pager = Pager::open(
            alloc::boxed::Box::new(shared.clone()),
            PagerOptions::default(),
            &env,
        )
        .unwrap();
        pager.begin().unwrap();
        pager.update_header(|h| h.user_version = 7).unwrap();
        pager.commit().unwrap();
        pager.begin().unwrap();
        pager.update_header(|h| h.user_version = 8).unwrap();
        assert!(shared.calls() > 0);
        let durable = shared.crash().unwrap();
        // The pager that was running is cut off.
        let e = pager.commit().unwrap_err();
        assert!(e.to_string().contains("crashed"), "{e}");
        assert!(shared.crash().is_err());
        let pager = Pager::open(
            alloc::boxed::Box::new(durable),
            PagerOptions::default(),
            &env,
        )
        .unwrap();
        assert_eq!(pager.header().user_version, 7);
    }

    #[cfg(feature = "std")]
    #[test]
    fn crash_of_a_file_store_is_what_reopening_finds() {
        use crate::storage::FileStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fault-file.turdb");
        let mut s = FaultStore::new(FileStore::open(&path).unwrap(), FaultConfig::default());
        s.write_page(FileKind::Main, 0, &pattern(1)).unwrap();
        s.sync(FileKind::Main).unwrap();
        s.write_page(FileKind::Main, 0, &pattern(2)).unwrap();
        s.write_page(FileKind::Main, 1, &pattern(3)).unwrap();
        drop(s.crash().unwrap());
        let reopened = FileStore::open(&path).unwrap();
        assert_eq!(reopened.page_count(FileKind::Main).unwrap(), 1);
        assert_eq!(read(&reopened, FileKind::Main, 0), pattern(1));
    }
}
