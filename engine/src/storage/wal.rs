//! The write-ahead log: its format, recovery, and the index of committed
//! frames that the pager reads through.
//!
//! A commit never writes the main file. It appends the images of every page
//! it changed to the WAL (`<main>-wal`), then a commit record, and syncs the
//! WAL once; the commit is durable when that sync returns. Readers look a
//! page up in the WAL first (the newest committed frame their snapshot may
//! see) and fall back to the main file. A *checkpoint* copies committed
//! frames home to the main file and, once every frame is home and no reader
//! still needs the WAL, starts a new *generation*: the WAL is reused from its
//! start under a new salt.
//!
//! # Format
//!
//! The WAL is a file of 16 KiB pages like every file of a database (the
//! [`PageStore`] is page-granular). Page 0 is the WAL header; after it come
//! *segments*: a segment page that describes up to [`SEGMENT_CAPACITY`]
//! page images, followed by the *full* ones, each the page exactly as it
//! would be written to the main file (encoded by the page codec). An image
//! may instead be a *delta*: the byte runs in which it differs from an
//! earlier full image of the same page in the same generation (its *base*),
//! kept inside the segment page itself. A one-row commit then writes one
//! segment page of a few hundred bytes, not a 16 KiB image.
//!
//! WAL header (WAL page 0):
//!
//! ```text
//! offset size field
//!      0    8 magic "TurDBwal"
//!      8    2 WAL format version (2; 1 is read too)
//!     10    2 reserved (0)
//!     12    4 page size (16384)
//!     16   16 database id (the main file's; a WAL of another database is ignored)
//!     32    8 salt of this generation
//!     40    8 generation number
//!     48    8 xxh3-64 of bytes 0..48
//! ```
//!
//! Segment page:
//!
//! ```text
//! offset size field
//!      0    8 tag "TurDBseg"
//!      8    4 sequence number of the segment in its generation (0, 1, ...)
//!     12    4 n: number of page images that follow (at most SEGMENT_CAPACITY)
//!     16  128 commit segments: the file header as of this commit (the layout
//!             of page 0's file header, at the same offset); zeros otherwise
//!    144    8 salt of the generation
//!    152    8 chain: xxh3-64 of bytes 0..152 and 160..segment_len, seeded with
//!             the previous segment's chain (the salt for segment 0)
//!    160    4 flags: bit 0 set = this segment ends a transaction (commit)
//!    164    4 d: number of delta records (0 in format version 1)
//!    168 12·n per image: page number (u32), the codec's 64-bit hash of the
//!             image (whose fold is the page's checksum)
//!  168+12n    … d delta records, in image order, each:
//!               +0 2 index of its image in the list above
//!               +2 2 len: bytes of runs that follow
//!               +4 4 base: WAL page of a full image of the same page,
//!                    earlier in this generation
//!               +8 len runs: offset (u16), length (u16), that many bytes
//! ```
//!
//! An image with a delta record has no WAL page of its own; the others take
//! the pages after the segment page, in order. A delta's image is its
//! base's bytes with the runs written over them, checked against its hash
//! like any image. Only bytes `0..`[`segment_len`] of a segment page are
//! written; the rest keeps stale bytes that nothing reads. A segment page
//! with no full image after it would be the file's last page, where a
//! store must write a whole page, so the writer first grows the WAL by
//! that page (`truncate`, [`WAL_GROW`]); a crash between the two, or a
//! transaction rolled back after it, leaves a zeroed page where a segment
//! would be, which recovery takes for the clean end of the log when it is
//! the file's last page. A version 1 WAL found at open is continued without
//! deltas until its next generation, so that an older build can read it.
//!
//! A transaction writes one or more segments: the ones its dirty pages
//! spilled to while it ran (no commit flag), then the final one (commit flag,
//! file header). The images of all its segments form the commit; where a page
//! appears twice, the later image wins. Recovery reads segments from WAL
//! page 1 while each one checks out — tag, salt, sequence, chain, and every
//! image's hash — and keeps the transactions that reached their commit
//! segment. The first segment that fails ends the log: a torn write, a stale
//! segment of an earlier generation (another salt, and a chain that does not
//! link), the uncommitted tail of a transaction, or garbage. Recovery says
//! what it dropped in a [`RecoveryReport`].
//!
//! # Invariants
//!
//! - Committed frames lie below `end`; a writer's uncommitted segments go at
//!   `end` and beyond, where no reader looks.
//! - A reader's snapshot is a commit end `mx`: it sees, for each page, the
//!   newest frame below `mx`, else the main file. So the main file may only
//!   receive frames below the oldest live snapshot (`checkpoint_limit`), or
//!   it would change pages under that snapshot.
//! - A new generation starts only when every frame is home and every live
//!   snapshot is at `end` (those snapshots then read the main file, which
//!   holds exactly their state).

use alloc::string::String;
use alloc::vec::Vec;

use hashbrown::HashMap;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::page::{
    FILE_HEADER_OFFSET, FileHeader, PAGE_SIZE, PageNo, get_u32, get_u64, put_u16, put_u32, put_u64,
};
use super::{FileKind, PageStore};
use crate::{Result, err};

/// The WAL header's magic number.
pub const WAL_MAGIC: [u8; 8] = *b"TurDBwal";
/// The WAL format version this engine writes: 2 adds delta records.
/// Version 1 WALs (never a delta record) are read as they are.
pub const WAL_VERSION: u16 = 2;
/// A segment page's tag.
pub const SEGMENT_TAG: [u8; 8] = *b"TurDBseg";

const WH_VERSION: usize = 8;
const WH_PAGE_SIZE: usize = 12;
const WH_DATABASE_ID: usize = 16;
const WH_SALT: usize = 32;
const WH_GENERATION: usize = 40;
const WH_CHECKSUM: usize = 48;

const SG_SEQ: usize = 8;
const SG_COUNT: usize = 12;
const SG_SALT: usize = 144;
const SG_CHAIN: usize = 152;
const SG_FLAGS: usize = 160;
const SG_DELTAS: usize = 164;
const SG_ENTRIES: usize = 168;
const SG_ENTRY: usize = 12;
/// A delta record's header: image index, runs length, base.
const DELTA_HEADER: usize = 8;
/// A run's header: offset, length.
const RUN_HEADER: usize = 4;

/// Segment flag: the segment ends a transaction.
const FLAG_COMMIT: u32 = 1;

/// Page images one segment page can describe.
pub const SEGMENT_CAPACITY: usize = (PAGE_SIZE - SG_ENTRIES) / SG_ENTRY;

/// Marks a WAL position that holds a segment page, not an image.
const NOT_AN_IMAGE: PageNo = PageNo::MAX;

/// Why recovery stopped, when it found a zeroed page for a segment.
const ZEROED_END: &str = "a zeroed page where the next segment would be";

/// Pages the writer grows the WAL by when a segment page would otherwise
/// be the file's last page (see the format above). One, so that the file
/// ends where the log does (a WAL is reused from its start by the next
/// generation, so it grows only while it is longer than ever before).
pub const WAL_GROW: u32 = 1;

/// In a *frame reference* (what the WAL index holds for a page), marks a
/// delta: the rest is the WAL page of the segment that holds it. Without
/// it, a reference is the WAL page of a full image. WAL positions stay
/// below this bit ([`MAX_DELTA_POSITION`]).
pub const DELTA_FRAME: u32 = 1 << 31;

/// Deltas are written only below this WAL position, so that a position
/// never collides with [`DELTA_FRAME`].
pub const MAX_DELTA_POSITION: u32 = DELTA_FRAME - 1;

/// The WAL position a frame reference orders by.
pub fn frame_position(frame: u32) -> u32 {
    frame & !DELTA_FRAME
}

/// The hash that binds an image to its segment: the page codec's 64-bit
/// hash, which the pager computes anyway when it encodes the image.
pub fn image_hash(image: &[u8; PAGE_SIZE]) -> u64 {
    super::codec::ChecksumCodec::hash64(image)
}

/// The next generation's salt: different from every earlier one in
/// practice, and derived so that no randomness is needed after open.
fn next_salt(salt: u64, generation: u64) -> u64 {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&salt.to_le_bytes());
    b[8..].copy_from_slice(&generation.to_le_bytes());
    xxh3_64_with_seed(&b, 0x5475_7244_4277_616c)
}

/// Writes the WAL header page for a generation.
pub fn encode_header(
    buf: &mut [u8; PAGE_SIZE],
    database_id: &[u8; 16],
    salt: u64,
    generation: u64,
) {
    buf.fill(0);
    buf[..8].copy_from_slice(&WAL_MAGIC);
    put_u16(buf, WH_VERSION, WAL_VERSION);
    put_u32(buf, WH_PAGE_SIZE, PAGE_SIZE as u32);
    buf[WH_DATABASE_ID..WH_DATABASE_ID + 16].copy_from_slice(database_id);
    put_u64(buf, WH_SALT, salt);
    put_u64(buf, WH_GENERATION, generation);
    let sum = xxh3_64(&buf[..WH_CHECKSUM]);
    put_u64(buf, WH_CHECKSUM, sum);
}

/// What a valid WAL header says.
struct WalHeader {
    database_id: [u8; 16],
    salt: u64,
    generation: u64,
    version: u16,
}

fn decode_header(buf: &[u8; PAGE_SIZE]) -> core::result::Result<WalHeader, &'static str> {
    if buf[..8] != WAL_MAGIC {
        return Err("no WAL magic number");
    }
    if get_u64(buf, WH_CHECKSUM) != xxh3_64(&buf[..WH_CHECKSUM]) {
        return Err("the WAL header's checksum does not match (torn or damaged)");
    }
    let version = u16::from_le_bytes([buf[WH_VERSION], buf[WH_VERSION + 1]]);
    if !(1..=WAL_VERSION).contains(&version) {
        return Err("unknown WAL format version");
    }
    if get_u32(buf, WH_PAGE_SIZE) != PAGE_SIZE as u32 {
        return Err("the WAL's page size is not 16384");
    }
    let mut database_id = [0u8; 16];
    database_id.copy_from_slice(&buf[WH_DATABASE_ID..WH_DATABASE_ID + 16]);
    Ok(WalHeader {
        database_id,
        salt: get_u64(buf, WH_SALT),
        generation: get_u64(buf, WH_GENERATION),
        version,
    })
}

/// The database id in the WAL's header, if it has a valid one.
pub fn database_id(store: &dyn PageStore) -> Option<[u8; 16]> {
    if store.page_count(FileKind::Wal).ok()? == 0 {
        return None;
    }
    let mut buf = super::page::zeroed_page();
    store.read_page(FileKind::Wal, 0, &mut buf).ok()?;
    decode_header(&buf).ok().map(|h| h.database_id)
}

/// The chain value of a segment page whose fields are filled in, over its
/// first `len` bytes ([`segment_len`]).
fn segment_chain(buf: &[u8; PAGE_SIZE], len: usize, prev: u64) -> u64 {
    let first = xxh3_64_with_seed(&buf[..SG_CHAIN], prev);
    xxh3_64_with_seed(&buf[SG_FLAGS..len.clamp(SG_ENTRIES, PAGE_SIZE)], first)
}

/// One delta record of a segment page, as read back.
struct DeltaRecord {
    index: usize,
    base: u32,
    /// Where its runs lie in the segment page.
    runs: core::ops::Range<usize>,
}

/// The delta records of a segment page, checked for shape: indexes
/// ascending and below `n`, runs inside the page, bases below the segment.
/// Also returns the segment's length ([`segment_len`]).
fn delta_records(
    buf: &[u8; PAGE_SIZE],
    pos: u32,
) -> core::result::Result<(Vec<DeltaRecord>, usize), &'static str> {
    let n = get_u32(buf, SG_COUNT) as usize;
    if n > SEGMENT_CAPACITY {
        return Err("lists more images than a segment holds");
    }
    let d = get_u32(buf, SG_DELTAS) as usize;
    if d > n {
        return Err("has more delta records than images");
    }
    let mut at = SG_ENTRIES + SG_ENTRY * n;
    let mut out = Vec::with_capacity(d);
    for _ in 0..d {
        if at + DELTA_HEADER > PAGE_SIZE {
            return Err("has a delta record past the end of the page");
        }
        let index = u16::from_le_bytes([buf[at], buf[at + 1]]) as usize;
        let len = u16::from_le_bytes([buf[at + 2], buf[at + 3]]) as usize;
        let base = get_u32(buf, at + 4);
        let runs = at + DELTA_HEADER..at + DELTA_HEADER + len;
        if runs.end > PAGE_SIZE {
            return Err("has a delta record past the end of the page");
        }
        if index >= n || out.last().is_some_and(|r: &DeltaRecord| r.index >= index) {
            return Err("has delta records out of order");
        }
        if base == 0 || base >= pos {
            return Err("has a delta whose base is not an earlier WAL page");
        }
        at = runs.end;
        out.push(DeltaRecord { index, base, runs });
    }
    Ok((out, at))
}

/// The bytes of a segment page that readers look at, for `n` images and
/// `delta_bytes` of delta records: the rest is not covered by the chain,
/// so the page may be written up to here only
/// ([`PageStore::write_page_prefix`]) and keep stale bytes after.
pub fn segment_len(n: usize, delta_bytes: usize) -> usize {
    (SG_ENTRIES + SG_ENTRY * n.min(SEGMENT_CAPACITY) + delta_bytes).min(PAGE_SIZE)
}

/// Appends to `out` the delta record that turns `base` into `image` (both
/// encoded), for the image at `index` of its segment whose base is at WAL
/// page `base_pos`. Returns false, with `out` as it was, if the record
/// would be longer than `max` bytes.
pub fn encode_delta(
    out: &mut Vec<u8>,
    index: usize,
    base_pos: u32,
    image: &[u8; PAGE_SIZE],
    base: &[u8; PAGE_SIZE],
    max: usize,
) -> bool {
    let start = out.len();
    if max < DELTA_HEADER || index > u16::MAX as usize {
        return false;
    }
    out.extend_from_slice(&[0; DELTA_HEADER]);
    let limit = start + max;
    // First find the 256-byte blocks that differ at all, with an OR of
    // XORs that the compiler vectorises (no early exit); then, only inside
    // those, a run covers consecutive differing 8-byte words (running on
    // into the next block), trimmed to the bytes that differ at its ends.
    const W: usize = 8;
    const BLOCK: usize = 256;
    let mut differs = [false; PAGE_SIZE / BLOCK];
    for (d, (a, b)) in differs
        .iter_mut()
        .zip(image.chunks_exact(BLOCK).zip(base.chunks_exact(BLOCK)))
    {
        let mut acc = [0u8; 16];
        for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
            for i in 0..16 {
                acc[i] |= x[i] ^ y[i];
            }
        }
        *d = acc != [0; 16];
    }
    let word_differs = |at: usize| {
        let (x, y) = (&image[at..at + W], &base[at..at + W]);
        (0..W).fold(0u8, |acc, i| acc | (x[i] ^ y[i])) != 0
    };
    let mut w = 0;
    while w < PAGE_SIZE {
        if w % BLOCK == 0 && !differs[w / BLOCK] {
            w += BLOCK;
            continue;
        }
        if !word_differs(w) {
            w += W;
            continue;
        }
        let mut end = w + W;
        while end < PAGE_SIZE && word_differs(end) {
            end += W;
        }
        let mut lo = w;
        while image[lo] == base[lo] {
            lo += 1;
        }
        let mut hi = end;
        while image[hi - 1] == base[hi - 1] {
            hi -= 1;
        }
        if out.len() + RUN_HEADER + (hi - lo) > limit {
            out.truncate(start);
            return false;
        }
        out.extend_from_slice(&(lo as u16).to_le_bytes());
        out.extend_from_slice(&((hi - lo) as u16).to_le_bytes());
        out.extend_from_slice(&image[lo..hi]);
        w = end;
    }
    let len = out.len() - start - DELTA_HEADER;
    out[start..start + 2].copy_from_slice(&(index as u16).to_le_bytes());
    out[start + 2..start + 4].copy_from_slice(&(len as u16).to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&base_pos.to_le_bytes());
    true
}

/// Writes a delta record's runs over `buf` (which holds its base).
fn apply_runs(runs: &[u8], buf: &mut [u8; PAGE_SIZE]) -> core::result::Result<(), &'static str> {
    let mut at = 0;
    while at < runs.len() {
        if at + RUN_HEADER > runs.len() {
            return Err("a delta run is cut short");
        }
        let off = u16::from_le_bytes([runs[at], runs[at + 1]]) as usize;
        let len = u16::from_le_bytes([runs[at + 2], runs[at + 3]]) as usize;
        at += RUN_HEADER;
        if at + len > runs.len() || off + len > PAGE_SIZE {
            return Err("a delta run lies outside its page");
        }
        buf[off..off + len].copy_from_slice(&runs[at..at + len]);
        at += len;
    }
    Ok(())
}

/// Reads the committed (or spilled) image of page `page` that frame
/// reference `frame` names into `buf`: a full image's WAL page, or a delta
/// applied to its base. The image is checked against its segment's hash
/// when it is a delta (a full image is checked by the page codec).
pub fn read_frame(
    store: &dyn PageStore,
    page: PageNo,
    frame: u32,
    buf: &mut [u8; PAGE_SIZE],
) -> Result<()> {
    if frame & DELTA_FRAME == 0 {
        return store.read_page(FileKind::Wal, frame, buf);
    }
    let pos = frame_position(frame);
    let wal = store.name(FileKind::Wal);
    let mut seg = super::page::zeroed_page();
    store.read_page(FileKind::Wal, pos, &mut seg)?;
    if seg[..8] != SEGMENT_TAG {
        return Err(bad_frame(wal, pos, page, "no segment page there"));
    }
    let (records, _) = delta_records(&seg, pos).map_err(|why| bad_frame(wal, pos, page, why))?;
    let record = records
        .iter()
        .find(|r| get_u32(&seg[..], SG_ENTRIES + SG_ENTRY * r.index) == page)
        .ok_or_else(|| bad_frame(wal, pos, page, "the segment holds no delta of this page"))?;
    build_delta(store, &seg, record, buf)?.map_err(|why| bad_frame(wal, pos, page, why))
}

/// Builds the image of delta `record` of segment page `seg` in `buf`: its
/// base with the runs over it, checked against the image's hash. The inner
/// error says why the record does not give its image.
fn build_delta(
    store: &dyn PageStore,
    seg: &[u8; PAGE_SIZE],
    record: &DeltaRecord,
    buf: &mut [u8; PAGE_SIZE],
) -> Result<core::result::Result<(), &'static str>> {
    store.read_page(FileKind::Wal, record.base, buf)?;
    if let Err(why) = apply_runs(&seg[record.runs.clone()], buf) {
        return Ok(Err(why));
    }
    let hash = get_u64(&seg[..], SG_ENTRIES + SG_ENTRY * record.index + 4);
    Ok(if image_hash(buf) == hash {
        Ok(())
    } else {
        Err("the delta applied to its base does not give the image its segment names")
    })
}

/// Fills in a segment page. `entries` are (page number, image hash);
/// `deltas` holds `delta_count` records made by [`encode_delta`];
/// `header` is the commit's file header, for a commit segment. Returns the
/// segment's chain value.
#[allow(clippy::too_many_arguments)]
pub fn encode_segment(
    buf: &mut [u8; PAGE_SIZE],
    seq: u32,
    salt: u64,
    prev_chain: u64,
    entries: &[(PageNo, u64)],
    deltas: &[u8],
    delta_count: usize,
    commit: Option<&FileHeader>,
) -> u64 {
    debug_assert!(entries.len() <= SEGMENT_CAPACITY);
    debug_assert!(
        segment_len(entries.len(), deltas.len())
            == SG_ENTRIES + SG_ENTRY * entries.len() + deltas.len()
    );
    buf.fill(0);
    buf[..8].copy_from_slice(&SEGMENT_TAG);
    put_u32(buf, SG_SEQ, seq);
    put_u32(buf, SG_COUNT, entries.len() as u32);
    if let Some(h) = commit {
        h.encode(buf);
        put_u32(buf, SG_FLAGS, FLAG_COMMIT);
    }
    put_u64(buf, SG_SALT, salt);
    for (i, &(no, hash)) in entries.iter().enumerate() {
        let at = SG_ENTRIES + SG_ENTRY * i;
        put_u32(buf, at, no);
        put_u64(buf, at + 4, hash);
    }
    put_u32(buf, SG_DELTAS, delta_count as u32);
    let at = SG_ENTRIES + SG_ENTRY * entries.len();
    buf[at..at + deltas.len()].copy_from_slice(deltas);
    let chain = segment_chain(buf, at + deltas.len(), prev_chain);
    put_u64(buf, SG_CHAIN, chain);
    chain
}

/// What recovery found in the WAL when the database opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Transactions replayed from the WAL.
    pub commits: u64,
    /// Page images those transactions hold.
    pub frames: u64,
    /// WAL pages after the last complete commit that were not replayed.
    pub dropped_pages: u32,
    /// Why the log ended where it did, when it ended before the file did
    /// (a torn or partial tail, uncommitted frames, a WAL of another
    /// database, a damaged header); `None` when nothing was dropped.
    pub note: Option<String>,
}

/// Whether commits sync the WAL (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// Never sync (a crash of the machine may lose or damage anything
    /// since the last checkpoint of the operating system's cache).
    Off,
    /// Sync the WAL before each checkpoint, not at each commit: a power cut
    /// may lose the last commits, never corrupt the database.
    Normal,
    /// Sync the WAL at every commit: durable when commit returns.
    #[default]
    Full,
}

/// Live snapshots: (commit end, how many readers hold it), sorted by end.
/// A vector rather than a map: there are only ever a few distinct ends,
/// and a pooled reader pins and unpins once per statement, which with a
/// map allocated and freed a node every time (the map emptied and filled
/// again).
#[derive(Debug, Default)]
struct Snapshots(Vec<(u32, u32)>);

impl Snapshots {
    fn add(&mut self, end: u32, n: u32) {
        match self.0.binary_search_by_key(&end, |e| e.0) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (end, n)),
        }
    }

    fn remove_one(&mut self, end: u32) {
        if let Ok(i) = self.0.binary_search_by_key(&end, |e| e.0) {
            self.0[i].1 -= 1;
            if self.0[i].1 == 0 {
                self.0.remove(i);
            }
        }
    }

    fn oldest(&self) -> Option<u32> {
        self.0.first().map(|e| e.0)
    }

    fn all_at(&self, end: u32) -> bool {
        self.0.iter().all(|e| e.0 == end)
    }

    fn total(&self) -> u32 {
        self.0.iter().map(|e| e.1).sum()
    }
}

/// The WAL as the pager sees it: where committed frames are, the
/// generation, the live snapshots. Shared (behind a lock) by the writer and
/// every snapshot reader of one database.
#[derive(Debug)]
pub struct WalState {
    pub database_id: [u8; 16],
    pub salt: u64,
    pub generation: u64,
    /// Whether WAL page 0 holds this generation's header.
    pub header_written: bool,
    /// Whether this generation's header is of a version with deltas (a
    /// version 1 WAL taken over from an older build is continued without
    /// them, so that the older build can still read it).
    pub deltas: bool,
    /// Chain value and sequence number after the last committed segment.
    pub chain: u64,
    pub seq: u32,
    /// WAL position just past the last commit (1 when the WAL is empty).
    pub end: u32,
    /// `end` of the previous generation when this one began (so a snapshot
    /// taken there knows it now reads the main file).
    pub prev_end: u32,
    /// Committed frames per page (frame references, see [`DELTA_FRAME`]),
    /// ascending WAL positions.
    index: HashMap<PageNo, Vec<u32>>,
    /// For each WAL position below `end`: the page its full image holds, or
    /// `NOT_AN_IMAGE` for a segment page.
    frame_pages: Vec<PageNo>,
    /// (segment's WAL position, page) of every committed delta, ascending.
    delta_frames: Vec<(u32, PageNo)>,
    /// Each commit of this generation: its end and its file header.
    commits: Vec<(u32, FileHeader)>,
    /// Frames below this position are in the main file.
    pub backfilled: u32,
    /// The file header of the last commit (or of the main file).
    pub header: FileHeader,
    /// Live snapshots of this generation: commit end → how many.
    readers: Snapshots,
    /// Pages the WAL file has (as far as this process wrote or found it).
    pub file_pages: u32,
    /// Commits written since the WAL was last synced.
    pub unsynced: bool,
    pub synchronous: Synchronous,
    /// Checkpoint automatically once `end` passes this many pages (0: never).
    pub autocheckpoint: u32,
    pub report: RecoveryReport,
    /// Checkpoints run (for tests and `PRAGMA`s).
    pub checkpoints: u64,
}

impl WalState {
    /// The WAL of a database whose main file says `main`: read from
    /// `store` and checked segment by segment.
    pub fn recover(store: &dyn PageStore, main: &FileHeader, fresh_salt: u64) -> Result<WalState> {
        let mut st = WalState::empty(main.clone(), fresh_salt);
        st.file_pages = store.page_count(FileKind::Wal)?;
        if st.file_pages == 0 {
            return Ok(st);
        }
        let name = store.name(FileKind::Wal);
        let mut buf = super::page::zeroed_page();
        store.read_page(FileKind::Wal, 0, &mut buf)?;
        let wh = match decode_header(&buf) {
            Ok(h) if h.database_id == main.database_id => h,
            Ok(_) => {
                st.drop_all(alloc::format!(
                    "{name} belongs to another database (its database id differs from the main file's); it was ignored"
                ));
                return Ok(st);
            }
            Err(why) => {
                st.drop_all(alloc::format!("{name}: {why}; the WAL was ignored"));
                return Ok(st);
            }
        };
        if wh.generation < main.wal_generation {
            st.drop_all(alloc::format!(
                "{name}: generation {} is older than the main file's checkpoint (generation {}); everything in it is already home",
                wh.generation, main.wal_generation
            ));
            return Ok(st);
        }
        // Frames below this are in the main file already (a checkpoint of
        // this generation copied them): they are checked, not replayed.
        let home = if wh.generation == main.wal_generation {
            main.wal_backfilled
        } else {
            0
        };
        st.salt = wh.salt;
        st.generation = wh.generation;
        st.deltas = wh.version >= 2;
        st.chain = wh.salt;
        st.header_written = true;

        let mut img = super::page::zeroed_page();
        let mut pos = 1u32;
        let mut chain = st.chain;
        let mut seq = 0u32;
        let mut pending: Vec<(PageNo, u32)> = Vec::new();
        let stop = loop {
            if pos >= st.file_pages {
                break None;
            }
            store.read_page(FileKind::Wal, pos, &mut buf)?;
            if buf[..8] != SEGMENT_TAG {
                if buf[..8] == [0; 8] {
                    // Where the writer grew the file ahead of itself (a
                    // clean end if it is the file's last page).
                    break Some(String::from(ZEROED_END));
                }
                break Some(alloc::format!("no segment at WAL page {pos}"));
            }
            if get_u64(&buf[..], SG_SALT) != st.salt {
                break Some(alloc::format!(
                    "the segment at WAL page {pos} is from an earlier generation"
                ));
            }
            let n = get_u32(&buf[..], SG_COUNT) as usize;
            if get_u32(&buf[..], SG_SEQ) != seq || n > SEGMENT_CAPACITY {
                break Some(alloc::format!(
                    "the segment at WAL page {pos} is out of sequence"
                ));
            }
            let (records, len) = match delta_records(&buf, pos) {
                Ok(r) => r,
                Err(why) => break Some(alloc::format!("the segment at WAL page {pos} {why}")),
            };
            let c = segment_chain(&buf, len, chain);
            if c != get_u64(&buf[..], SG_CHAIN) {
                break Some(alloc::format!(
                    "the segment at WAL page {pos} does not check out (torn, or a stale tail)"
                ));
            }
            let full = n - records.len();
            if pos as usize + 1 + full > st.file_pages as usize {
                break Some(alloc::format!(
                    "the segment at WAL page {pos} lists {full} pages but the file ends first (truncated)"
                ));
            }
            if !records.is_empty() && pos > MAX_DELTA_POSITION {
                break Some(alloc::format!(
                    "the segment at WAL page {pos} has deltas past the last WAL page they may be at"
                ));
            }
            let mut bad = None;
            let mut fpos = pos + 1;
            let mut records = records.iter().peekable();
            for i in 0..n {
                let at = SG_ENTRIES + SG_ENTRY * i;
                let (no, hash) = (get_u32(&buf[..], at), get_u64(&buf[..], at + 4));
                let delta = records.next_if(|r| r.index == i);
                let (frame, checked) = match delta {
                    None => {
                        store.read_page(FileKind::Wal, fpos, &mut img)?;
                        fpos += 1;
                        (fpos - 1, image_hash(&img) == hash)
                    }
                    // A base is a full image of the same page (pending or
                    // committed); what it gives is checked by the hash.
                    Some(r) => {
                        let base_ok = pending.iter().any(|&(p, f)| p == no && f == r.base)
                            || st.frame_pages.get(r.base as usize) == Some(&no);
                        let ok = base_ok && build_delta(store, &buf, r, &mut img)?.is_ok();
                        (pos | DELTA_FRAME, ok)
                    }
                };
                if !checked || no == 0 {
                    bad = Some(alloc::format!(
                        "the image of page {no} in the segment at WAL page {pos} does not match it (torn)"
                    ));
                    break;
                }
                pending.push((no, frame));
            }
            if bad.is_some() {
                break bad;
            }
            let next = fpos;
            if get_u32(&buf[..], SG_FLAGS) & FLAG_COMMIT != 0 {
                let header = match FileHeader::decode(&buf, name) {
                    Ok(h) if h.database_id == main.database_id => h,
                    _ => {
                        break Some(alloc::format!(
                            "the commit at WAL page {pos} carries a damaged file header"
                        ));
                    }
                };
                st.report.commits += 1;
                st.report.frames += pending.len() as u64;
                st.frame_pages.resize(next as usize, NOT_AN_IMAGE);
                let end = st.end;
                for (no, frame) in pending.drain(..) {
                    st.add_frame(no, frame, end);
                }
                if next <= home {
                    st.backfilled = next;
                }
                st.commits.push((next, header.clone()));
                st.header = header;
                st.end = next;
                st.chain = c;
                st.seq = seq + 1;
            }
            chain = c;
            seq += 1;
            pos = next;
        };
        if st.end < home {
            // The log ends inside what is home already: a new generation
            // had begun overwriting it. The main file holds it all.
            let generation = st.generation;
            st = WalState::empty(main.clone(), fresh_salt);
            st.file_pages = store.page_count(FileKind::Wal)?;
            st.drop_all(alloc::format!(
                "{name}: the frames of generation {generation} are all in the main file already (a later generation began over them: {})",
                stop.unwrap_or_default()
            ));
            st.report.dropped_pages = 0;
            return Ok(st);
        }
        st.report.dropped_pages = st.file_pages - st.end;
        if pending.is_empty() && stop.as_deref() == Some(ZEROED_END) && st.end + 1 == st.file_pages
        {
            // The log ends cleanly where the file was grown ahead of it.
            st.report.dropped_pages = 0;
        }
        if st.report.dropped_pages > 0 {
            let uncommitted = if pending.is_empty() {
                String::new()
            } else {
                alloc::format!(
                    "; {} page images of a transaction that never committed",
                    pending.len()
                )
            };
            st.report.note = Some(alloc::format!(
                "{name}: kept {} commits; dropped {} pages after WAL page {}: {}{uncommitted}",
                st.report.commits,
                st.report.dropped_pages,
                st.end - 1,
                stop.unwrap_or_else(|| String::from("the file ends inside a transaction")),
            ));
        }
        Ok(st)
    }

    /// The state of an empty WAL for a main file whose header is `main`.
    fn empty(main: FileHeader, salt: u64) -> WalState {
        WalState {
            database_id: main.database_id,
            salt,
            // Newer than any generation the main file has taken in, so
            // that recovery never takes this one's frames for those.
            generation: main.wal_generation + 1,
            header_written: false,
            deltas: true,
            chain: salt,
            seq: 0,
            end: 1,
            prev_end: 1,
            index: HashMap::new(),
            frame_pages: alloc::vec![NOT_AN_IMAGE],
            delta_frames: Vec::new(),
            commits: Vec::new(),
            backfilled: 1,
            header: main,
            readers: Snapshots::default(),
            file_pages: 0,
            unsynced: false,
            synchronous: Synchronous::Full,
            autocheckpoint: 1000,
            report: RecoveryReport::default(),
            checkpoints: 0,
        }
    }

    /// An empty state for a pager whose store was taken away.
    pub fn placeholder() -> WalState {
        WalState::empty(FileHeader::new([0; 16]), 0)
    }

    fn drop_all(&mut self, note: String) {
        self.report.dropped_pages = self.file_pages;
        self.report.note = Some(note);
    }

    /// The newest committed frame of `page` below `limit` (a frame
    /// reference, for [`read_frame`]).
    pub fn lookup(&self, page: PageNo, limit: u32) -> Option<u32> {
        let frames = self.index.get(&page)?;
        let i = frames.partition_point(|&f| frame_position(f) < limit);
        (i > 0).then(|| frames[i - 1])
    }

    /// Records a committed frame of `page`. A page written twice by one
    /// transaction (whose frames are at `txn_start` and beyond) keeps its
    /// last image.
    fn add_frame(&mut self, page: PageNo, frame: u32, txn_start: u32) {
        let pos = frame_position(frame);
        if frame & DELTA_FRAME == 0 {
            self.frame_pages[pos as usize] = page;
        } else {
            self.delta_frames.push((pos, page));
        }
        let v = self.index.entry(page).or_default();
        match v.last_mut() {
            Some(l) if frame_position(*l) >= txn_start => {
                if frame_position(*l) < pos {
                    *l = frame;
                }
            }
            _ => v.push(frame),
        }
    }

    /// Whether any committed frame exists (a fast path for readers).
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The file header as of the snapshot ending at `mx`.
    pub fn header_at(&self, mx: u32) -> Option<&FileHeader> {
        if mx == self.end {
            return Some(&self.header);
        }
        let i = self.commits.partition_point(|(e, _)| *e <= mx);
        match i {
            0 => None,
            _ => Some(&self.commits[i - 1].1),
        }
    }

    /// Records a commit: `frames` are (page, WAL position) of every image
    /// of the transaction in the order written, `new_end` is past its
    /// commit segment.
    pub fn publish(
        &mut self,
        frames: &[(PageNo, u32)],
        new_end: u32,
        chain: u64,
        seq: u32,
        header: FileHeader,
    ) {
        self.frame_pages.resize(new_end as usize, NOT_AN_IMAGE);
        let start = self.end;
        for &(no, frame) in frames {
            self.add_frame(no, frame, start);
        }
        self.commits.push((new_end, header.clone()));
        self.header = header;
        self.end = new_end;
        self.chain = chain;
        self.seq = seq;
        self.file_pages = self.file_pages.max(new_end);
    }

    /// Registers a snapshot at the current end; returns it.
    pub fn pin(&mut self) -> u32 {
        self.readers.add(self.end, 1);
        self.end
    }

    /// Forgets a snapshot registered at `mx` in generation `generation`.
    pub fn unpin(&mut self, generation: u64, mx: u32) {
        let key = if generation == self.generation {
            mx
        } else {
            // Converted when the generation began (see `restart`).
            1
        };
        self.readers.remove_one(key);
    }

    /// Translates a snapshot taken in an earlier generation: it must have
    /// been at that generation's end, and now reads the main file.
    pub fn current_snapshot(&self, generation: u64, mx: u32) -> Option<u32> {
        if generation == self.generation {
            Some(mx)
        } else if generation + 1 == self.generation && mx == self.prev_end {
            Some(1)
        } else {
            None
        }
    }

    /// Pages whose visible version changed between snapshot `from` (of
    /// `generation`) and the current end, or `None` if that is no longer
    /// known (the caller forgets everything it cached).
    pub fn changed_since(&self, generation: u64, from: u32) -> Option<Vec<PageNo>> {
        let from = self.current_snapshot(generation, from)?;
        let to = self.end as usize;
        let from = (from as usize).min(to);
        let deltas = self
            .delta_frames
            .partition_point(|&(s, _)| (s as usize) < from);
        Some(
            self.frame_pages[from..to]
                .iter()
                .copied()
                .filter(|&p| p != NOT_AN_IMAGE)
                .chain(self.delta_frames[deltas..].iter().map(|&(_, p)| p))
                .collect(),
        )
    }

    /// How far a checkpoint may copy now: the oldest live snapshot, or the
    /// end.
    pub fn checkpoint_limit(&self) -> u32 {
        self.readers.oldest().unwrap_or(self.end).min(self.end)
    }

    /// The newest frame below `limit` of every page that has one at or
    /// past `backfilled`, sorted by page: what a checkpoint copies.
    pub fn frames_to_copy(&self, limit: u32) -> Vec<(PageNo, u32)> {
        let mut out: Vec<(PageNo, u32)> = self
            .index
            .iter()
            .filter_map(|(&no, _)| {
                let f = self.lookup(no, limit)?;
                (frame_position(f) >= self.backfilled).then_some((no, f))
            })
            .collect();
        crate::sorting::sort_by(&mut out, |a, b| a.cmp(b));
        out
    }

    /// Whether a new generation may begin: everything is home and every
    /// live snapshot is at the end.
    pub fn can_restart(&self) -> bool {
        self.backfilled == self.end && self.readers.all_at(self.end)
    }

    /// Begins a new generation; live snapshots (all at the end) now read
    /// the main file.
    pub fn restart(&mut self) {
        let live = self.readers.total();
        self.readers.0.clear();
        if live > 0 {
            self.readers.add(1, live);
        }
        self.generation += 1;
        self.salt = next_salt(self.salt, self.generation);
        self.chain = self.salt;
        self.seq = 0;
        self.prev_end = self.end;
        self.end = 1;
        self.backfilled = 1;
        self.index.clear();
        self.frame_pages.clear();
        self.frame_pages.push(NOT_AN_IMAGE);
        self.delta_frames.clear();
        self.commits.clear();
        self.header_written = false;
        self.deltas = true;
    }

    /// The number of committed page images in the WAL now.
    pub fn frame_count(&self) -> usize {
        self.index.values().map(Vec::len).sum()
    }
}

/// The error for a WAL read that finds the wrong thing.
pub fn bad_frame(wal: &str, pos: u32, page: PageNo, why: &str) -> crate::Error {
    err!(
        Corrupt,
        "read page {page} from WAL page {pos} of {wal}: {why}"
    )
}

#[allow(dead_code)]
const _: () = assert!(FILE_HEADER_OFFSET + 128 <= SG_SALT);

#[cfg(test)]
mod tests {
    use super::Snapshots;

    #[test]
    fn snapshots_count_readers_per_end() {
        let mut s = Snapshots::default();
        assert_eq!((s.oldest(), s.total()), (None, 0));
        assert!(s.all_at(5));
        s.add(7, 1);
        s.add(3, 1);
        s.add(7, 2);
        assert_eq!((s.oldest(), s.total()), (Some(3), 4));
        assert!(!s.all_at(7));
        s.remove_one(3);
        assert_eq!((s.oldest(), s.total()), (Some(7), 3));
        assert!(s.all_at(7));
        // Forgetting an end nobody holds changes nothing.
        s.remove_one(4);
        assert_eq!(s.total(), 3);
        for _ in 0..3 {
            s.remove_one(7);
        }
        assert_eq!((s.oldest(), s.total()), (None, 0));
    }
}
