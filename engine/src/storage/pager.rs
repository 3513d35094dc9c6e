//! The pager: page cache, free-page list, transactions and the WAL, over a
//! [`PageStore`].
//!
//! Everything above the pager (B+trees, the catalog, HNSW graphs) asks it for
//! pages by number. It is the only layer that talks to the store, and it
//! applies the page codec on every transfer: a page read from the store is
//! checked (checksum, page number) before anyone sees it.
//!
//! # Writer and snapshots
//!
//! A database has one *writer* pager ([`Pager::open`]) and any number of
//! *snapshot* pagers ([`Pager::snapshot`]). They share the store and the
//! WAL state ([`super::wal::WalState`]) behind two locks, and each has a
//! cache of its own. The writer sees the latest commit plus its open
//! transaction; a snapshot sees the database as of the commit it was pinned
//! at, however many commits the writer makes meanwhile, and never waits for
//! the writer's transaction (only, briefly, for a store call in flight).
//! Snapshots are read-only. Lock order: WAL state, then store.
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
//! - a savepoint keeps the images it must restore just by holding them.
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
//! dirty, the dirty frames are *spilled*: written to the WAL as one segment
//! without a commit record, after which they are clean (their transaction
//! version lives at a WAL position, in the transaction's spill map) and can
//! be evicted. So a 100k-row transaction runs in a 32-page cache. Pages held
//! by callers (`Arc`s) may be evicted: the cache forgets them, the holder
//! keeps its image.
//!
//! # Transactions
//!
//! One writer: [`Pager::begin`], [`Pager::commit`], [`Pager::rollback`], and
//! nested savepoints ([`Pager::savepoint`], [`Pager::release`],
//! [`Pager::rollback_to`]). A page's version in the open transaction is, in
//! order: its dirty cache frame, else its spilled WAL frame, else the
//! committed page. A savepoint records, for each page first written after
//! it, which of those it was (and the image, when it was a dirty frame), and
//! rolling back to it puts that back. Rollback forgets the dirty frames and
//! the spill map: nothing was committed, and the WAL positions are reused.
//!
//! Commit writes the dirty pages as WAL segments, the last one with the
//! commit flag and the new file header, then syncs the WAL
//! (`synchronous = FULL`) — one sync per commit — and publishes the frames
//! to the WAL index for readers. A page whose last WAL image in this
//! transaction is no longer its version (a savepoint rolled back after it
//! spilled) gets its right image appended, so that recovery, where the last
//! image of a page wins, finds what the transaction committed.
//!
//! # Checkpoints
//!
//! [`Pager::checkpoint`] copies the newest committed frame of each page home
//! to the main file — only frames below the oldest live snapshot, so no
//! snapshot sees a page change under it — then page 0 with the matching
//! file header, and syncs the main file. When every frame is home and every
//! snapshot is at the end, the WAL starts a new generation. It runs after a
//! commit once the WAL passes `autocheckpoint` pages, on `PRAGMA
//! wal_checkpoint`, and when the writer closes (then the WAL is also
//! truncated, so a closed database is one self-contained main file).
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
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use hashbrown::{HashMap, HashSet};

use super::codec::{ChecksumCodec, PageCodec};
use super::memory::MemoryStore;
use super::page::{
    FileHeader, MAX_PAGE_COUNT, PAGE_HEADER_SIZE, PAGE_SIZE, PageHeader, PageNo, PageType, get_u32,
    init_page_header, put_u32, set_count, set_link,
};
use super::wal::{
    self, DELTA_FRAME, MAX_DELTA_POSITION, RecoveryReport, SEGMENT_CAPACITY, Synchronous, WAL_GROW,
    WalState, encode_delta, encode_header, encode_segment, segment_len,
};
use super::{FileKind, PageStore};
use crate::env::Env;
use crate::sync::{Lock, lock};
use crate::{Error, ErrorKind, Result, err};

/// A page image shared between the cache and its readers.
pub type PageRef = Arc<[u8; PAGE_SIZE]>;

/// How many page numbers a free-list trunk holds.
pub const TRUNK_CAPACITY: usize = (PAGE_SIZE - PAGE_HEADER_SIZE) / 4;

/// The smallest cache the pager accepts (a B+tree operation holds its path
/// as `Arc`s, not as cache slots, so very small caches still work).
pub const MIN_CACHE_PAGES: usize = 2;

/// The largest cache the pager accepts: 2^20 pages, 16 GiB.
pub const MAX_CACHE_PAGES: usize = 1 << 20;

/// A commit of at most this many pages writes a page as a delta against
/// its base when it can (`wal`'s format), and keeps its full images as
/// bases: small commits are where a 16 KiB image per page is most of the
/// cost, and a large one's pages rarely change again soon.
const DELTA_COMMIT_PAGES: usize = 16;

/// Base images the writer keeps (1 MiB): a bound on memory, not a cache
/// that must hit.
const MAX_BASES: usize = 64;

/// The longest delta record, runs and header. A delta grows with every
/// change since its base and a full image starts afresh, so past some
/// length a full image is cheaper; this one keeps a one-page commit's
/// segment inside one 4 KiB block of the WAL.
const MAX_DELTA: usize = 3900;

/// Options for [`Pager::open`].
#[derive(Clone, Debug)]
pub struct PagerOptions {
    /// Maximum number of pages in the cache (clean and dirty together).
    pub cache_pages: usize,
    /// When commits sync the WAL.
    pub synchronous: Synchronous,
    /// Checkpoint after a commit once the WAL holds this many pages (0:
    /// only when asked).
    pub autocheckpoint: u32,
    /// Never write to the store: every change fails with `ReadOnly`,
    /// checkpoints do not run (so close leaves the WAL as it found it).
    /// Transactions that only read still begin and commit.
    pub read_only: bool,
}

impl Default for PagerOptions {
    fn default() -> PagerOptions {
        // 4 MiB: enough for the interior levels of large trees. 1000 WAL
        // pages (16 MiB) between checkpoints, as SQLite.
        PagerOptions {
            cache_pages: 256,
            synchronous: Synchronous::Full,
            autocheckpoint: 1000,
            read_only: false,
        }
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
    /// Pages of the open transaction whose version lives in the WAL.
    pub spilled: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Pages read from the store (main file or WAL).
    pub reads: u64,
    /// Pages written to the store (both files).
    pub writes: u64,
    /// Frames evicted from the cache.
    pub evictions: u64,
    /// Commits completed (by this pager).
    pub commits: u64,
    /// Page images this pager wrote to the WAL as deltas (`wal`'s format).
    pub deltas: u64,
    /// Committed page images in the WAL now.
    pub wal_frames: usize,
    /// WAL pages in use (header, segments, images) now.
    pub wal_pages: u32,
    /// Checkpoints that copied pages home (this database, since open).
    pub checkpoints: u64,
}

/// What [`Pager::checkpoint`] did, in `PRAGMA wal_checkpoint`'s terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointResult {
    /// A snapshot kept the checkpoint from copying everything.
    pub busy: bool,
    /// WAL pages in use before the checkpoint.
    pub log_pages: u32,
    /// Pages copied home.
    pub copied: u32,
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
    /// Every page made dirty since the list was last compacted (a superset
    /// of the dirty frames, with repeats), so that a commit need not look
    /// at every frame of a large cache.
    dirty_list: Vec<PageNo>,
}

impl Cache {
    fn new(capacity: usize) -> Cache {
        Cache {
            // Grown on demand: a large configured cache costs nothing
            // until it fills.
            frames: Vec::with_capacity(capacity.min(64)),
            map: HashMap::with_capacity(capacity.min(64)),
            free_slots: Vec::new(),
            capacity,
            newest: NIL,
            oldest: NIL,
            hand: NIL,
            peak: 0,
            placeholder: new_page(),
            dirty_list: Vec::new(),
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
        if dirty {
            self.note_dirty(no);
        }
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

/// What a page was in the transaction before a savepoint's first write to
/// it.
#[derive(Clone)]
enum Before {
    /// The committed page (the transaction had not changed it).
    Committed,
    /// A dirty frame with this image.
    Image(PageRef),
    /// Spilled, at this WAL position.
    Spilled(u32),
}

/// One savepoint level of the open transaction.
struct Savepoint {
    before: HashMap<PageNo, Before>,
    header: FileHeader,
}

/// Transaction ids, unique in the process (see [`Pager::change_token`]).
static TXN_IDS: AtomicU64 = AtomicU64::new(1);

struct Txn {
    /// Unique in the process: no two transactions of any pagers share it.
    id: u64,
    /// The header as committed, restored by rollback.
    begin_header: FileHeader,
    savepoints: Vec<Savepoint>,
    /// Pages whose transaction version is a WAL frame: page → position.
    spill: HashMap<PageNo, u32>,
    /// The last WAL position this transaction wrote each page to.
    last_written: HashMap<PageNo, u32>,
    /// Every image written, in order: (page, frame reference).
    frames: Vec<(PageNo, u32)>,
    /// Full images of the commit segment that become bases once the
    /// commit is published: (page, WAL position, encoded image).
    new_bases: Vec<(PageNo, u32, PageRef)>,
    /// Where the next segment goes, and the chain it continues.
    pos: u32,
    chain: u64,
    seq: u32,
    salt: u64,
    generation: u64,
    /// WAL page 0 must be written before the first segment.
    need_wal_header: bool,
    /// The generation's WAL format has deltas ([`WalState::deltas`]).
    deltas: bool,
}

/// What the writer and its snapshots share.
struct Shared {
    store: Lock<Box<dyn PageStore>>,
    wal: Lock<WalState>,
    main_name: String,
    wal_name: String,
}

/// A snapshot pager's pin: the generation and commit end it reads at.
#[derive(Clone, Copy, Debug)]
struct Pin {
    generation: u64,
    mx: u32,
    live: bool,
}

/// The pager; see the module documentation.
pub struct Pager {
    shared: Arc<Shared>,
    codec: ChecksumCodec,
    cache: Cache,
    /// The file header as this pager sees it (the open transaction's, or
    /// the snapshot's).
    header: FileHeader,
    txn: Option<Txn>,
    /// `Some` for a snapshot pager.
    pin: Option<Pin>,
    change_seq: u64,
    stats: PagerStats,
    /// Scratch image for encoding pages on their way to the store.
    scratch: Box<[u8; PAGE_SIZE]>,
    /// The writer's bases for deltas: page → (WAL position, encoded image)
    /// of a committed full image of generation `bases_generation`.
    bases: HashMap<PageNo, (u32, PageRef)>,
    bases_generation: u64,
    /// Delta records of the segment being written.
    delta_buf: Vec<u8>,
    /// Set by `close`/`into_store`: nothing left to do on drop.
    closed: bool,
    /// See [`PagerOptions::read_only`].
    read_only: bool,
}

impl core::fmt::Debug for Pager {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pager")
            .field("file", &self.shared.main_name)
            .field("header", &self.header)
            .field("in_transaction", &self.txn.is_some())
            .field("snapshot", &self.pin)
            .finish()
    }
}

impl Pager {
    /// Opens the database in `store`. An empty store (zero pages) becomes a
    /// new database with a random id from `env`; otherwise page 0 is read and
    /// checked (magic, version, page size, codec, bounds) and the file must
    /// be at least as long as its header says. Then the WAL is recovered:
    /// every complete commit in it counts; what it dropped is in
    /// [`Pager::recovery_report`].
    pub fn open(store: Box<dyn PageStore>, options: PagerOptions, env: &dyn Env) -> Result<Pager> {
        let name = String::from(store.name(FileKind::Main));
        if !(MIN_CACHE_PAGES..=MAX_CACHE_PAGES).contains(&options.cache_pages) {
            return Err(Error::invalid(alloc::format!(
                "open {name}: a cache of {} pages is out of range ({MIN_CACHE_PAGES} to {MAX_CACHE_PAGES})",
                options.cache_pages
            )));
        }
        let codec = ChecksumCodec;
        let mut scratch = super::page::zeroed_page();
        let count = store.page_count(FileKind::Main)?;
        let main_header = if count == 0 {
            // A new database writes nothing until its first commit, which
            // goes to the WAL with the file header; page 0 reaches the main
            // file at the first checkpoint. So a crash while a database is
            // being created leaves an empty main file, never a torn one.
            header_from_wal(&*store).unwrap_or_else(|| {
                let mut id = [0u8; 16];
                env.fill_random(&mut id);
                FileHeader::new(id)
            })
        } else {
            match read_main_header(&codec, &*store, &name, count, &mut scratch) {
                Ok(h) => h,
                // A checkpoint writes page 0 last; a power cut can tear it.
                // The WAL then still holds every commit (it restarts only
                // after page 0 is synced), and each commit carries the file
                // header: take it from there.
                Err(e) if e.kind() == ErrorKind::Corrupt => header_from_wal(&*store).ok_or(e)?,
                Err(e) => return Err(e),
            }
        };
        let mut salt = [0u8; 8];
        env.fill_random(&mut salt);
        let mut wal = WalState::recover(&*store, &main_header, u64::from_le_bytes(salt))?;
        wal.synchronous = options.synchronous;
        wal.autocheckpoint = options.autocheckpoint;
        let header = wal.header.clone();
        let wal_name = String::from(store.name(FileKind::Wal));
        Ok(Pager {
            shared: Arc::new(Shared {
                store: Lock::new(store),
                wal: Lock::new(wal),
                main_name: name,
                wal_name,
            }),
            codec,
            cache: Cache::new(options.cache_pages),
            header,
            txn: None,
            pin: None,
            change_seq: 0,
            stats: PagerStats::default(),
            scratch,
            bases: HashMap::new(),
            bases_generation: 0,
            delta_buf: Vec::new(),
            closed: false,
            read_only: options.read_only,
        })
    }

    /// A read-only pager that sees the database as of the last commit, with
    /// a cache of its own of `cache_pages` pages. It stays at that commit
    /// (checkpoints keep its pages) until [`Pager::repin`] or drop.
    pub fn snapshot(&self, cache_pages: usize) -> Result<Pager> {
        let cache_pages = cache_pages.clamp(MIN_CACHE_PAGES, MAX_CACHE_PAGES);
        let (pin, header) = {
            let mut wal = lock(&self.shared.wal);
            let mx = wal.pin();
            let pin = Pin {
                generation: wal.generation,
                mx,
                live: true,
            };
            (pin, wal.header.clone())
        };
        Ok(Pager {
            shared: self.shared.clone(),
            codec: self.codec,
            cache: Cache::new(cache_pages),
            header,
            txn: None,
            pin: Some(pin),
            change_seq: 0,
            stats: PagerStats::default(),
            scratch: super::page::zeroed_page(),
            bases: HashMap::new(),
            bases_generation: 0,
            delta_buf: Vec::new(),
            closed: false,
            // A snapshot never begins a transaction, so never writes.
            read_only: self.read_only,
        })
    }

    /// Moves a snapshot to the last commit, keeping the cached pages that
    /// did not change since its old one.
    pub fn repin(&mut self) -> Result<()> {
        let Some(old) = self.pin else {
            return Err(Error::misuse("repin: not a snapshot"));
        };
        let mut wal = lock(&self.shared.wal);
        if old.live {
            wal.unpin(old.generation, old.mx);
        }
        match wal.changed_since(old.generation, old.mx) {
            Some(pages) => {
                for p in pages {
                    self.cache.remove(p);
                }
            }
            None => self.cache.clear(),
        }
        let mx = wal.pin();
        self.pin = Some(Pin {
            generation: wal.generation,
            mx,
            live: true,
        });
        self.header = wal.header.clone();
        self.change_seq += 1;
        Ok(())
    }

    /// Lets go of a snapshot's commit (so checkpoints may pass it) while
    /// keeping its cache for a later [`Pager::repin`]. Reads fail until then.
    pub fn unpin(&mut self) {
        if let Some(pin) = &mut self.pin
            && pin.live
        {
            lock(&self.shared.wal).unpin(pin.generation, pin.mx);
            pin.live = false;
        }
    }

    /// Whether this is a snapshot pager.
    pub fn is_snapshot(&self) -> bool {
        self.pin.is_some()
    }

    /// Whether `other` works on the same database (the writer and its
    /// snapshots).
    pub fn same_database(&self, other: &Pager) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The name of the main file, for error messages.
    pub fn file_name(&self) -> &str {
        &self.shared.main_name
    }

    /// The file header as the open transaction (or the snapshot) sees it.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// What opening found in the WAL.
    pub fn recovery_report(&self) -> RecoveryReport {
        lock(&self.shared.wal).report.clone()
    }

    /// When commits sync the WAL.
    pub fn synchronous(&self) -> Synchronous {
        lock(&self.shared.wal).synchronous
    }

    /// Sets when commits sync the WAL (`PRAGMA synchronous`).
    pub fn set_synchronous(&mut self, mode: Synchronous) {
        lock(&self.shared.wal).synchronous = mode;
    }

    /// WAL pages after which a commit checkpoints (0: never by itself).
    pub fn autocheckpoint(&self) -> u32 {
        lock(&self.shared.wal).autocheckpoint
    }

    /// Sets the automatic checkpoint threshold in WAL pages.
    pub fn set_autocheckpoint(&mut self, pages: u32) {
        lock(&self.shared.wal).autocheckpoint = pages;
    }

    /// Changes the file header (inside a transaction; it is written at
    /// commit). Used for the catalog root, `user_version`, the schema cookie.
    pub fn update_header(&mut self, f: impl FnOnce(&mut FileHeader)) -> Result<()> {
        self.require_txn("update the file header")?;
        self.require_writable("update the file header")?;
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
        let wal = lock(&self.shared.wal);
        PagerStats {
            cache_capacity: self.cache.capacity,
            cache_len: self.cache.len(),
            cache_peak: self.cache.peak,
            spilled: self.txn.as_ref().map_or(0, |t| t.spill.len()),
            wal_frames: wal.frame_count(),
            wal_pages: wal.end,
            checkpoints: wal.checkpoints,
            ..self.stats.clone()
        }
    }

    /// A number that changes whenever any page or the header changes (in
    /// this transaction, or by a commit or rollback). Cursors compare it to
    /// know whether the pages they hold are still current.
    pub fn change_seq(&self) -> u64 {
        self.change_seq
    }

    /// Inside a transaction, a token that no other state of any database
    /// in the process has: equal tokens mean that nothing changed in
    /// between (a caller may keep what it learned from the pages, such as
    /// a table's largest key). `None` outside a transaction.
    pub fn change_token(&self) -> Option<(u64, u64)> {
        self.txn.as_ref().map(|t| (t.id, self.change_seq))
    }

    /// Whether a write transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.txn.is_some()
    }

    /// Gives the store back as it is, WAL and all, without a checkpoint
    /// (tests use it to reopen or inspect a store). Fails while snapshots
    /// of this database are alive.
    pub fn into_store(mut self) -> Result<Box<dyn PageStore>> {
        self.closed = true;
        let shared = core::mem::replace(&mut self.shared, placeholder_shared());
        match Arc::try_unwrap(shared) {
            Ok(s) => Ok(crate::sync::into_inner(s.store)),
            Err(shared) => {
                self.shared = shared;
                Err(Error::misuse(
                    "into_store: snapshots of this database are still alive",
                ))
            }
        }
    }

    /// Closes the writer: rolls back an open transaction and, if no snapshot
    /// is alive, checkpoints everything home and truncates the WAL, so the
    /// main file alone holds the database. Dropping a pager does the same
    /// but cannot report errors.
    pub fn close(mut self) -> Result<()> {
        self.closed = true;
        self.close_inner()
    }

    fn close_inner(&mut self) -> Result<()> {
        if self.pin.is_some() {
            self.unpin();
            return Ok(());
        }
        if self.txn.is_some() {
            self.rollback()?;
        }
        if Arc::strong_count(&self.shared) == 1 && !self.read_only {
            self.checkpoint(true)?;
        }
        Ok(())
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

    /// The error for a change to a database opened read-only (the open
    /// transaction may only read).
    fn require_writable(&self, op: &str) -> Result<()> {
        if self.read_only {
            return Err(Error::new(
                ErrorKind::ReadOnly,
                alloc::format!(
                    "{op} in {}: attempt to write a readonly database",
                    self.file_name()
                ),
            ));
        }
        Ok(())
    }

    fn require_txn(&self, op: &str) -> Result<()> {
        if self.txn.is_none() {
            if self.pin.is_some() {
                return Err(Error::new(
                    ErrorKind::ReadOnly,
                    alloc::format!("{op}: a snapshot of {} is read-only", self.file_name()),
                ));
            }
            return Err(Error::misuse(alloc::format!(
                "{op}: no transaction is open"
            )));
        }
        Ok(())
    }

    /// Reads page `no` (1 ≤ no < page count): the transaction's image if it
    /// changed the page, else the committed one (as of the snapshot). Pages
    /// read from the store are checked by the codec.
    pub fn read(&mut self, no: PageNo) -> Result<PageRef> {
        if let Some(f) = self.cache.get(no) {
            self.stats.hits += 1;
            return Ok(f.data.clone());
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

    /// Reads this pager's version of page `no` from the store and checks
    /// it: a spilled frame of the open transaction, else the newest
    /// committed WAL frame it may see, else the main file.
    fn load(&mut self, no: PageNo) -> Result<PageRef> {
        let spilled = self.txn.as_ref().and_then(|t| t.spill.get(&no).copied());
        self.load_from(no, spilled)
    }

    fn load_from(&mut self, no: PageNo, spilled: Option<u32>) -> Result<PageRef> {
        let mut page = new_page();
        let buf = Arc::get_mut(&mut page).ok_or_else(|| Error::internal("fresh page is shared"))?;
        let shared = &*self.shared;
        // The WAL state stays locked across the store read: a checkpoint
        // may not start a generation between finding a frame and reading it.
        let wal = lock(&shared.wal);
        let src = match (spilled, self.pin) {
            (Some(f), _) => Some(f),
            (None, _) if wal.is_empty() => None,
            (None, None) => wal.lookup(no, wal.end),
            (None, Some(pin)) => {
                if !pin.live {
                    return Err(Error::misuse(alloc::format!(
                        "read page {no} of {}: the snapshot is not pinned",
                        shared.main_name
                    )));
                }
                let mx = wal
                    .current_snapshot(pin.generation, pin.mx)
                    .ok_or_else(|| {
                        Error::internal(alloc::format!(
                            "read page {no} of {}: the snapshot's commit is gone from the WAL",
                            shared.main_name
                        ))
                    })?;
                wal.lookup(no, mx)
            }
        };
        {
            let store = lock(&shared.store);
            match src {
                Some(f) => wal::read_frame(&**store, no, f, buf)?,
                None => match store.page_view(FileKind::Main, no) {
                    Some(view) => buf.copy_from_slice(view),
                    None => store.read_page(FileKind::Main, no, buf)?,
                },
            }
        }
        drop(wal);
        let checked = match src {
            None => self.codec.decode(&shared.main_name, no, buf),
            Some(f) => self.codec.decode(&shared.wal_name, no, buf).map_err(|e| {
                e.context(alloc::format!(
                    "the image at WAL page {}",
                    wal::frame_position(f)
                ))
            }),
        };
        checked?;
        self.stats.reads += 1;
        Ok(page)
    }

    /// Resizes the page cache to `pages` frames (within [`MIN_CACHE_PAGES`]
    /// and [`MAX_CACHE_PAGES`]), evicting down to the new size at once.
    pub fn set_cache_capacity(&mut self, pages: usize) -> Result<()> {
        self.cache.capacity = pages.clamp(MIN_CACHE_PAGES, MAX_CACHE_PAGES);
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
        let victim = self
            .cache
            .victim()
            .ok_or_else(|| Error::internal("full cache has no frames"))?;
        let dirty = self
            .cache
            .map
            .get(&victim)
            .is_some_and(|&s| self.cache.frames[s as usize].dirty);
        if dirty {
            // Every frame is dirty: write them all to the WAL at once (one
            // segment), after which they are clean and evictable.
            return self.spill_dirty();
        }
        self.cache
            .remove(victim)
            .ok_or_else(|| Error::internal("victim not in cache"))?;
        self.stats.evictions += 1;
        Ok(())
    }

    /// Writes the cache's dirty frames to the WAL as an uncommitted segment
    /// and marks them clean.
    fn spill_dirty(&mut self) -> Result<()> {
        let mut dirty = self.cache.frames_dirty();
        dirty.sort_unstable();
        dirty.truncate(SEGMENT_CAPACITY);
        let pages: Vec<(PageNo, PageRef)> = dirty
            .iter()
            .filter_map(|&no| {
                let slot = *self.cache.map.get(&no)?;
                Some((no, self.cache.frames[slot as usize].data.clone()))
            })
            .collect();
        let written = self.write_segment(&pages, None)?;
        for (no, pos) in written {
            if let Some(t) = self.txn.as_mut() {
                t.spill.insert(no, pos);
            }
            if let Some(&slot) = self.cache.map.get(&no) {
                self.cache.frames[slot as usize].dirty = false;
            }
        }
        self.cache.compact_dirty();
        Ok(())
    }

    /// Appends one segment of the open transaction to the WAL: the images
    /// of `pages`, then the segment page (a commit segment if `commit` is
    /// the header to commit). In a small commit, a page with a base is
    /// written as a delta inside the segment page when the delta is short.
    /// Returns each page's frame reference.
    fn write_segment(
        &mut self,
        pages: &[(PageNo, PageRef)],
        commit: Option<&FileHeader>,
    ) -> Result<Vec<(PageNo, u32)>> {
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| Error::internal("write a WAL segment outside a transaction"))?;
        let at = txn.pos;
        let deltas = txn.deltas
            && commit.is_some()
            && pages.len() <= DELTA_COMMIT_PAGES
            && at <= MAX_DELTA_POSITION;
        if deltas && self.bases_generation != txn.generation {
            self.bases.clear();
            self.bases_generation = txn.generation;
        }
        let scratch = &mut self.scratch;
        let delta_buf = &mut self.delta_buf;
        delta_buf.clear();
        let mut delta_count = 0;
        let mut store = lock(&self.shared.store);
        if txn.need_wal_header {
            encode_header(scratch, &self.header.database_id, txn.salt, txn.generation);
            store.write_page(FileKind::Wal, 0, scratch)?;
            self.stats.writes += 1;
            txn.need_wal_header = false;
        }
        let mut entries = Vec::with_capacity(pages.len());
        let mut placed = Vec::with_capacity(pages.len());
        // Bases only once the segment is written whole: a failed attempt's
        // images are overwritten by whatever the transaction writes next.
        let mut new_bases = Vec::new();
        let mut pos = at + 1;
        for (i, (no, image)) in pages.iter().enumerate() {
            scratch.copy_from_slice(&image[..]);
            let hash = self.codec.encode_hashed(*no, scratch);
            entries.push((*no, hash));
            if deltas && let Some((base_pos, base)) = self.bases.get(no) {
                let room = PAGE_SIZE - segment_len(pages.len(), delta_buf.len());
                if encode_delta(delta_buf, i, *base_pos, scratch, base, room.min(MAX_DELTA)) {
                    delta_count += 1;
                    self.stats.deltas += 1;
                    placed.push((*no, at | DELTA_FRAME));
                    continue;
                }
            }
            store.write_page(FileKind::Wal, pos, scratch)?;
            self.stats.writes += 1;
            if deltas {
                new_bases.push((*no, pos, Arc::new(**scratch)));
            }
            placed.push((*no, pos));
            pos += 1;
        }
        let len = segment_len(entries.len(), delta_buf.len());
        if pos == at + 1 && at >= store.page_count(FileKind::Wal)? {
            // No image follows this segment page, so it would end the file
            // and be written whole: grow the file ahead of the log (by one
            // page, so the file ends where the commit does, which is what
            // `publish` records as the WAL's length).
            store.truncate(FileKind::Wal, at.saturating_add(WAL_GROW))?;
        }
        let chain = encode_segment(
            scratch,
            txn.seq,
            txn.salt,
            txn.chain,
            &entries,
            delta_buf,
            delta_count,
            commit,
        );
        // Images went first, or the file was grown, so the segment page
        // lies inside the file and only its described part needs writing.
        store.write_page_prefix(FileKind::Wal, at, scratch, len)?;
        self.stats.writes += 1;
        if commit.is_some() {
            // Bases come from the commit's last segment only.
            txn.new_bases = new_bases;
        }
        txn.chain = chain;
        txn.seq += 1;
        txn.pos = pos;
        for &(no, frame) in &placed {
            txn.last_written.insert(no, frame);
        }
        txn.frames.extend_from_slice(&placed);
        Ok(placed)
    }

    /// The transaction's writable image of page `no`, for changing it in
    /// place. Copy-on-write: holders of the previous image keep it.
    pub fn write(&mut self, no: PageNo) -> Result<&mut [u8; PAGE_SIZE]> {
        self.require_txn("write page")?;
        self.require_writable("write page")?;
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

    /// What page `no` is in the transaction right now, for a savepoint.
    fn state_of(&self, no: PageNo) -> Before {
        if let Some(&slot) = self.cache.map.get(&no) {
            let f = &self.cache.frames[slot as usize];
            if f.dirty {
                return Before::Image(f.data.clone());
            }
        }
        match self.txn.as_ref().and_then(|t| t.spill.get(&no)) {
            Some(&pos) => Before::Spilled(pos),
            None => Before::Committed,
        }
    }

    /// Brings page `no` into the cache as a dirty frame, recording its
    /// previous state for the innermost savepoint.
    fn ensure_dirty_frame(&mut self, no: PageNo) -> Result<()> {
        // Only a savepoint keeps the previous state; looking it up for
        // nothing would cost an atomic on every write.
        if self.txn.as_ref().is_some_and(|t| !t.savepoints.is_empty()) {
            let before = self.state_of(no);
            self.note_before(no, before);
        }
        if let Some(f) = self.cache.get(no) {
            if !f.dirty {
                f.dirty = true;
                self.cache.note_dirty(no);
            }
            return Ok(());
        }
        let data = self.load(no)?;
        self.make_room()?;
        self.cache.insert(no, data, true);
        Ok(())
    }

    fn note_before(&mut self, no: PageNo, before: Before) {
        if let Some(sp) = self.txn.as_mut().and_then(|t| t.savepoints.last_mut()) {
            sp.before.entry(no).or_insert(before);
        }
    }

    /// Allocates a page for `ty`: from the free list if it has one, else by
    /// growing the file. The page comes back zeroed with its page header
    /// written, as a dirty frame; change it with [`Pager::write`].
    pub fn allocate(&mut self, ty: PageType) -> Result<PageNo> {
        self.require_txn("allocate page")?;
        self.require_writable("allocate page")?;
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
        let before = self.state_of(no);
        self.note_before(no, before);
        self.cache.remove(no);
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
        self.require_writable("free page")?;
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
            let before = self.state_of(no);
            self.note_before(no, before);
            self.cache.remove(no);
            if let Some(t) = self.txn.as_mut() {
                t.spill.remove(&no);
            }
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
        if self.pin.is_some() {
            return Err(Error::new(
                ErrorKind::ReadOnly,
                alloc::format!("begin: a snapshot of {} is read-only", self.file_name()),
            ));
        }
        if self.txn.is_some() {
            return Err(Error::misuse("begin: a transaction is already open"));
        }
        let wal = lock(&self.shared.wal);
        self.txn = Some(Txn {
            id: TXN_IDS.fetch_add(1, Ordering::Relaxed),
            begin_header: self.header.clone(),
            savepoints: Vec::new(),
            spill: HashMap::new(),
            last_written: HashMap::new(),
            frames: Vec::new(),
            new_bases: Vec::new(),
            pos: wal.end,
            chain: wal.chain,
            seq: wal.seq,
            salt: wal.salt,
            generation: wal.generation,
            need_wal_header: !wal.header_written,
            deltas: wal.deltas,
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
                if let Some(t) = self.txn.as_mut() {
                    t.spill.remove(&no);
                }
                match before {
                    Before::Committed => {}
                    Before::Spilled(pos) => {
                        if let Some(t) = self.txn.as_mut() {
                            t.spill.insert(no, pos);
                        }
                    }
                    Before::Image(image) => {
                        self.make_room()?;
                        self.cache.insert(no, image, true);
                    }
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
    /// committed image. Nothing it wrote to the WAL was committed; the next
    /// transaction writes over it.
    pub fn rollback(&mut self) -> Result<()> {
        let txn = self
            .txn
            .take()
            .ok_or_else(|| Error::misuse("rollback: no transaction is open"))?;
        self.change_seq += 1;
        self.header = txn.begin_header;
        for no in self.cache.frames_dirty() {
            self.cache.remove(no);
        }
        self.cache.dirty_list.clear();
        // Clean frames of spilled pages hold the transaction's version.
        for no in txn.spill.keys() {
            self.cache.remove(*no);
        }
        Ok(())
    }

    /// Commits the transaction: appends its pages and a commit record to
    /// the WAL and syncs it (per `synchronous`). On error the transaction
    /// stays open (roll it back). Checkpoints afterwards if the WAL has
    /// grown past the threshold.
    pub fn commit(&mut self) -> Result<()> {
        self.require_txn("commit")?;
        let mut dirty = self.cache.frames_dirty();
        dirty.sort_unstable();
        let mut pages: Vec<(PageNo, PageRef)> = Vec::with_capacity(dirty.len());
        for &no in &dirty {
            let slot = *self
                .cache
                .map
                .get(&no)
                .ok_or_else(|| Error::internal("dirty page vanished"))?;
            pages.push((no, self.cache.frames[slot as usize].data.clone()));
        }
        let (stale, begin_count, unchanged) = {
            let txn = self
                .txn
                .as_ref()
                .ok_or_else(|| Error::internal("txn vanished"))?;
            let dirty_set: HashSet<PageNo> = dirty.iter().copied().collect();
            let mut stale: Vec<(PageNo, Option<u32>)> = txn
                .last_written
                .iter()
                .filter(|(no, pos)| !dirty_set.contains(*no) && txn.spill.get(*no) != Some(*pos))
                .map(|(&no, _)| (no, txn.spill.get(&no).copied()))
                .collect();
            crate::sorting::sort_by(&mut stale, |a, b| a.cmp(b));
            let unchanged =
                dirty.is_empty() && txn.last_written.is_empty() && self.header == txn.begin_header;
            (stale, txn.begin_header.page_count, unchanged)
        };
        if unchanged {
            self.txn = None;
            self.change_seq += 1;
            return Ok(());
        }
        // A stale page's last WAL image is about to become committed, so
        // the page's current version is written after it: its spilled
        // image, or its committed one. A page that ends the transaction as
        // a free leaf needs neither (free leaves hold no data, and one that
        // a transaction grew the file for and gave back was never written
        // anywhere, so it has no committed image to copy).
        let mut free_leaves: Option<HashSet<PageNo>> = None;
        for (no, spilled) in stale {
            match spilled {
                Some(pos) => pages.push((no, self.load_from(no, Some(pos))?)),
                None if no < begin_count => {
                    if free_leaves.is_none() {
                        free_leaves = Some(self.free_leaves()?);
                    }
                    if !free_leaves.as_ref().is_some_and(|f| f.contains(&no)) {
                        pages.push((no, self.load_from(no, None)?));
                    }
                }
                // Allocated by this transaction and given up again: its
                // content does not matter.
                None => {}
            }
        }
        self.header.commit_counter += 1;
        let header = self.header.clone();
        let written = self.write_commit(&pages, &header);
        if let Err(e) = written {
            self.header.commit_counter -= 1;
            return Err(e);
        }
        let txn = self
            .txn
            .take()
            .ok_or_else(|| Error::internal("txn vanished"))?;
        {
            let mut wal = lock(&self.shared.wal);
            wal.publish(&txn.frames, txn.pos, txn.chain, txn.seq, header);
            wal.header_written = true;
        }
        for (no, pos, image) in txn.new_bases {
            if self.bases.len() >= MAX_BASES && !self.bases.contains_key(&no) {
                let any = self.bases.keys().next().copied();
                if let Some(k) = any {
                    self.bases.remove(&k);
                }
            }
            self.bases.insert(no, (pos, image));
        }
        for &no in &dirty {
            if let Some(&slot) = self.cache.map.get(&no) {
                self.cache.frames[slot as usize].dirty = false;
            }
        }
        self.cache.dirty_list.clear();
        self.stats.commits += 1;
        self.change_seq += 1;
        let (threshold, end) = {
            let wal = lock(&self.shared.wal);
            (wal.autocheckpoint, wal.end)
        };
        if threshold > 0 && end > threshold {
            // The commit stands whatever happens here; a failed checkpoint
            // leaves the frames in the WAL, where they are read from.
            let _ = self.checkpoint(false);
        }
        Ok(())
    }

    /// Writes the commit's segments and syncs the WAL as `synchronous` says.
    fn write_commit(&mut self, pages: &[(PageNo, PageRef)], header: &FileHeader) -> Result<()> {
        let mut chunks = pages.chunks(SEGMENT_CAPACITY).peekable();
        if chunks.peek().is_none() {
            self.write_segment(&[], Some(header))?;
        }
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            self.write_segment(chunk, last.then_some(header))?;
        }
        let mode = lock(&self.shared.wal).synchronous;
        if mode == Synchronous::Full {
            lock(&self.shared.store).sync(FileKind::Wal)?;
        } else {
            lock(&self.shared.wal).unsynced = true;
        }
        Ok(())
    }

    /// Copies committed frames home to the main file, as far as the oldest
    /// snapshot allows, and starts a new WAL generation when all are home
    /// and no snapshot needs the WAL. With `truncate`, a WAL that restarts
    /// is also cut to nothing. Not inside a transaction.
    pub fn checkpoint(&mut self, truncate: bool) -> Result<CheckpointResult> {
        if self.pin.is_some() {
            return Err(Error::new(
                ErrorKind::ReadOnly,
                alloc::format!(
                    "checkpoint: a snapshot of {} is read-only",
                    self.file_name()
                ),
            ));
        }
        self.require_writable("checkpoint")?;
        if self.txn.is_some() {
            return Err(Error::new(
                ErrorKind::Busy,
                alloc::format!(
                    "checkpoint {}: a write transaction is open",
                    self.file_name()
                ),
            ));
        }
        let shared = self.shared.clone();
        let mut wal = lock(&shared.wal);
        let mut result = CheckpointResult {
            busy: false,
            log_pages: wal.end,
            copied: 0,
        };
        let limit = wal.checkpoint_limit();
        result.busy = limit < wal.end;
        if limit > wal.backfilled {
            let mut header = wal
                .header_at(limit)
                .cloned()
                .ok_or_else(|| Error::internal("checkpoint: no commit ends at the limit"))?;
            header.wal_generation = wal.generation;
            header.wal_backfilled = limit;
            let frames = wal.frames_to_copy(limit);
            let mut store = lock(&shared.store);
            if wal.unsynced {
                // NORMAL: the WAL becomes durable before the main file
                // changes, so a crash never mixes states.
                store.sync(FileKind::Wal)?;
                wal.unsynced = false;
            }
            let scratch = &mut self.scratch;
            for (no, pos) in frames {
                if no >= header.page_count {
                    continue;
                }
                wal::read_frame(&**store, no, pos, scratch)?;
                store.write_page(FileKind::Main, no, scratch)?;
                self.stats.writes += 1;
                result.copied += 1;
            }
            if store.page_count(FileKind::Main)? < header.page_count {
                store.truncate(FileKind::Main, header.page_count)?;
            }
            write_header_page(&self.codec, &mut **store, scratch, &header)?;
            self.stats.writes += 1;
            if wal.synchronous != Synchronous::Off {
                store.sync(FileKind::Main)?;
            }
            wal.backfilled = limit;
            wal.checkpoints += 1;
        }
        if wal.can_restart() {
            let restart = wal.end > 1;
            if restart {
                wal.restart();
            }
            let big = wal.file_pages > wal.autocheckpoint.saturating_mul(2).saturating_add(64);
            if (truncate || big) && wal.file_pages > 0 {
                lock(&shared.store).truncate(FileKind::Wal, 0)?;
                if truncate && wal.synchronous != Synchronous::Off {
                    lock(&shared.store).sync(FileKind::Wal)?;
                }
                wal.file_pages = 0;
                wal.header_written = false;
            }
        }
        Ok(result)
    }

    /// The database as one self-contained main-file image (the WAL's
    /// commits folded in, no WAL needed): page 0 with the file header, then
    /// every page as committed. Free leaf pages are zeros (nobody reads
    /// them). Not inside a transaction: the image is the last commit.
    pub fn export_image(&mut self) -> Result<Vec<u8>> {
        if self.txn.is_some() {
            return Err(Error::new(
                ErrorKind::Busy,
                alloc::format!(
                    "export {}: a write transaction is open (export after COMMIT)",
                    self.file_name()
                ),
            ));
        }
        let count = self.header.page_count as usize;
        let free: HashSet<PageNo> = self.free_pages()?.into_iter().collect();
        let mut out = alloc::vec![0u8; count * PAGE_SIZE];
        let mut header = self.header.clone();
        header.wal_generation = 0;
        header.wal_backfilled = 0;
        let scratch = &mut *self.scratch;
        scratch.fill(0);
        init_page_header(scratch, PageType::Meta, 0);
        header.encode(scratch);
        self.codec.encode(0, scratch);
        out[..PAGE_SIZE].copy_from_slice(&scratch[..]);
        for no in 1..count as PageNo {
            let page = self.read(no);
            let page = match page {
                Ok(p) => p,
                Err(_) if free.contains(&no) => continue,
                Err(e) => return Err(e),
            };
            let image = &mut *self.scratch;
            image.copy_from_slice(&page[..]);
            if image.page_type().is_some() {
                self.codec.encode(no, image);
            }
            let at = no as usize * PAGE_SIZE;
            out[at..at + PAGE_SIZE].copy_from_slice(&image[..]);
        }
        Ok(out)
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

    /// The free list's leaf pages as the open transaction sees them
    /// (commit calls this with its page images already taken, so the walk
    /// must not evict or spill: see `walk_free_list`).
    fn free_leaves(&mut self) -> Result<HashSet<PageNo>> {
        let mut leaves = HashSet::new();
        self.walk_free_list(|no, leaf| {
            if leaf {
                leaves.insert(no);
            }
        })?;
        Ok(leaves)
    }

    /// The page numbers on the free list, in list order (for checks).
    pub fn free_pages(&mut self) -> Result<Vec<PageNo>> {
        let mut out = Vec::new();
        self.walk_free_list(|no, _| out.push(no))?;
        Ok(out)
    }

    /// Calls `visit(page, is_leaf)` for every page of the free list in list
    /// order, each trunk before its leaves. Trunks are read from the cache
    /// when there, else loaded without entering it, so the walk never
    /// evicts or spills a frame. A cycle or a page that is not a trunk is
    /// `Corrupt`.
    fn walk_free_list(&mut self, mut visit: impl FnMut(PageNo, bool)) -> Result<()> {
        let mut trunk = self.header.free_head;
        let mut seen = 0usize;
        while trunk != 0 {
            if seen > self.header.page_count as usize {
                return Err(err!(
                    Corrupt,
                    "free list of {}: cycle among trunk pages",
                    self.file_name()
                ));
            }
            self.check_page_no(trunk, "read free-list trunk")?;
            let page = match self.cache.get(trunk) {
                Some(f) => f.data.clone(),
                None => self.load(trunk)?,
            };
            if page.page_type() != Some(PageType::FreeTrunk) {
                return Err(err!(
                    Corrupt,
                    "free list of {}: page {trunk} is not a trunk",
                    self.file_name()
                ));
            }
            visit(trunk, false);
            let n = (page.count() as usize).min(TRUNK_CAPACITY);
            for i in 0..n {
                visit(get_u32(&page[..], PAGE_HEADER_SIZE + 4 * i), true);
            }
            seen += 1 + n;
            trunk = page.link();
        }
        Ok(())
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        if !self.closed {
            // A closing writer checkpoints; its errors cannot be reported
            // here, and the WAL still holds every commit if it fails.
            let _ = self.close_inner();
        }
    }
}

/// Reads and checks page 0 of a main file of `count` pages.
fn read_main_header(
    codec: &ChecksumCodec,
    store: &dyn PageStore,
    name: &str,
    count: u32,
    scratch: &mut [u8; PAGE_SIZE],
) -> Result<FileHeader> {
    store.read_page(FileKind::Main, 0, scratch)?;
    // The header is checked before the checksum so that a file that is not
    // a TurDB database at all gets the clearer message.
    let header = match FileHeader::decode(scratch, name) {
        Ok(h) => h,
        // A torn page 0 can carry a new magic number over old fields: when
        // the checksum fails too, the page is damaged (and the caller may
        // take the header from the WAL), whatever its fields claim.
        Err(e) if e.kind() != ErrorKind::Corrupt && codec.decode(name, 0, scratch).is_err() => {
            return Err(err!(
                Corrupt,
                "open {name}: page 0 is damaged or torn (its checksum does not match), and says: {e}"
            ));
        }
        Err(e) => return Err(e),
    };
    codec.decode(name, 0, scratch)?;
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
    Ok(header)
}

/// The file header of the last commit in the WAL, for a main file whose
/// page 0 is damaged; `None` if the WAL has no commit to offer.
fn header_from_wal(store: &dyn PageStore) -> Option<FileHeader> {
    let id = wal::database_id(store)?;
    let st = WalState::recover(store, &FileHeader::new(id), 0).ok()?;
    (st.report.commits > 0).then_some(FileHeader {
        // Nothing of the WAL is known to be home: replay all of it.
        wal_generation: 0,
        wal_backfilled: 0,
        ..st.header
    })
}

/// Writes page 0 with `header` through the codec.
fn write_header_page(
    codec: &ChecksumCodec,
    store: &mut dyn PageStore,
    scratch: &mut [u8; PAGE_SIZE],
    header: &FileHeader,
) -> Result<()> {
    scratch.fill(0);
    init_page_header(scratch, PageType::Meta, 0);
    header.encode(scratch);
    codec.encode(0, scratch);
    store.write_page(FileKind::Main, 0, scratch)
}

/// A stand-in for a pager's shared state once its store was taken.
fn placeholder_shared() -> Arc<Shared> {
    Arc::new(Shared {
        store: Lock::new(Box::new(MemoryStore::new())),
        wal: Lock::new(WalState::placeholder()),
        main_name: String::new(),
        wal_name: String::new(),
    })
}

impl Cache {
    /// The dirty frames' pages, ascending.
    fn frames_dirty(&self) -> Vec<PageNo> {
        let mut out: Vec<PageNo> = self
            .dirty_list
            .iter()
            .copied()
            .filter(|no| {
                self.map
                    .get(no)
                    .is_some_and(|&s| self.frames[s as usize].dirty)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Records that page `no` became dirty.
    fn note_dirty(&mut self, no: PageNo) {
        if self.dirty_list.len() > 2 * self.capacity + 64 {
            self.compact_dirty();
        }
        self.dirty_list.push(no);
    }

    /// Drops the pages that are no longer dirty from the list.
    fn compact_dirty(&mut self) {
        self.dirty_list = self.frames_dirty();
    }

    fn clear(&mut self) {
        let dirty = self.frames_dirty();
        debug_assert!(dirty.is_empty(), "clear a cache with dirty frames");
        let all: Vec<PageNo> = self.map.keys().copied().collect();
        for no in all {
            self.remove(no);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::TestEnv;

    fn pager(cache: usize) -> Pager {
        let options = PagerOptions {
            cache_pages: cache,
            ..PagerOptions::default()
        };
        Pager::open(Box::new(MemoryStore::new()), options, &TestEnv::new(1)).unwrap()
    }

    /// Allocates a leaf and stamps `v` in its body.
    fn new_page_with(p: &mut Pager, v: u8) -> PageNo {
        let no = p.allocate(PageType::Leaf).unwrap();
        stamp(p, no, v);
        no
    }

    fn stamp(p: &mut Pager, no: PageNo, v: u8) {
        p.write(no).unwrap()[100..200].fill(v);
    }

    fn value(p: &mut Pager, no: PageNo) -> u8 {
        p.read(no).unwrap()[150]
    }

    #[test]
    fn freed_pages_are_reused_before_the_file_grows() {
        let mut p = pager(16);
        p.begin().unwrap();
        let pages: Vec<PageNo> = (0..10).map(|i| new_page_with(&mut p, i)).collect();
        p.commit().unwrap();
        assert_eq!(p.header().page_count, 11);
        p.begin().unwrap();
        for &no in &pages[..5] {
            p.free(no).unwrap();
        }
        p.commit().unwrap();
        p.begin().unwrap();
        for i in 0..4 {
            new_page_with(&mut p, 100 + i);
        }
        p.commit().unwrap();
        assert_eq!(
            p.header().page_count,
            11,
            "the free list served every allocation"
        );
        assert_eq!(p.check_pages().unwrap(), Vec::<String>::new());
    }

    /// A page the file grew for and that went back to the free list in the
    /// same transaction was never written anywhere. When a later
    /// transaction takes it, spills it and rolls back to before taking it,
    /// commit must not try to copy its (nonexistent) committed image over
    /// the spilled one. Found by the B+tree model test.
    #[test]
    fn a_never_written_free_leaf_survives_spill_and_rollback_to() {
        let mut p = pager(4);
        p.begin().unwrap();
        let a = new_page_with(&mut p, 1);
        let b = new_page_with(&mut p, 2);
        p.commit().unwrap();
        p.begin().unwrap();
        p.free(a).unwrap(); // the trunk
        p.free(b).unwrap(); // a leaf of it
        p.commit().unwrap();
        p.begin().unwrap();
        assert_eq!(p.allocate(PageType::Leaf).unwrap(), b);
        assert_eq!(p.allocate(PageType::Leaf).unwrap(), a);
        let grown = p.allocate(PageType::Leaf).unwrap();
        p.free(b).unwrap(); // the trunk again
        p.free(grown).unwrap(); // a leaf with no image anywhere
        p.commit().unwrap();
        p.begin().unwrap();
        p.savepoint().unwrap();
        assert_eq!(p.allocate(PageType::Leaf).unwrap(), grown);
        stamp(&mut p, grown, 7);
        // Enough dirty pages to spill `grown` to the WAL.
        for i in 0..8 {
            new_page_with(&mut p, i);
        }
        assert!(p.stats().cache_len <= 4);
        p.rollback_to(1).unwrap();
        p.commit().unwrap();
        assert_eq!(p.free_pages().unwrap(), alloc::vec![b, grown]);
        assert_eq!(p.check_pages().unwrap(), Vec::<String>::new());
        let store = p.into_store().unwrap();
        let mut p = Pager::open(store, PagerOptions::default(), &TestEnv::new(1)).unwrap();
        assert_eq!(p.free_pages().unwrap(), alloc::vec![b, grown]);
        assert_eq!(p.check_pages().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn sieve_keeps_a_visited_page_through_a_sweep() {
        let mut p = pager(4);
        p.begin().unwrap();
        let pages: Vec<PageNo> = (0..8).map(|i| new_page_with(&mut p, i)).collect();
        p.commit().unwrap();
        p.set_cache_capacity(2).unwrap();
        p.set_cache_capacity(4).unwrap();
        for &no in &pages[..4] {
            p.read(no).unwrap();
        }
        // Page 0 is visited again; the next misses evict unvisited frames.
        p.read(pages[0]).unwrap();
        p.read(pages[4]).unwrap();
        p.read(pages[5]).unwrap();
        let before = p.stats().hits;
        p.read(pages[0]).unwrap();
        assert_eq!(p.stats().hits, before + 1, "the visited page stayed cached");
        assert!(p.stats().cache_len <= 4);
    }

    #[test]
    fn a_snapshot_sees_its_commit_while_the_writer_moves_on() {
        let mut w = pager(8);
        w.begin().unwrap();
        let a = new_page_with(&mut w, 1);
        w.commit().unwrap();
        let mut snap = w.snapshot(4).unwrap();
        w.begin().unwrap();
        stamp(&mut w, a, 2);
        let b = new_page_with(&mut w, 3);
        w.commit().unwrap();
        // The checkpoint may not copy page a home past the snapshot.
        let r = w.checkpoint(false).unwrap();
        assert!(r.busy);
        assert_eq!(value(&mut snap, a), 1);
        assert!(
            snap.read(b).is_err(),
            "page b did not exist at the snapshot"
        );
        assert_eq!(value(&mut w, a), 2);
        assert_eq!(snap.begin().unwrap_err().kind(), ErrorKind::ReadOnly);
        snap.repin().unwrap();
        assert_eq!(value(&mut snap, a), 2);
        assert_eq!(value(&mut snap, b), 3);
        drop(snap);
        let r = w.checkpoint(true).unwrap();
        assert!(!r.busy);
        assert_eq!(value(&mut w, a), 2);
    }

    /// A pager over `store` (recovering its WAL), with a cache of 8 pages.
    fn reopen(store: Box<dyn PageStore>) -> Pager {
        let options = PagerOptions {
            cache_pages: 8,
            ..PagerOptions::default()
        };
        Pager::open(store, options, &TestEnv::new(2)).unwrap()
    }

    #[test]
    fn small_commits_write_deltas_that_every_reader_sees() {
        let mut w = pager(8);
        w.begin().unwrap();
        let a = new_page_with(&mut w, 1);
        let b = new_page_with(&mut w, 7);
        w.commit().unwrap();
        assert_eq!(w.stats().deltas, 0, "a page's first image is whole");
        let old = w.snapshot(4).unwrap();
        for v in 2..=5 {
            w.begin().unwrap();
            stamp(&mut w, a, v);
            w.commit().unwrap();
        }
        assert_eq!(w.stats().deltas, 4);
        // Every delta is a segment page; no image page follows it.
        assert_eq!(w.stats().wal_pages, 1 + 3 + 4);
        // Readers build the images from the WAL: an old snapshot, a new
        // one, and recovery.
        let mut old = old;
        assert_eq!(value(&mut old, a), 1);
        drop(old);
        let mut new = w.snapshot(4).unwrap();
        assert_eq!(value(&mut new, a), 5);
        assert_eq!(value(&mut new, b), 7);
        drop(new);
        let store = w.into_store().unwrap();
        let mut r = reopen(store);
        assert_eq!(r.recovery_report().commits, 5);
        assert_eq!(r.recovery_report().note, None);
        assert_eq!(value(&mut r, a), 5);
        // A checkpoint copies the built image home.
        r.checkpoint(true).unwrap();
        assert_eq!(r.stats().wal_pages, 1);
        let mut r = reopen(r.into_store().unwrap());
        assert_eq!(value(&mut r, a), 5);
        assert_eq!(value(&mut r, b), 7);
        assert!(r.check_pages().unwrap().is_empty());
    }

    #[test]
    fn a_commit_that_failed_leaves_no_base_behind() {
        use super::super::fault::{FaultConfig, FaultStore, SharedFaultStore};
        let store = SharedFaultStore::new(FaultStore::in_memory("t", FaultConfig::new()));
        let mut w = Pager::open(
            Box::new(store.clone()),
            PagerOptions::default(),
            &TestEnv::new(1),
        )
        .unwrap();
        w.begin().unwrap();
        let a = new_page_with(&mut w, 1);
        w.commit().unwrap();
        // A commit whose segment page fails after page y's full image went
        // to the WAL; the transaction goes on without y.
        w.begin().unwrap();
        stamp(&mut w, a, 2);
        let sp = w.savepoint().unwrap();
        let y = new_page_with(&mut w, 9);
        // The commit writes page y's image (a is a delta), then fails on
        // its segment page.
        store.fail_once_at(store.calls() + 2);
        let e = w.commit().unwrap_err();
        assert!(alloc::format!("{e}").contains("transient"), "{e}");
        w.rollback_to(sp).unwrap();
        w.commit().unwrap();
        // y again: its failed image is no base (its WAL page is reused).
        w.begin().unwrap();
        let y2 = new_page_with(&mut w, 7);
        assert_eq!(y2, y);
        w.commit().unwrap();
        let mut snap = w.snapshot(4).unwrap();
        assert_eq!(value(&mut snap, y), 7);
        assert_eq!(value(&mut snap, a), 2);
        drop(snap);
        let mut r = reopen(w.into_store().unwrap());
        assert_eq!(r.recovery_report().commits, 3, "{:?}", r.recovery_report());
        assert_eq!(value(&mut r, y), 7);
        assert_eq!(value(&mut r, a), 2);
    }

    #[test]
    fn a_version_1_wal_is_continued_without_deltas() {
        let mut w = pager(8);
        w.begin().unwrap();
        let a = new_page_with(&mut w, 1);
        w.commit().unwrap();
        let mut store = w.into_store().unwrap();
        // The same WAL as an older build wrote it: version 1 in its header.
        let mut head = super::super::page::zeroed_page();
        store.read_page(FileKind::Wal, 0, &mut head).unwrap();
        head[8..10].copy_from_slice(&1u16.to_le_bytes());
        let sum = xxhash_rust::xxh3::xxh3_64(&head[..48]);
        head[48..56].copy_from_slice(&sum.to_le_bytes());
        store.write_page(FileKind::Wal, 0, &head).unwrap();
        let mut r = reopen(store);
        assert_eq!(r.recovery_report().commits, 1);
        r.begin().unwrap();
        stamp(&mut r, a, 2);
        r.commit().unwrap();
        assert_eq!(r.stats().deltas, 0, "an older build could not read a delta");
        // A new generation is version 2, with deltas again.
        r.checkpoint(true).unwrap();
        for v in 3..=4 {
            r.begin().unwrap();
            stamp(&mut r, a, v);
            r.commit().unwrap();
        }
        assert_eq!(r.stats().deltas, 1);
        let mut r = reopen(r.into_store().unwrap());
        assert_eq!(value(&mut r, a), 4);
    }

    #[test]
    fn a_delta_whose_base_is_damaged_ends_the_log_before_it() {
        let mut w = pager(8);
        // A main file first, so that recovery has a database to keep.
        w.begin().unwrap();
        let a = new_page_with(&mut w, 1);
        w.commit().unwrap();
        w.checkpoint(true).unwrap();
        w.begin().unwrap();
        stamp(&mut w, a, 2);
        w.commit().unwrap();
        w.begin().unwrap();
        stamp(&mut w, a, 3);
        w.commit().unwrap();
        assert_eq!(w.stats().deltas, 1);
        let mut store = w.into_store().unwrap();
        // WAL page 2 is the new generation's first image of page a: the
        // base of the delta after it.
        let mut page = super::super::page::zeroed_page();
        store.read_page(FileKind::Wal, 2, &mut page).unwrap();
        page[150] ^= 0xff;
        store.write_page(FileKind::Wal, 2, &page).unwrap();
        let mut p = reopen(store);
        let report = p.recovery_report();
        assert_eq!(report.commits, 0, "{report:?}");
        assert_eq!(value(&mut p, a), 1);
        let note = report.note.unwrap_or_default();
        assert!(note.contains("does not match"), "{note}");
    }

    #[test]
    fn a_page_spilled_then_rolled_back_to_a_savepoint_commits_its_older_image() {
        let mut p = pager(4);
        p.begin().unwrap();
        let pages: Vec<PageNo> = (0..12).map(|i| new_page_with(&mut p, i)).collect();
        p.commit().unwrap();
        p.begin().unwrap();
        stamp(&mut p, pages[0], 50);
        // Fill the cache with dirty pages so page 0's v50 spills.
        for &no in &pages[1..8] {
            stamp(&mut p, no, 60);
        }
        assert!(p.stats().spilled > 0);
        let sp = p.savepoint().unwrap();
        stamp(&mut p, pages[0], 70);
        for &no in &pages[8..12] {
            stamp(&mut p, no, 80);
        }
        p.rollback_to(sp).unwrap();
        assert_eq!(value(&mut p, pages[0]), 50);
        assert_eq!(value(&mut p, pages[9]), 9);
        p.commit().unwrap();
        // Recovery (reopen without a checkpoint) finds what was committed,
        // although the WAL also holds page 0's later, undone image.
        let store = p.into_store().unwrap();
        let mut p = Pager::open(store, PagerOptions::default(), &TestEnv::new(2)).unwrap();
        assert!(p.recovery_report().commits >= 2);
        assert_eq!(value(&mut p, pages[0]), 50);
        assert_eq!(value(&mut p, pages[3]), 60);
        assert_eq!(value(&mut p, pages[9]), 9);
        assert_eq!(p.check_pages().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn rollback_forgets_spilled_pages() {
        let mut p = pager(4);
        p.begin().unwrap();
        let pages: Vec<PageNo> = (0..10).map(|i| new_page_with(&mut p, i)).collect();
        p.commit().unwrap();
        p.begin().unwrap();
        for &no in &pages {
            stamp(&mut p, no, 99);
        }
        assert!(p.stats().spilled > 0);
        p.rollback().unwrap();
        for (i, &no) in pages.iter().enumerate() {
            assert_eq!(value(&mut p, no), i as u8);
        }
        let store = p.into_store().unwrap();
        let mut p = Pager::open(store, PagerOptions::default(), &TestEnv::new(2)).unwrap();
        assert_eq!(value(&mut p, pages[5]), 5);
    }
}
