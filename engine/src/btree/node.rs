//! Node layout: slotted 16 KiB pages for leaves and interior nodes.
//!
//! ```text
//! offset        size  field
//!      0          16  page header (type Leaf or Interior; count = slots;
//!                     link = right-most child of an interior node, 0 in a
//!                     leaf)
//!     16           2  content_start: offset of the lowest cell byte
//!     18           2  frag: bytes of dead cells inside the content area
//!     20           4  reserved (0)
//!     24     8 × n    slot array, in key order; slot i:
//!                       +0 u16 cell offset
//!                       +2 u16 key length
//!                       +4 [4] key prefix hint: the key's first 4 bytes,
//!                          zero-padded
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
//! The prefix hint lets a binary search decide most comparisons from the
//! slot array alone, without touching the cells: hints compare as
//! big-endian integers exactly like the first four key bytes compare under
//! memcmp, and only equal hints need the full keys.
//!
//! Every accessor checks what it reads against the page bounds, so a
//! damaged page gives a `Corrupt` error naming the page, never a panic.

use core::cmp::Ordering;

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

/// The 4-byte prefix hint of a key, as a big-endian integer.
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
        Ok(Node {
            page,
            no,
            n,
            leaf,
            usable,
        })
    }

    #[inline]
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
    pub fn value(&self, i: usize) -> Result<LeafValue<'a>> {
        let rest = self.after_key(i)?;
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
            if used + len > rest.len() {
                return Err(err!(
                    Corrupt,
                    "btree page {}: value of slot {i} ({len} bytes) runs past the page",
                    self.no
                ));
            }
            Ok(LeafValue::Inline(&rest[used..used + len]))
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

    /// Compares slot `i`'s key with `key` (whose hint is `hint`).
    #[inline]
    fn cmp_slot(&self, i: usize, key: &[u8], hint: u32) -> Result<Ordering> {
        let (_, _, h) = self.slot(i);
        match h.cmp(&hint) {
            Ordering::Equal => Ok(self.key(i)?.cmp(key)),
            o => Ok(o),
        }
    }

    /// Leaf search: `Ok(i)` if slot `i` holds `key`, `Err(i)` where it
    /// would be inserted.
    pub fn search(&self, key: &[u8]) -> Result<core::result::Result<usize, usize>> {
        let hint = hint_of(key);
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.cmp_slot(mid, key, hint)? {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(Ok(mid)),
            }
        }
        Ok(Err(lo))
    }

    /// Interior search: the index of the child to follow for `key` (the
    /// first separator greater than `key`; `n` for the right-most child).
    pub fn child_index(&self, key: &[u8]) -> Result<usize> {
        let hint = hint_of(key);
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.cmp_slot(mid, key, hint)? == Ordering::Greater {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(lo)
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
    put_u32(page, OFF_FRAG + 2, 0);
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
    page[at + 4..at + 8].copy_from_slice(&hint_of(key).to_be_bytes());
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

/// Builds node `no` from scratch in `page` from `cells` (each the full cell
/// bytes and its key length). The caller guarantees they fit.
pub(crate) fn build_node(
    page: &mut [u8; PAGE_SIZE],
    no: PageNo,
    leaf: bool,
    usable: usize,
    cells: &[(&[u8], usize)],
    rightmost: PageNo,
) {
    page.fill(0);
    init_node(page, no, leaf, usable);
    let mut end = usable;
    for (i, &(cell, klen)) in cells.iter().enumerate() {
        end -= cell.len();
        page[end..end + cell.len()].copy_from_slice(cell);
        let at = NODE_HEADER_END + i * SLOT_SIZE;
        put_u16(page, at, end as u16);
        put_u16(page, at + 2, klen as u16);
        page[at + 4..at + 8].copy_from_slice(&hint_of(&cell[..klen]).to_be_bytes());
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
