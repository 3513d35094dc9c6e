//! The pager: page cache, free-page list and transactions over a
//! [`PageStore`].
//!
//! Everything above the pager (B+trees, the catalog, HNSW graphs) asks it for
//! pages by number. It is the only layer that talks to the store, and it
//! applies the page codec on every transfer: a page read from the store is
//! checked (checksum, page number) before anyone sees it.
//!
//! # Pages in memory
//!
//! A page in memory is a [`PageRef`]: an `Arc` of its 16 KiB image.
//! Committed images are immutable once shared. Writing a page is
//! copy-on-write: [`Pager::write`] hands out the transaction's own image
//! (copying only if someone still holds the previous one), so
//!
//! - a cursor that holds a page keeps a consistent image of it even while the
//!   same transaction changes the tree (it notices through
//!   [`Pager::change_seq`] and re-seeks),
//! - a savepoint keeps the images it must restore just by holding them,
//! - and snapshot readers (with the WAL) can keep reading the committed image
//!   of a page while the writer changes it.
//!
//! # The cache
//!
//! The cache holds at most `cache_pages` frames (a 32-page cache works) and
//! evicts with SIEVE (Zhang et al., NSDI '24): frames sit in a queue in
//! insertion order, a hit only sets a `visited` bit, and a hand moving from
//! the oldest frame towards the newest evicts the first frame it finds
//! unvisited, clearing the bits it passes. It keeps hot pages (tree roots and
//! interior nodes) better than LRU under scans, with no work on a hit.
//! Dirty frames are not evicted while a clean one can be; when every frame is
//! dirty, one is *spilled*. Until the WAL exists the spill area is memory
//! (the transaction's dirty pages are kept whole); the WAL issue turns a
//! spill into an uncommitted WAL frame, so a 100k-row transaction runs in a
//! 32-page cache. Pages held by callers (`Arc`s) may be evicted: the cache
//! forgets them, the holder keeps its image.
//!
//! # Transactions
//!
//! One writer: [`Pager::begin`], [`Pager::commit`], [`Pager::rollback`], and
//! nested savepoints ([`Pager::savepoint`], [`Pager::release`],
//! [`Pager::rollback_to`]). A transaction's changes live only in its dirty
//! images (cache + spill) and in its copy of the file header until commit:
//!
//! - rollback drops the dirty images and the header copy; the committed
//!   pages are read again from the store when needed;
//! - a savepoint records, for each page first written after it, the image the
//!   page had before (or that it was clean), and the header; rolling back to
//!   it puts those back.
//!
//! Commit writes every dirty page (encoded by the codec), then page 0 with
//! the new file header, then syncs the main file. That is atomic in memory —
//! a failed statement or a rollback never leaves half a transaction visible —
//! but not across a crash in the middle of the writes: the WAL issue makes
//! commit atomic and durable on the store by appending the same pages to the
//! WAL instead.
//!
//! # The free list
//!
//! Freed pages go on a list of trunk pages (as in SQLite): the file header
//! names the first trunk; a trunk ([`PageType::FreeTrunk`]) links to the next
//! in its header and lists up to [`TRUNK_CAPACITY`] free page numbers after
//! its page header. Allocation takes the last number of the first trunk, or
//! the trunk itself when it is empty, and only grows the file when the list
//! is empty. Freed pages are not written (their content is meaningless), so
//! freeing costs one trunk write.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use hashbrown::{HashMap, HashSet};

use super::codec::{ChecksumCodec, PageCodec};
use super::page::{
    FileHeader, MAX_PAGE_COUNT, PAGE_HEADER_SIZE, PAGE_SIZE, PageHeader, PageNo, PageType, get_u32,
    init_page_header, put_u32, set_count, set_link,
};
use super::{FileKind, PageStore};
use crate::env::Env;
use crate::{Error, ErrorKind, Result, err};

/// A page image shared between the cache and its readers.
pub type PageRef = Arc<[u8; PAGE_SIZE]>;

/// How many page numbers a free-list trunk holds.
pub const TRUNK_CAPACITY: usize = (PAGE_SIZE - PAGE_HEADER_SIZE) / 4;

/// The smallest cache the pager accepts (a B+tree operation holds its path
/// as `Arc`s, not as cache slots, so very small caches still work).
pub const MIN_CACHE_PAGES: usize = 2;

/// Options for [`Pager::open`].
#[derive(Clone, Debug)]
pub struct PagerOptions {
    /// Maximum number of pages in the cache (clean and dirty together).
    pub cache_pages: usize,
}

impl Default for PagerOptions {
    fn default() -> PagerOptions {
        // 4 MiB: enough for the interior levels of large trees.
        PagerOptions { cache_pages: 256 }
    }
}

/// Counters for tests, benchmarks and `PRAGMA`s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PagerStats {
    /// Configured cache size in pages.
    pub cache_capacity: usize,
    /// Pages in the cache now.
    pub cache_len: usize,
    /// Most pages the cache ever held at once.
    pub cache_peak: usize,
    /// Dirty pages of the open transaction outside the cache.
    pub spilled: usize,
    /// Lookups answered from the cache (or the spill area).
    pub hits: u64,
    /// Pages read from the store.
    pub reads: u64,
    /// Pages written to the store.
    pub writes: u64,
    /// Frames evicted from the cache.
    pub evictions: u64,
    /// Commits completed.
    pub commits: u64,
}

const NIL: u32 = u32::MAX;

struct Frame {
    no: PageNo,
    data: PageRef,
    dirty: bool,
    visited: bool,
    // SIEVE queue links: towards the newer (prev) and older (next) frames.
    newer: u32,
    older: u32,
}

/// The SIEVE page cache. Slots are reused; `map` finds a page's slot.
struct Cache {
    frames: Vec<Frame>,
    map: HashMap<PageNo, u32>,
    free_slots: Vec<u32>,
    capacity: usize,
    newest: u32,
    oldest: u32,
    hand: u32,
    peak: usize,
    /// Put in vacated slots so they hold no page image.
    placeholder: PageRef,
}

impl Cache {
    fn new(capacity: usize) -> Cache {
        Cache {
            frames: Vec::with_capacity(capacity),
            map: HashMap::with_capacity(capacity),
            free_slots: Vec::new(),
            capacity,
            newest: NIL,
            oldest: NIL,
            hand: NIL,
            peak: 0,
            placeholder: new_page(),
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn get(&mut self, no: PageNo) -> Option<&mut Frame> {
        let slot = *self.map.get(&no)?;
        let f = &mut self.frames[slot as usize];
        f.visited = true;
        Some(f)
    }

    fn unlink(&mut self, slot: u32) {
        let (newer, older) = {
            let f = &self.frames[slot as usize];
            (f.newer, f.older)
        };
        if newer == NIL {
            self.newest = older;
        } else {
            self.frames[newer as usize].older = older;
        }
        if older == NIL {
            self.oldest = newer;
        } else {
            self.frames[older as usize].newer = newer;
        }
        if self.hand == slot {
            // The hand moves on towards newer frames, as if it had passed.
            self.hand = newer;
        }
    }

    /// Removes page `no` from the cache, returning its frame's image and
    /// dirty flag.
    fn remove(&mut self, no: PageNo) -> Option<(PageRef, bool)> {
        let slot = self.map.remove(&no)?;
        self.unlink(slot);
        self.free_slots.push(slot);
        let f = &mut self.frames[slot as usize];
        let data = core::mem::replace(&mut f.data, self.placeholder.clone());
        Some((data, f.dirty))
    }

    /// Inserts a frame for a page not in the cache. The caller has made
    /// room (`len() < capacity`).
    fn insert(&mut self, no: PageNo, data: PageRef, dirty: bool) -> &mut Frame {
        let frame = Frame {
            no,
            data,
            dirty,
            visited: false,
            newer: NIL,
            older: self.newest,
        };
        let slot = match self.free_slots.pop() {
            Some(s) => {
                self.frames[s as usize] = frame;
                s
            }
            None => {
                self.frames.push(frame);
                (self.frames.len() - 1) as u32
            }
        };
        if self.newest != NIL {
            self.frames[self.newest as usize].newer = slot;
        }
        self.newest = slot;
        if self.oldest == NIL {
            self.oldest = slot;
        }
        self.map.insert(no, slot);
        self.peak = self.peak.max(self.map.len());
        &mut self.frames[slot as usize]
    }

    /// Chooses a victim with SIEVE: the first unvisited clean frame from the
    /// hand towards newer frames. Dirty frames are passed over; if a whole
    /// sweep (two rounds, the first clearing visited bits) finds no clean
    /// frame, the first dirty frame found is returned.
    fn victim(&mut self) -> Option<PageNo> {
        let mut first_dirty = None;
        let mut hand = if self.hand == NIL {
            self.oldest
        } else {
            self.hand
        };
        for _ in 0..2 * self.map.len() + 1 {
            if hand == NIL {
                hand = self.oldest;
                if hand == NIL {
                    return None;
                }
            }
            let f = &mut self.frames[hand as usize];
            if f.dirty {
                first_dirty.get_or_insert(f.no);
            } else if f.visited {
                f.visited = false;
            } else {
                self.hand = f.newer;
                return Some(f.no);
            }
            hand = f.newer;
        }
        self.hand = hand;
        first_dirty
    }
}

/// A zeroed page image, allocated directly on the heap.
pub fn new_page() -> PageRef {
    let page: Arc<[u8; PAGE_SIZE]> = match Arc::<[u8]>::from(alloc::vec![0u8; PAGE_SIZE]).try_into()
    {
        Ok(p) => p,
        Err(_) => unreachable!("a PAGE_SIZE slice converts to a PAGE_SIZE array"),
    };
    page
}

/// One savepoint level of the open transaction.
struct Savepoint {
    /// For each page first written after this savepoint: its image then if it
    /// was already dirty, or `None` if it was clean (so rolling back just
    /// drops the transaction's image).
    before: HashMap<PageNo, Option<PageRef>>,
    header: FileHeader,
}

struct Txn {
    /// The header as committed, restored by rollback.
    begin_header: FileHeader,
    savepoints: Vec<Savepoint>,
}

/// The pager; see the module documentation.
pub struct Pager {
    store: Box<dyn PageStore>,
    codec: Box<dyn PageCodec>,
    cache: Cache,
    /// Dirty pages of the open transaction pushed out of the cache.
    spill: HashMap<PageNo, PageRef>,
    /// The file header as the open transaction sees it (or as committed).
    header: FileHeader,
    txn: Option<Txn>,
    change_seq: u64,
    stats: PagerStats,
    /// Scratch image for encoding pages on their way to the store.
    scratch: Box<[u8; PAGE_SIZE]>,
}

impl core::fmt::Debug for Pager {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pager")
            .field("file", &self.store.name(FileKind::Main))
            .field("header", &self.header)
            .field("in_transaction", &self.txn.is_some())
            .field("stats", &self.stats())
            .finish()
    }
}

impl Pager {
    /// Opens the database in `store`. An empty store (zero pages) becomes a
    /// new database with a random id from `env`; otherwise page 0 is read and
    /// checked (magic, version, page size, codec, bounds) and the file must
    /// be at least as long as its header says.
    pub fn open(store: Box<dyn PageStore>, options: PagerOptions, env: &dyn Env) -> Result<Pager> {
        if options.cache_pages < MIN_CACHE_PAGES {
            return Err(Error::invalid(alloc::format!(
                "open {}: cache of {} pages is too small (at least {MIN_CACHE_PAGES})",
                store.name(FileKind::Main),
                options.cache_pages
            )));
        }
        let codec: Box<dyn PageCodec> = Box::new(ChecksumCodec);
        let mut scratch = super::page::zeroed_page();
        let name = store.name(FileKind::Main);
        let count = store.page_count(FileKind::Main)?;
        let mut created = false;
        let header = if count == 0 {
            let mut id = [0u8; 16];
            env.fill_random(&mut id);
            created = true;
            FileHeader::new(id)
        } else {
            store.read_page(FileKind::Main, 0, &mut scratch)?;
            // The header is checked before the checksum so that a file that
            // is not a TurDB database at all gets the clearer message.
            let header = FileHeader::decode(&scratch, name)?;
            codec.decode(name, 0, &mut scratch)?;
            if scratch.page_type() != Some(PageType::Meta) {
                return Err(err!(
                    Corrupt,
                    "open {name}: page 0 is not a file header page"
                ));
            }
            if count < header.page_count {
                return Err(err!(
                    Corrupt,
                    "open {name}: the file is truncated: it has {count} pages but its header says {} (page {count} onwards is missing)",
                    header.page_count
                ));
            }
            header
        };
        let mut pager = Pager {
            store,
            codec,
            cache: Cache::new(options.cache_pages),
            spill: HashMap::new(),
            header,
            txn: None,
            change_seq: 0,
            stats: PagerStats::default(),
            scratch,
        };
        if created {
            pager.write_header_page()?;
            pager.store.sync(FileKind::Main)?;
        }
        Ok(pager)
    }

    /// The name of the main file, for error messages.
    pub fn file_name(&self) -> &str {
        self.store.name(FileKind::Main)
    }

    /// The file header as the open transaction sees it.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// Changes the file header (inside a transaction; it is written at
    /// commit). Used for the catalog root, `user_version`, the schema cookie.
    pub fn update_header(&mut self, f: impl FnOnce(&mut FileHeader)) -> Result<()> {
        self.require_txn("update the file header")?;
        let before = (
            self.header.database_id,
            self.header.page_count,
            self.header.free_head,
            self.header.free_count,
        );
        f(&mut self.header);
        if before
            != (
                self.header.database_id,
                self.header.page_count,
                self.header.free_head,
                self.header.free_count,
            )
        {
            return Err(Error::misuse(
                "update the file header: the database id, page count and free list belong to the pager",
            ));
        }
        self.change_seq += 1;
        Ok(())
    }

    /// Counters.
    pub fn stats(&self) -> PagerStats {
        PagerStats {
            cache_capacity: self.cache.capacity,
            cache_len: self.cache.len(),
            cache_peak: self.cache.peak,
            spilled: self.spill.len(),
            ..self.stats.clone()
        }
    }

    /// A number that changes whenever any page or the header changes (in
    /// this transaction, or by a commit or rollback). Cursors compare it to
    /// know whether the pages they hold are still current.
    pub fn change_seq(&self) -> u64 {
        self.change_seq
    }

    /// Whether a write transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.txn.is_some()
    }

    /// Gives the store back (used by tests to inspect or "crash" it).
    pub fn into_store(self) -> Box<dyn PageStore> {
        self.store
    }

    fn check_page_no(&self, no: PageNo, op: &str) -> Result<()> {
        if no == 0 || no >= self.header.page_count {
            return Err(err!(
                Corrupt,
                "{op} page {no} of {}: out of range (the database has pages 1 to {})",
                self.file_name(),
                self.header.page_count.saturating_sub(1)
            ));
        }
        Ok(())
    }

    fn require_txn(&self, op: &str) -> Result<()> {
        if self.txn.is_none() {
            return Err(Error::misuse(alloc::format!(
                "{op}: no transaction is open"
            )));
        }
        Ok(())
    }

    /// Reads page `no` (1 ≤ no < page count): the transaction's image if it
    /// changed the page, else the committed one. Pages read from the store
    /// are checked by the codec.
    pub fn read(&mut self, no: PageNo) -> Result<PageRef> {
        if let Some(f) = self.cache.get(no) {
            self.stats.hits += 1;
            return Ok(f.data.clone());
        }
        if let Some(p) = self.spill.get(&no) {
            self.stats.hits += 1;
            return Ok(p.clone());
        }
        self.check_page_no(no, "read")?;
        let page = self.load(no)?;
        self.make_room()?;
        self.cache.insert(no, page.clone(), false);
        Ok(page)
    }

    /// Like [`Pager::read`], but lends the image instead of sharing it, so
    /// a caller that looks at one page at a time (a B+tree descent) pays
    /// no reference-count traffic on pages that are mostly cold in the CPU
    /// cache.
    pub fn page(&mut self, no: PageNo) -> Result<&[u8; PAGE_SIZE]> {
        let slot = match self.cache.map.get(&no) {
            Some(&slot) => {
                self.stats.hits += 1;
                slot
            }
            None => {
                if self.spill.contains_key(&no) {
                    self.stats.hits += 1;
                    return self
                        .spill
                        .get(&no)
                        .map(|p| &**p)
                        .ok_or_else(|| Error::internal("spilled page vanished"));
                }
                drop(self.read(no)?);
                *self
                    .cache
                    .map
                    .get(&no)
                    .ok_or_else(|| Error::internal("page read into the cache vanished"))?
            }
        };
        let f = &mut self.cache.frames[slot as usize];
        f.visited = true;
        Ok(&f.data)
    }

    /// Reads page `no` from the store and checks it.
    fn load(&mut self, no: PageNo) -> Result<PageRef> {
        let mut page = new_page();
        let buf = Arc::get_mut(&mut page).ok_or_else(|| Error::internal("fresh page is shared"))?;
        match self.store.page_view(FileKind::Main, no) {
            Some(view) => buf.copy_from_slice(view),
            None => self.store.read_page(FileKind::Main, no, buf)?,
        }
        self.codec
            .decode(self.store.name(FileKind::Main), no, buf)?;
        self.stats.reads += 1;
        Ok(page)
    }

    /// Resizes the page cache to `pages` frames (at least
    /// [`MIN_CACHE_PAGES`]), evicting down to the new size at once.
    pub fn set_cache_capacity(&mut self, pages: usize) -> Result<()> {
        self.cache.capacity = pages.max(MIN_CACHE_PAGES);
        while self.cache.len() > self.cache.capacity {
            self.evict_one()?;
        }
        Ok(())
    }

    /// Makes sure the cache has a free frame, evicting (or spilling) one.
    fn make_room(&mut self) -> Result<()> {
        while self.cache.len() >= self.cache.capacity {
            self.evict_one()?;
        }
        Ok(())
    }

    fn evict_one(&mut self) -> Result<()> {
        {
            let victim = self
                .cache
                .victim()
                .ok_or_else(|| Error::internal("full cache has no frames"))?;
            let (data, dirty) = self
                .cache
                .remove(victim)
                .ok_or_else(|| Error::internal("victim not in cache"))?;
            self.stats.evictions += 1;
            if dirty {
                self.spill.insert(victim, data);
            }
        }
        Ok(())
    }

    /// The transaction's writable image of page `no`, for changing it in
    /// place. Copy-on-write: holders of the previous image keep it.
    pub fn write(&mut self, no: PageNo) -> Result<&mut [u8; PAGE_SIZE]> {
        self.require_txn("write page")?;
        self.check_page_no(no, "write")?;
        self.change_seq += 1;
        self.ensure_dirty_frame(no)?;
        let slot = *self
            .cache
            .map
            .get(&no)
            .ok_or_else(|| Error::internal("dirty frame vanished"))?;
        Ok(Arc::make_mut(&mut self.cache.frames[slot as usize].data))
    }

    /// Brings page `no` into the cache as a dirty frame, recording its
    /// previous state for the innermost savepoint.
    fn ensure_dirty_frame(&mut self, no: PageNo) -> Result<()> {
        let in_savepoint = self.txn.as_ref().is_some_and(|t| !t.savepoints.is_empty());
        if let Some(f) = self.cache.get(no) {
            let dirty = f.dirty;
            f.dirty = true;
            // Only a savepoint keeps the image; cloning the Arc for nothing
            // would cost an atomic on every write.
            if in_savepoint {
                let before = dirty.then(|| f.data.clone());
                self.note_before(no, before);
            }
            return Ok(());
        }
        let (data, dirty) = match self.spill.remove(&no) {
            Some(p) => (p, true),
            None => (self.load(no)?, false),
        };
        self.note_before(no, dirty.then(|| data.clone()));
        self.make_room()?;
        self.cache.insert(no, data, true);
        Ok(())
    }

    fn note_before(&mut self, no: PageNo, before: Option<PageRef>) {
        if let Some(sp) = self.txn.as_mut().and_then(|t| t.savepoints.last_mut()) {
            sp.before.entry(no).or_insert(before);
        }
    }

    /// Allocates a page for `ty`: from the free list if it has one, else by
    /// growing the file. The page comes back zeroed with its page header
    /// written, as a dirty frame; change it with [`Pager::write`].
    pub fn allocate(&mut self, ty: PageType) -> Result<PageNo> {
        self.require_txn("allocate page")?;
        self.change_seq += 1;
        let no = if self.header.free_head != 0 {
            let trunk = self.header.free_head;
            let page = self.write(trunk)?;
            if page.page_type() != Some(PageType::FreeTrunk) {
                return Err(err!(
                    Corrupt,
                    "allocate page: free-list trunk {trunk} is not a trunk page"
                ));
            }
            let n = page.count() as usize;
            if n > TRUNK_CAPACITY {
                return Err(err!(
                    Corrupt,
                    "allocate page: free-list trunk {trunk} claims {n} entries"
                ));
            }
            let (no, next_head) = if n > 0 {
                let leaf = get_u32(&page[..], PAGE_HEADER_SIZE + 4 * (n - 1));
                set_count(page, (n - 1) as u16);
                (leaf, trunk)
            } else {
                (trunk, page.link())
            };
            self.header.free_head = next_head;
            self.header.free_count = self.header.free_count.saturating_sub(1);
            if no == 0 || no >= self.header.page_count || next_head >= self.header.page_count {
                return Err(err!(
                    Corrupt,
                    "allocate page: free-list trunk {trunk} lists page {no}, out of range"
                ));
            }
            no
        } else {
            if self.header.page_count >= MAX_PAGE_COUNT {
                return Err(Error::new(
                    ErrorKind::Full,
                    alloc::format!(
                        "allocate page in {}: the file has reached {MAX_PAGE_COUNT} pages",
                        self.file_name()
                    ),
                ));
            }
            self.header.page_count += 1;
            self.header.page_count - 1
        };
        self.install_fresh(no, ty)?;
        Ok(no)
    }

    /// Replaces whatever the transaction had for `no` with a zeroed page of
    /// type `ty` (a dirty frame), remembering the old state for savepoints.
    fn install_fresh(&mut self, no: PageNo, ty: PageType) -> Result<()> {
        let prior = match self.cache.remove(no) {
            Some((data, dirty)) => dirty.then_some(data),
            None => self.spill.remove(&no),
        };
        self.note_before(no, prior);
        let mut page = new_page();
        let buf = Arc::get_mut(&mut page).ok_or_else(|| Error::internal("fresh page is shared"))?;
        init_page_header(buf, ty, no);
        self.make_room()?;
        self.cache.insert(no, page, true);
        Ok(())
    }

    /// Returns page `no` to the free list. Its content is forgotten.
    pub fn free(&mut self, no: PageNo) -> Result<()> {
        self.require_txn("free page")?;
        self.check_page_no(no, "free")?;
        self.change_seq += 1;
        let head = self.header.free_head;
        let room = if head != 0 {
            let page = self.read(head)?;
            if page.page_type() != Some(PageType::FreeTrunk) {
                return Err(err!(
                    Corrupt,
                    "free page {no}: free-list trunk {head} is not a trunk page"
                ));
            }
            (page.count() as usize) < TRUNK_CAPACITY
        } else {
            false
        };
        if room {
            // The freed page's image is dropped: nobody reads a free page.
            let prior = match self.cache.remove(no) {
                Some((data, dirty)) => dirty.then_some(data),
                None => self.spill.remove(&no),
            };
            self.note_before(no, prior);
            let page = self.write(head)?;
            let n = page.count() as usize;
            put_u32(page, PAGE_HEADER_SIZE + 4 * n, no);
            set_count(page, (n + 1) as u16);
        } else {
            self.install_fresh(no, PageType::FreeTrunk)?;
            let page = self.write(no)?;
            set_link(page, head);
            self.header.free_head = no;
        }
        self.header.free_count += 1;
        Ok(())
    }

    /// Starts a write transaction.
    pub fn begin(&mut self) -> Result<()> {
        if self.txn.is_some() {
            return Err(Error::misuse("begin: a transaction is already open"));
        }
        self.txn = Some(Txn {
            begin_header: self.header.clone(),
            savepoints: Vec::new(),
        });
        Ok(())
    }

    /// Opens a savepoint inside the transaction; returns its depth (1 for
    /// the outermost), to pass to [`Pager::release`] or
    /// [`Pager::rollback_to`].
    pub fn savepoint(&mut self) -> Result<usize> {
        self.require_txn("savepoint")?;
        let header = self.header.clone();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| Error::internal("txn vanished"))?;
        txn.savepoints.push(Savepoint {
            before: HashMap::new(),
            header,
        });
        Ok(txn.savepoints.len())
    }

    fn check_depth(&self, depth: usize, op: &str) -> Result<()> {
        self.require_txn(op)?;
        let n = self.txn.as_ref().map_or(0, |t| t.savepoints.len());
        if depth == 0 || depth > n {
            return Err(err!(
                NotFound,
                "{op}: no savepoint at depth {depth} (open: {n})"
            ));
        }
        Ok(())
    }

    /// Releases the savepoint at `depth` and every one inside it, keeping
    /// their changes in the enclosing savepoint (or the transaction).
    pub fn release(&mut self, depth: usize) -> Result<()> {
        self.check_depth(depth, "release savepoint")?;
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| Error::internal("txn vanished"))?;
        while txn.savepoints.len() >= depth {
            let Some(sp) = txn.savepoints.pop() else {
                break;
            };
            if let Some(parent) = txn.savepoints.last_mut() {
                for (no, before) in sp.before {
                    parent.before.entry(no).or_insert(before);
                }
            }
        }
        Ok(())
    }

    /// Undoes everything since the savepoint at `depth` was opened. The
    /// savepoint stays open (as in SQL's `ROLLBACK TO`); inner ones close.
    pub fn rollback_to(&mut self, depth: usize) -> Result<()> {
        self.check_depth(depth, "rollback to savepoint")?;
        self.change_seq += 1;
        loop {
            let txn = self
                .txn
                .as_mut()
                .ok_or_else(|| Error::internal("txn vanished"))?;
            let len = txn.savepoints.len();
            let sp = if len > depth {
                txn.savepoints.pop()
            } else {
                txn.savepoints.last_mut().map(|sp| Savepoint {
                    before: core::mem::take(&mut sp.before),
                    header: sp.header.clone(),
                })
            };
            let Some(sp) = sp else { break };
            for (no, before) in sp.before {
                self.cache.remove(no);
                self.spill.remove(&no);
                if let Some(image) = before {
                    self.make_room()?;
                    self.cache.insert(no, image, true);
                }
            }
            self.header = sp.header;
            if len <= depth {
                break;
            }
        }
        Ok(())
    }

    /// Abandons the transaction: every page it changed goes back to its
    /// committed image.
    pub fn rollback(&mut self) -> Result<()> {
        let txn = self
            .txn
            .take()
            .ok_or_else(|| Error::misuse("rollback: no transaction is open"))?;
        self.change_seq += 1;
        self.header = txn.begin_header;
        self.spill.clear();
        let dirty: Vec<PageNo> = self.cache.frames_dirty();
        for no in dirty {
            self.cache.remove(no);
        }
        Ok(())
    }

    /// Commits the transaction: writes every changed page and the header,
    /// then syncs. On error the transaction stays open (roll it back).
    pub fn commit(&mut self) -> Result<()> {
        self.require_txn("commit")?;
        let mut dirty: Vec<PageNo> = self.cache.frames_dirty();
        dirty.extend(self.spill.keys().copied());
        dirty.sort_unstable();
        for &no in &dirty {
            let image = match self.cache.map.get(&no) {
                Some(&slot) => self.cache.frames[slot as usize].data.clone(),
                None => self
                    .spill
                    .get(&no)
                    .cloned()
                    .ok_or_else(|| Error::internal("dirty page vanished"))?,
            };
            self.scratch.copy_from_slice(&image[..]);
            self.codec.encode(no, &mut self.scratch);
            self.store.write_page(FileKind::Main, no, &self.scratch)?;
            self.stats.writes += 1;
        }
        // Pages allocated and freed again in this transaction were never
        // written; the file must still be as long as the header says.
        if self.store.page_count(FileKind::Main)? < self.header.page_count {
            self.store
                .truncate(FileKind::Main, self.header.page_count)?;
        }
        self.header.commit_counter += 1;
        if let Err(e) = self
            .write_header_page()
            .and_then(|()| self.store.sync(FileKind::Main))
        {
            self.header.commit_counter -= 1;
            return Err(e);
        }
        for &no in &dirty {
            if let Some(&slot) = self.cache.map.get(&no) {
                self.cache.frames[slot as usize].dirty = false;
            }
        }
        self.spill.clear();
        self.txn = None;
        self.stats.commits += 1;
        self.change_seq += 1;
        Ok(())
    }

    fn write_header_page(&mut self) -> Result<()> {
        let page = &mut self.scratch;
        page.fill(0);
        init_page_header(page, PageType::Meta, 0);
        self.header.encode(page);
        self.codec.encode(0, page);
        self.store.write_page(FileKind::Main, 0, page)?;
        self.stats.writes += 1;
        Ok(())
    }

    /// Reads every page of the file through the codec and checks the free
    /// list; returns the problems found (empty: the file is sound). The
    /// B+tree layer adds its own walk on top (`PRAGMA integrity_check`).
    pub fn check_pages(&mut self) -> Result<Vec<alloc::string::String>> {
        let mut problems = Vec::new();
        // Free leaves hold no data and are never written (see `free`), so
        // their bytes need not checksum; trunks and everything else must.
        let mut free = HashSet::new();
        let mut trunk = self.header.free_head;
        while trunk != 0 && free.len() <= self.header.page_count as usize {
            let page = match self.read(trunk) {
                Ok(p) => p,
                Err(_) => break, // reported by the scan below
            };
            let n = (page.count() as usize).min(TRUNK_CAPACITY);
            free.extend((0..n).map(|i| get_u32(&page[..], PAGE_HEADER_SIZE + 4 * i)));
            trunk = page.link();
        }
        for no in 1..self.header.page_count {
            if free.contains(&no) {
                continue;
            }
            if let Err(e) = self.read(no) {
                problems.push(alloc::format!("{e}"));
            }
        }
        let mut seen = 0u32;
        let mut trunk = self.header.free_head;
        while trunk != 0 {
            if seen > self.header.page_count {
                problems.push(alloc::string::String::from(
                    "free list: cycle among trunk pages",
                ));
                break;
            }
            let page = self.read(trunk)?;
            seen += 1 + u32::from(page.count());
            trunk = page.link();
        }
        if seen != self.header.free_count {
            problems.push(alloc::format!(
                "free list: header counts {} free pages, the trunks hold {seen}",
                self.header.free_count
            ));
        }
        Ok(problems)
    }

    /// The page numbers on the free list, in list order (for checks).
    pub fn free_pages(&mut self) -> Result<Vec<PageNo>> {
        let mut out = Vec::new();
        let mut trunk = self.header.free_head;
        while trunk != 0 {
            if out.len() > self.header.page_count as usize {
                return Err(err!(
                    Corrupt,
                    "free list of {}: cycle among trunk pages",
                    self.file_name()
                ));
            }
            let page = self.read(trunk)?;
            if page.page_type() != Some(PageType::FreeTrunk) {
                return Err(err!(
                    Corrupt,
                    "free list of {}: page {trunk} is not a trunk",
                    self.file_name()
                ));
            }
            out.push(trunk);
            let n = (page.count() as usize).min(TRUNK_CAPACITY);
            for i in 0..n {
                out.push(get_u32(&page[..], PAGE_HEADER_SIZE + 4 * i));
            }
            trunk = page.link();
        }
        Ok(out)
    }
}

impl Cache {
    fn frames_dirty(&self) -> Vec<PageNo> {
        self.map
            .values()
            .map(|&s| &self.frames[s as usize])
            .filter(|f| f.dirty)
            .map(|f| f.no)
            .collect()
    }
}
