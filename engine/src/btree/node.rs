//! Node layout: slotted 16 KiB pages for leaves and interior nodes.
//!
//! ```text
//! offset        size  field
//!      0          16  page header (type Leaf or Interior; count = slots;
//!                     link = right-most child of an interior node, 0 in a
//!                     leaf)
//!     16           2  content_start: offset of the lowest cell byte
//!     18           2  frag: bytes of dead cells inside the content area
//!     20           2  prefix: length p of a prefix every key of the node
//!                     shares
//!     22           2  reserved (0)
//!     24     8 × n    slot array, in key order; slot i:
//!                       +0 u16 cell offset
//!                       +2 u16 key length
//!                       +4 [4] key hint: the 4 key bytes after the shared
//!                          prefix (bytes p..p+4), zero-padded
//!  24+8n  .. start    free gap
//!  start .. usable    cells, packed downwards from the end of the usable
//!                     area (PAGE_SIZE minus the codec's reserved tail)
//! ```
//!
//! A leaf cell is the key, then a varint `V = value_len << 1 | overflow`,
//! then either the value (`overflow = 0`) or the u32 number of the first
//! overflow page holding all of it (`overflow = 1`). An interior cell is the
//! separator key, then the u32 child holding keys below the separator (and
//! at or above the previous one); the right-most child, in the page header's
//! link, holds the keys at or above the last separator.
//!
//! The hint lets a binary search decide most comparisons from the slot
//! array alone, without touching the cells: hints compare as big-endian
//! integers exactly like those four key bytes compare under memcmp, and
//! only equal hints need the full keys — and not even then when both keys
//! end within the hint (their lengths decide). The hint skips the prefix
//! the node's keys share because that prefix decides nothing inside the
//! node: 8-byte big-endian rowids below 2³² all start with the same four
//! bytes, so hints of their first bytes would always tie. (LeanStore keeps
//! such a per-node prefix too.)
//!
//! The prefix is only ever a lower bound on what the keys share: a split or
//! merge sets it to the common prefix of the node's first and last keys, an
//! insert that does not share it shortens it (rewriting the node's hints),
//! and a delete leaves it alone. A search key that does not share it sorts
//! before or after every key of the node; the search checks that on the
//! one cell it has to read anyway. A node written with prefix 0 is the
//! plain "first four bytes" layout.
//!
//! Every accessor checks what it reads against the page bounds, so a
//! damaged page gives a `Corrupt` error naming the page, never a panic.

use core::cmp::Ordering;

use super::MAX_KEY_LEN;
use crate::encoding::varint::get_varint;
use crate::storage::page::{
    PAGE_HEADER_SIZE, PAGE_SIZE, PageHeader, PageNo, PageType, get_u16, get_u32, init_page_header,
    put_u16, put_u32, set_count, set_link,
};
use crate::{Error, Result, err};

pub(crate) const NODE_HEADER_END: usize = PAGE_HEADER_SIZE + 8;
pub(crate) const SLOT_SIZE: usize = 8;
const OFF_CONTENT_START: usize = PAGE_HEADER_SIZE;
const OFF_FRAG: usize = PAGE_HEADER_SIZE + 2;
const OFF_PREFIX: usize = PAGE_HEADER_SIZE + 4;

/// The hint of a key's bytes after the node prefix, as a big-endian
/// integer.
#[inline]
pub(crate) fn hint_of(key: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    let n = key.len().min(4);
    b[..n].copy_from_slice(&key[..n]);
    u32::from_be_bytes(b)
}

/// A checked read-only view of a node page.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    pub page: &'a [u8; PAGE_SIZE],
    pub no: PageNo,
    pub n: usize,
    pub leaf: bool,
    usable: usize,
    /// Length of the prefix all keys share (the hints start after it).
    plen: usize,
}

impl<'a> Node<'a> {
    /// Checks the node header of page `no` and returns a view of it.
    pub fn new(page: &'a [u8; PAGE_SIZE], no: PageNo, usable: usize) -> Result<Node<'a>> {
        let leaf = match page.page_type() {
            Some(PageType::Leaf) => true,
            Some(PageType::Interior) => false,
            other => {
                return Err(err!(
                    Corrupt,
                    "btree page {no}: expected a leaf or interior node, found {}",
                    match other {
                        Some(t) => alloc::format!("{t:?} page"),
                        None => alloc::format!("page type {}", page[0]),
                    }
                ));
            }
        };
        let n = page.count() as usize;
        let start = get_u16(page, OFF_CONTENT_START) as usize;
        if NODE_HEADER_END + n * SLOT_SIZE > start || start > usable {
            return Err(err!(
                Corrupt,
                "btree page {no}: {n} slots and content start {start} do not fit in the page"
            ));
        }
        let plen = get_u16(page, OFF_PREFIX) as usize;
        if plen > MAX_KEY_LEN {
            return Err(err!(
                Corrupt,
                "btree page {no}: key prefix of {plen} bytes is longer than any key"
            ));
        }
        Ok(Node {
            page,
            no,
            n,
            leaf,
            usable,
            plen,
        })
    }

    /// A view of a page that [`Node::new`] already checked: cursors check a
    /// leaf once when they enter it, and page images never change under
    /// them.
    #[inline]
    pub fn checked(page: &'a [u8; PAGE_SIZE], no: PageNo, n: usize, usable: usize) -> Node<'a> {
        Node {
            page,
            no,
            n,
            leaf: page[0] == PageType::Leaf as u8,
            usable,
            plen: get_u16(page, OFF_PREFIX) as usize,
        }
    }

    #[inline(always)]
    fn slot(&self, i: usize) -> (usize, usize, u32) {
        let s = NODE_HEADER_END + i * SLOT_SIZE;
        let off = get_u16(self.page, s) as usize;
        let klen = get_u16(self.page, s + 2) as usize;
        let hint = u32::from_be_bytes([
            self.page[s + 4],
            self.page[s + 5],
            self.page[s + 6],
            self.page[s + 7],
        ]);
        (off, klen, hint)
    }

    #[cold]
    fn bad_slot(&self, i: usize) -> Error {
        err!(
            Corrupt,
            "btree page {}: slot {i} points outside the page",
            self.no
        )
    }

    /// Key of slot `i`.
    #[inline]
    pub fn key(&self, i: usize) -> Result<&'a [u8]> {
        let (off, klen, _) = self.slot(i);
        if off < NODE_HEADER_END + self.n * SLOT_SIZE || off + klen > self.usable {
            return Err(self.bad_slot(i));
        }
        Ok(&self.page[off..off + klen])
    }

    /// The bytes after the key in cell `i`, up to the end of the usable
    /// area (callers parse what they need from the front).
    #[inline]
    fn after_key(&self, i: usize) -> Result<&'a [u8]> {
        let (off, klen, _) = self.slot(i);
        if off < NODE_HEADER_END + self.n * SLOT_SIZE || off + klen > self.usable {
            return Err(self.bad_slot(i));
        }
        Ok(&self.page[off + klen..self.usable])
    }

    /// Child of interior slot `i`; `i == n` is the right-most child.
    #[inline]
    pub fn child(&self, i: usize) -> Result<PageNo> {
        let c = if i == self.n {
            self.page.link()
        } else {
            let rest = self.after_key(i)?;
            if rest.len() < 4 {
                return Err(self.bad_slot(i));
            }
            get_u32(rest, 0)
        };
        if c == 0 {
            return Err(err!(Corrupt, "btree page {}: child {i} is page 0", self.no));
        }
        Ok(c)
    }

    /// The value of leaf slot `i`.
    #[inline]
    pub fn value(&self, i: usize) -> Result<LeafValue<'a>> {
        self.value_in(i, self.after_key(i)?)
    }

    /// Leaf slot `i`'s key and value, reading its slot once (what a cursor
    /// does for every entry of a scan).
    #[inline]
    pub fn entry(&self, i: usize) -> Result<(&'a [u8], LeafValue<'a>)> {
        let (off, klen, _) = self.slot(i);
        if off < NODE_HEADER_END + self.n * SLOT_SIZE || off + klen > self.usable {
            return Err(self.bad_slot(i));
        }
        let rest = &self.page[off + klen..self.usable];
        Ok((&self.page[off..off + klen], self.value_in(i, rest)?))
    }

    /// Parses the value part of leaf cell `i` from `rest`, the bytes after
    /// its key.
    #[inline]
    fn value_in(&self, i: usize, rest: &'a [u8]) -> Result<LeafValue<'a>> {
        let (v, used) = get_varint(rest)
            .map_err(|e| e.context(alloc::format!("btree page {} slot {i}", self.no)))?;
        let len = usize::try_from(v >> 1).map_err(|_| self.bad_slot(i))?;
        if v & 1 == 1 {
            if rest.len() < used + 4 {
                return Err(self.bad_slot(i));
            }
            Ok(LeafValue::Overflow {
                len,
                first: get_u32(rest, used),
            })
        } else {
            match rest.get(used..used + len) {
                Some(v) => Ok(LeafValue::Inline(v)),
                None => Err(err!(
                    Corrupt,
                    "btree page {}: value of slot {i} ({len} bytes) runs past the page",
                    self.no
                )),
            }
        }
    }

    /// Total size of cell `i` in bytes.
    pub fn cell_len(&self, i: usize) -> Result<usize> {
        let (_, klen, _) = self.slot(i);
        if self.leaf {
            let rest = self.after_key(i)?;
            let (v, used) = get_varint(rest)?;
            let body = if v & 1 == 1 { 4 } else { (v >> 1) as usize };
            Ok(klen + used + body)
        } else {
            Ok(klen + 4)
        }
    }

    /// The whole cell `i` (key and what follows).
    pub fn cell(&self, i: usize) -> Result<&'a [u8]> {
        let (off, _, _) = self.slot(i);
        let len = self.cell_len(i)?;
        if off + len > self.usable {
            return Err(self.bad_slot(i));
        }
        Ok(&self.page[off..off + len])
    }

    /// Compares slot `i`'s key with a key that shares the node's prefix,
    /// given as its bytes after the prefix (`rest`) and their hint.
    #[inline]
    fn cmp_rest(&self, i: usize, rest: &[u8], hint: u32) -> Result<Ordering> {
        let (_, klen, h) = self.slot(i);
        if h != hint {
            return Ok(h.cmp(&hint));
        }
        // Equal hints with both rests within the hint: the zero padding
        // makes the shorter one a prefix of the longer, so length decides
        // without reading the cell.
        let srest = klen.wrapping_sub(self.plen);
        if srest <= 4 && rest.len() <= 4 {
            return Ok(srest.cmp(&rest.len()));
        }
        let k = self.key(i)?;
        Ok(k.get(self.plen..).unwrap_or(&[]).cmp(rest))
    }

    /// Whether `key` starts with the node's prefix, read from slot `i`'s
    /// key (any slot's: they all share it).
    #[inline]
    fn has_prefix(&self, i: usize, key: &[u8]) -> Result<bool> {
        let p = self.plen;
        Ok(p == 0 || self.key(i)?.get(..p) == key.get(..p))
    }

    /// Where a key that does not share the node's prefix goes: before
    /// every key (0) or after every key (`n`).
    fn outside(&self, key: &[u8]) -> Result<usize> {
        let k0 = self.key(0)?;
        let prefix = k0.get(..self.plen).unwrap_or(k0);
        Ok(if key < prefix { 0 } else { self.n })
    }

    /// Search over the slots, assuming `key` shares the prefix: the first
    /// slot whose key is not below `key` (or, for `upper`, is above it),
    /// and whether it equals `key`.
    ///
    /// Every probe of a cold page is a cache miss, and a binary search over
    /// a leaf's slot array takes four or five of them. Hints spread like
    /// the keys do, so for the common case of keys spread evenly over the
    /// node (rowids, counters) interpolating between the first and last
    /// hints lands on or next to the slot; galloping from the guess then
    /// brackets it, and a short binary search finishes. Badly spread keys
    /// cost at most twice the probes of a plain binary search.
    #[inline]
    fn bisect(&self, rest: &[u8], upper: bool) -> Result<(usize, bool)> {
        let hint = hint_of(rest);
        let n = self.n;
        let (mut lo, mut hi) = (0, n);
        // `before(o)`: the slot compared as `o` lies before the answer.
        let before = |o: Ordering| o == Ordering::Less || (upper && o == Ordering::Equal);
        if n > 0 {
            let h0 = self.slot(0).2;
            let hl = self.slot(n - 1).2;
            // Past either end by its hint alone: appends (rising rowids)
            // and prepends need no search at all.
            if hint > hl {
                return Ok((n, false));
            }
            if hint < h0 {
                return Ok((0, false));
            }
            if n >= 16 && h0 < hint && hint < hl {
                let g = (u64::from(hint - h0) * (n as u64 - 1) / u64::from(hl - h0)) as usize;
                let o = self.cmp_rest(g, rest, hint)?;
                if o == Ordering::Equal && !upper {
                    return Ok((g, true));
                }
                if before(o) {
                    lo = g + 1;
                    let mut step = 1;
                    while g + step < n {
                        let j = g + step;
                        let o = self.cmp_rest(j, rest, hint)?;
                        if o == Ordering::Equal && !upper {
                            return Ok((j, true));
                        }
                        if !before(o) {
                            hi = j;
                            break;
                        }
                        lo = j + 1;
                        step *= 2;
                    }
                } else {
                    hi = g;
                    let mut step = 1;
                    while step <= g {
                        let j = g - step;
                        let o = self.cmp_rest(j, rest, hint)?;
                        if o == Ordering::Equal && !upper {
                            return Ok((j, true));
                        }
                        if before(o) {
                            lo = j + 1;
                            break;
                        }
                        hi = j;
                        step *= 2;
                    }
                }
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            let o = self.cmp_rest(mid, rest, hint)?;
            if o == Ordering::Equal && !upper {
                return Ok((mid, true));
            }
            if before(o) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok((lo, false))
    }

    /// Leaf search: `Ok(i)` if slot `i` holds `key`, `Err(i)` where it
    /// would be inserted.
    pub fn search(&self, key: &[u8]) -> Result<core::result::Result<usize, usize>> {
        let (i, found, _) = self.locate(key, 0, false)?;
        Ok(if found { Ok(i) } else { Err(i) })
    }

    /// Interior search: the index of the child to follow for `key` (the
    /// first separator greater than `key`; `n` for the right-most child).
    pub fn child_index(&self, key: &[u8]) -> Result<usize> {
        Ok(self.locate(key, 0, true)?.0)
    }

    /// The search behind [`Node::search`] (`upper` false) and
    /// [`Node::child_index`] (`upper` true), for a key known to share its
    /// first `shared` bytes with every key of the node (see
    /// [`Node::descend`]). Returns the position, whether the key is there,
    /// and whether it shares the node's prefix.
    pub fn locate(&self, key: &[u8], shared: usize, upper: bool) -> Result<(usize, bool, bool)> {
        if self.n == 0 {
            return Ok((0, false, false));
        }
        let Some(rest) = key.get(self.plen..) else {
            return Ok((self.outside(key)?, false, false));
        };
        let (i, found) = self.bisect(rest, upper)?;
        // What the parent's separators prove costs nothing; otherwise the
        // slot the search ended on is checked — for a lookup that is the
        // cell it reads next anyway.
        if self.plen > shared && !self.has_prefix(i.min(self.n - 1), key)? {
            return Ok((self.outside(key)?, false, false));
        }
        Ok((i, found, true))
    }

    /// One step of a descent through an interior node for a key sharing
    /// `shared` bytes with all its keys: the child index, the child, and
    /// how many bytes the key shares with every key of the child. The
    /// child's keys lie between the separators on either side of it, so
    /// they share what those two separators share (and at least what this
    /// node's keys share, at the ends).
    #[inline]
    pub fn descend(&self, key: &[u8], shared: usize) -> Result<(usize, PageNo, usize)> {
        let idx = self.locate(key, shared, true)?.0;
        let child = self.child(idx)?;
        let below = if idx > 0 && idx < self.n {
            common_prefix(self.key(idx - 1)?, self.key(idx)?).max(shared)
        } else {
            shared
        };
        Ok((idx, child, below))
    }

    /// Checks that every key shares the node's prefix and that every hint
    /// is the one its key gives (for [`crate::btree::BTree::check`]).
    pub fn check_hints(&self) -> Result<()> {
        for i in 0..self.n {
            let k = self.key(i)?;
            let (_, _, h) = self.slot(i);
            let ok =
                self.has_prefix(0, k)? && k.get(self.plen..).is_some_and(|rest| hint_of(rest) == h);
            if !ok {
                return Err(err!(
                    Corrupt,
                    "btree page {}: slot {i} does not match the node's key prefix",
                    self.no
                ));
            }
        }
        Ok(())
    }

    /// Bytes in use: slots plus live cells.
    pub fn used(&self) -> usize {
        let start = get_u16(self.page, OFF_CONTENT_START) as usize;
        let frag = get_u16(self.page, OFF_FRAG) as usize;
        self.n * SLOT_SIZE + (self.usable - start).saturating_sub(frag)
    }

    /// Bytes available for new cells and slots (after defragmenting).
    #[cfg(test)]
    pub fn free(&self) -> usize {
        self.capacity().saturating_sub(self.used())
    }

    /// Bytes for slots and cells in an empty node.
    pub fn capacity(&self) -> usize {
        self.usable - NODE_HEADER_END
    }
}

/// Where a leaf value lives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LeafValue<'a> {
    Inline(&'a [u8]),
    Overflow { len: usize, first: PageNo },
}

/// Initialises `page` as an empty node.
pub(crate) fn init_node(page: &mut [u8; PAGE_SIZE], no: PageNo, leaf: bool, usable: usize) {
    init_page_header(
        page,
        if leaf {
            PageType::Leaf
        } else {
            PageType::Interior
        },
        no,
    );
    put_u16(page, OFF_CONTENT_START, usable as u16);
    put_u16(page, OFF_FRAG, 0);
    put_u32(page, OFF_PREFIX, 0);
}

/// Length of the common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The bytes of slot `i`'s key in a raw node page (empty if the slot points
/// outside the page, so a damaged page never panics).
fn raw_key(page: &[u8; PAGE_SIZE], i: usize) -> &[u8] {
    let at = NODE_HEADER_END + i * SLOT_SIZE;
    let off = get_u16(page, at) as usize;
    let klen = get_u16(page, at + 2) as usize;
    page.get(off..off + klen).unwrap_or(&[])
}

/// Sets the node's prefix length to `p` and rewrites every hint for it.
fn set_prefix(page: &mut [u8; PAGE_SIZE], n: usize, p: usize) {
    put_u16(page, OFF_PREFIX, p as u16);
    for i in 0..n {
        let hint = hint_of(raw_key(page, i).get(p..).unwrap_or(&[]));
        let at = NODE_HEADER_END + i * SLOT_SIZE;
        page[at + 4..at + 8].copy_from_slice(&hint.to_be_bytes());
    }
}

/// Sets the right-most child of an interior node.
pub(crate) fn set_rightmost(page: &mut [u8; PAGE_SIZE], child: PageNo) {
    set_link(page, child);
}

/// Inserts a cell made of `key` and `rest` as slot `i`, if it fits
/// (defragmenting first when the gap alone is too small). Returns false when
/// it does not fit. The node must have been checked with [`Node::new`].
pub(crate) fn insert_cell(
    page: &mut [u8; PAGE_SIZE],
    usable: usize,
    i: usize,
    key: &[u8],
    rest: &[&[u8]],
) -> bool {
    insert_cell_sharing(page, usable, i, key, rest, false)
}

/// [`insert_cell`] for a key the caller's search found to share the node's
/// prefix (`shares`), which saves reading another cell to check it.
pub(crate) fn insert_cell_sharing(
    page: &mut [u8; PAGE_SIZE],
    usable: usize,
    i: usize,
    key: &[u8],
    rest: &[&[u8]],
    shares: bool,
) -> bool {
    let n = page.count() as usize;
    let size = key.len() + rest.iter().map(|r| r.len()).sum::<usize>();
    let mut start = get_u16(page, OFF_CONTENT_START) as usize;
    let slots_end = NODE_HEADER_END + n * SLOT_SIZE;
    if slots_end + SLOT_SIZE + size > start {
        let frag = get_u16(page, OFF_FRAG) as usize;
        if slots_end + SLOT_SIZE + size > start + frag {
            return false;
        }
        defragment(page, usable);
        start = get_u16(page, OFF_CONTENT_START) as usize;
    }
    let mut p = get_u16(page, OFF_PREFIX) as usize;
    if n == 0 {
        // Any prefix of the only key is shared; later inserts shorten it.
        p = key.len();
        put_u16(page, OFF_PREFIX, p as u16);
    } else if !(shares && key.len() >= p) {
        let k0 = raw_key(page, 0);
        let prefix = k0.get(..p).unwrap_or(k0);
        if key.get(..p) != Some(prefix) {
            p = common_prefix(key, prefix);
            set_prefix(page, n, p);
        }
    }
    let off = start - size;
    page[off..off + key.len()].copy_from_slice(key);
    let mut at = off + key.len();
    for part in rest {
        page[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    put_u16(page, OFF_CONTENT_START, off as u16);
    let at = NODE_HEADER_END + i * SLOT_SIZE;
    page.copy_within(at..slots_end, at + SLOT_SIZE);
    put_u16(page, at, off as u16);
    put_u16(page, at + 2, key.len() as u16);
    page[at + 4..at + 8].copy_from_slice(&hint_of(&key[p..]).to_be_bytes());
    set_count(page, (n + 1) as u16);
    true
}

/// Removes slot `i`, whose cell is `cell_len` bytes long.
pub(crate) fn remove_cell(page: &mut [u8; PAGE_SIZE], i: usize, cell_len: usize) {
    let n = page.count() as usize;
    let at = NODE_HEADER_END + i * SLOT_SIZE;
    let off = get_u16(page, at) as usize;
    let slots_end = NODE_HEADER_END + n * SLOT_SIZE;
    page.copy_within(at + SLOT_SIZE..slots_end, at);
    set_count(page, (n - 1) as u16);
    let start = get_u16(page, OFF_CONTENT_START) as usize;
    if off == start {
        put_u16(page, OFF_CONTENT_START, (start + cell_len) as u16);
    } else {
        let frag = get_u16(page, OFF_FRAG) as usize;
        put_u16(page, OFF_FRAG, (frag + cell_len) as u16);
    }
}

/// Replaces the child pointer of interior slot `i` (or the right-most
/// child when `i == n`).
pub(crate) fn set_child(page: &mut [u8; PAGE_SIZE], i: usize, child: PageNo) {
    let n = page.count() as usize;
    if i == n {
        set_link(page, child);
    } else {
        let at = NODE_HEADER_END + i * SLOT_SIZE;
        let off = get_u16(page, at) as usize;
        let klen = get_u16(page, at + 2) as usize;
        put_u32(page, off + klen, child);
    }
}

/// Rewrites the cells contiguously at the end of the usable area, so the
/// free space is one gap.
pub(crate) fn defragment(page: &mut [u8; PAGE_SIZE], usable: usize) {
    let n = page.count() as usize;
    let leaf = page.page_type() == Some(PageType::Leaf);
    let copy: alloc::boxed::Box<[u8; PAGE_SIZE]> = alloc::boxed::Box::new(*page);
    let mut end = usable;
    for i in 0..n {
        let at = NODE_HEADER_END + i * SLOT_SIZE;
        let off = get_u16(&copy[..], at) as usize;
        let klen = get_u16(&copy[..], at + 2) as usize;
        // Slots were bounds-checked when the node was read; stay in bounds
        // anyway so a damaged page can never make this panic.
        let len = if leaf {
            match get_varint(copy.get(off + klen..usable).unwrap_or(&[])) {
                Ok((v, used)) => klen + used + if v & 1 == 1 { 4 } else { (v >> 1) as usize },
                Err(_) => klen,
            }
        } else {
            klen + 4
        };
        if off + len > usable || len > end - NODE_HEADER_END - n * SLOT_SIZE {
            continue;
        }
        end -= len;
        page[end..end + len].copy_from_slice(&copy[off..off + len]);
        put_u16(page, at, end as u16);
    }
    put_u16(page, OFF_CONTENT_START, end as u16);
    put_u16(page, OFF_FRAG, 0);
}

/// Builds node `no` from scratch in `page`, which must be zeroed (a fresh
/// page), from `cells` (each the full cell bytes and its key length). The
/// caller guarantees they fit.
pub(crate) fn build_node(
    page: &mut [u8; PAGE_SIZE],
    no: PageNo,
    leaf: bool,
    usable: usize,
    cells: &[(&[u8], usize)],
    rightmost: PageNo,
) {
    init_node(page, no, leaf, usable);
    // Cells are in key order, so what the first and last keys share, all do.
    let p = match (cells.first(), cells.last()) {
        (Some(&(a, alen)), Some(&(b, blen))) => common_prefix(&a[..alen], &b[..blen]),
        _ => 0,
    };
    put_u16(page, OFF_PREFIX, p as u16);
    let mut end = usable;
    for (i, &(cell, klen)) in cells.iter().enumerate() {
        end -= cell.len();
        page[end..end + cell.len()].copy_from_slice(cell);
        let at = NODE_HEADER_END + i * SLOT_SIZE;
        put_u16(page, at, end as u16);
        put_u16(page, at + 2, klen as u16);
        page[at + 4..at + 8].copy_from_slice(&hint_of(&cell[p..klen]).to_be_bytes());
    }
    put_u16(page, OFF_CONTENT_START, end as u16);
    set_count(page, cells.len() as u16);
    if !leaf {
        set_rightmost(page, rightmost);
    }
}

/// Space a list of cells needs in a node (cells plus slots).
pub(crate) fn cells_size(cells: &[(&[u8], usize)]) -> usize {
    cells.iter().map(|(c, _)| c.len() + SLOT_SIZE).sum()
}

/// The shortest separator `s` with `left < s <= right` (suffix
/// truncation): `right` cut just after its first byte that differs from
/// `left`.
pub(crate) fn separator<'r>(left: &[u8], right: &'r [u8]) -> &'r [u8] {
    let common = left.iter().zip(right).take_while(|(a, b)| a == b).count();
    &right[..(common + 1).min(right.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::varint::put_varint;
    use alloc::vec::Vec;

    /// Encodes a leaf cell's value part (after the key) into `out`.
    fn leaf_value_bytes(out: &mut Vec<u8>, value: &[u8]) {
        put_varint(out, (value.len() as u64) << 1);
        out.extend_from_slice(value);
    }

    #[test]
    fn separator_is_shortest_between() {
        assert_eq!(separator(b"abc", b"abd"), b"abd");
        assert_eq!(separator(b"abc", b"b"), b"b");
        assert_eq!(separator(b"ab", b"abzzz"), b"abz");
        assert_eq!(separator(b"", b"\x00"), b"\x00");
        assert_eq!(separator(b"apple", b"banana"), b"b");
    }

    #[test]
    fn hints_order_like_memcmp() {
        let keys: [&[u8]; 6] = [b"", b"\x00", b"a", b"a\x00\x00\x00\x01", b"ab", b"b"];
        for a in keys {
            for b in keys {
                if hint_of(a) != hint_of(b) {
                    assert_eq!(hint_of(a).cmp(&hint_of(b)), a.cmp(b), "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn insert_remove_defragment() {
        let usable = PAGE_SIZE;
        let mut page = crate::storage::page::zeroed_page();
        init_node(&mut page, 3, true, usable);
        let mut v = Vec::new();
        leaf_value_bytes(&mut v, b"value");
        for (i, k) in [b"b", b"d", b"f"].iter().enumerate() {
            assert!(insert_cell(&mut page, usable, i, &k[..], &[&v]));
        }
        assert!(insert_cell(&mut page, usable, 0, b"a", &[&v]));
        let node = Node::new(&page, 3, usable).unwrap();
        assert_eq!(node.n, 4);
        assert_eq!(node.search(b"d").unwrap(), Ok(2));
        assert_eq!(node.search(b"c").unwrap(), Err(2));
        let len = node.cell_len(1).unwrap();
        remove_cell(&mut page, 1, len);
        defragment(&mut page, usable);
        let node = Node::new(&page, 3, usable).unwrap();
        let keys: Vec<&[u8]> = (0..node.n).map(|i| node.key(i).unwrap()).collect();
        assert_eq!(keys, [&b"a"[..], b"d", b"f"]);
        match node.value(2).unwrap() {
            LeafValue::Inline(v) => assert_eq!(v, b"value"),
            LeafValue::Overflow { .. } => panic!("inline expected"),
        }
        assert_eq!(node.used() + node.free(), node.capacity());
    }

    #[test]
    fn prefix_shrinks_when_a_key_does_not_share_it() {
        let usable = PAGE_SIZE;
        let mut page = crate::storage::page::zeroed_page();
        init_node(&mut page, 3, true, usable);
        let mut v = Vec::new();
        leaf_value_bytes(&mut v, b"v");
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let add = |page: &mut [u8; PAGE_SIZE], k: &[u8], keys: &mut Vec<Vec<u8>>| {
            let node = Node::new(page, 3, usable).unwrap();
            let Err(i) = node.search(k).unwrap() else {
                panic!("{k:?} already there")
            };
            assert!(insert_cell(page, usable, i, k, &[&v]));
            keys.push(k.to_vec());
            keys.sort();
            let node = Node::new(page, 3, usable).unwrap();
            node.check_hints().unwrap();
            for (j, k) in keys.iter().enumerate() {
                assert_eq!(node.search(k).unwrap(), Ok(j), "{k:?}");
            }
        };
        for i in [5u64, 9, 7, 300, 1] {
            add(
                &mut page,
                &(i | 0x8000_0000_0000_0000).to_be_bytes(),
                &mut keys,
            );
        }
        assert_eq!(get_u16(&page[..], OFF_PREFIX), 6);
        for k in [
            &b"\x80"[..],
            b"\x7f\xff",
            b"\x80\0\0\0\0\0\x01\x2c\x00",
            b"\x81",
        ] {
            add(&mut page, k, &mut keys);
        }
        assert_eq!(get_u16(&page[..], OFF_PREFIX), 0);
        let node = Node::new(&page, 3, usable).unwrap();
        // Keys outside the node's range go to its ends.
        assert_eq!(node.search(b"\x00").unwrap(), Err(0));
        assert_eq!(node.search(b"\xff").unwrap(), Err(keys.len()));
    }

    #[test]
    fn keys_outside_the_prefix_go_to_the_ends() {
        let usable = PAGE_SIZE;
        let mut page = crate::storage::page::zeroed_page();
        let cells: Vec<Vec<u8>> = (10u32..20)
            .map(|i| {
                let mut c = b"tab".to_vec();
                c.extend_from_slice(&i.to_be_bytes());
                c.extend_from_slice(&7u32.to_le_bytes());
                c
            })
            .collect();
        let refs: Vec<(&[u8], usize)> = cells.iter().map(|c| (&c[..], 7)).collect();
        build_node(&mut page, 4, false, usable, &refs, 99);
        let node = Node::new(&page, 4, usable).unwrap();
        assert_eq!(node.plen, 6);
        node.check_hints().unwrap();
        assert_eq!(node.child_index(b"ta").unwrap(), 0);
        assert_eq!(node.child_index(b"tab").unwrap(), 0);
        assert_eq!(node.child_index(b"taa\xff\xff").unwrap(), 0);
        assert_eq!(node.child_index(b"tac").unwrap(), 10);
        assert_eq!(node.child_index(b"tab\0\0\0\x0c").unwrap(), 3);
        assert_eq!(node.child_index(b"tab\0\0\0\x0c\0").unwrap(), 3);
        assert_eq!(node.child_index(b"tab\0\0\0\x0b\xff").unwrap(), 2);
        assert_eq!(node.child_index(b"tab\0\0\0\x20").unwrap(), 10);
    }

    #[test]
    fn search_agrees_with_a_linear_scan() {
        // Evenly spread, clustered and skewed keys, so interpolation guesses
        // well, badly and wildly; short keys so lengths decide ties.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for shape in 0..6 {
            let mut keys: Vec<Vec<u8>> = (0..300u64)
                .map(|i| match shape {
                    0 => (i * 1000).to_be_bytes().to_vec(),
                    1 => (i * i * i).to_be_bytes().to_vec(),
                    2 => (if i < 290 { i } else { i << 40 }).to_be_bytes().to_vec(),
                    3 => {
                        let r = rnd();
                        r.to_be_bytes()[..(r % 7) as usize].to_vec()
                    }
                    4 => alloc::format!("user{}", rnd() % 100_000).into_bytes(),
                    _ => rnd().to_be_bytes().to_vec(),
                })
                .collect();
            keys.sort();
            keys.dedup();
            let mut cells: Vec<Vec<u8>> = Vec::new();
            let mut kept = Vec::new();
            for k in &keys {
                if cells_size(&cells.iter().map(|c| (&c[..], 0)).collect::<Vec<_>>()) + k.len() + 20
                    > PAGE_SIZE - NODE_HEADER_END
                {
                    break;
                }
                let mut c = k.clone();
                c.extend_from_slice(&9u32.to_le_bytes());
                cells.push(c);
                kept.push(k.clone());
            }
            let refs: Vec<(&[u8], usize)> = cells
                .iter()
                .zip(&kept)
                .map(|(c, k)| (&c[..], k.len()))
                .collect();
            let mut page = crate::storage::page::zeroed_page();
            build_node(&mut page, 5, false, PAGE_SIZE, &refs, 9);
            let node = Node::new(&page, 5, PAGE_SIZE).unwrap();
            let mut probes: Vec<Vec<u8>> = kept.clone();
            for k in &kept {
                let mut a = k.clone();
                a.push(0);
                probes.push(a);
                let mut b = k.clone();
                if let Some(l) = b.last_mut() {
                    *l = l.wrapping_sub(1);
                }
                probes.push(b);
            }
            probes.push(Vec::new());
            probes.push(alloc::vec![0xff; 9]);
            for q in &probes {
                let above = kept.iter().position(|k| k > q).unwrap_or(kept.len());
                assert_eq!(node.child_index(q).unwrap(), above, "shape {shape} {q:?}");
                let expect = match kept.iter().position(|k| k >= q) {
                    Some(i) if kept[i] == *q => Ok(i),
                    Some(i) => Err(i),
                    None => Err(kept.len()),
                };
                assert_eq!(node.search(q).unwrap(), expect, "shape {shape} {q:?}");
            }
        }
    }

    #[test]
    fn damaged_node_is_an_error() {
        let mut page = crate::storage::page::zeroed_page();
        init_node(&mut page, 7, true, PAGE_SIZE);
        set_count(&mut page, 5000);
        assert!(Node::new(&page, 7, PAGE_SIZE).is_err());
        set_count(&mut page, 1);
        put_u16(&mut page[..], NODE_HEADER_END, 16380);
        put_u16(&mut page[..], NODE_HEADER_END + 2, 100);
        let node = Node::new(&page, 7, PAGE_SIZE).unwrap();
        assert!(node.key(0).is_err());
        page[0] = 99;
        let e = Node::new(&page, 7, PAGE_SIZE).err().unwrap();
        assert!(e.message().contains("page 7"), "{e}");
    }
}
