//! Cursors: ordered walks over a tree in both directions.
//!
//! A cursor keeps its root-to-leaf path as page images (`PageRef`s) with the
//! index followed in each, so stepping to the next or previous entry is
//! usually one slot in the current leaf, and otherwise a climb and a
//! descent along the path — no sibling links needed, which keeps splits and
//! merges from touching neighbours.
//!
//! The images a cursor holds are immutable; if the tree changes (the
//! pager's change counter moves), the cursor's next step first re-seeks to
//! the key it was on, then steps from there. If that entry was deleted,
//! `next` lands on its successor (and `prev` on its predecessor), as a
//! reader of a changing table expects.
//!
//! Because the images are immutable, a leaf is checked once, when the
//! cursor enters it, and an entry's key and value are located once, when
//! the cursor moves onto it: `key` and `value` are then plain slices of the
//! held image, which is what makes a scan cheap per entry.

use alloc::vec::Vec;
use core::ops::Bound;

use super::node::{LeafValue, Node};
use super::{BTree, MAX_DEPTH, in_file, overflow, usable};
use crate::storage::page::PageNo;
use crate::storage::pager::{PageRef, Pager};
use crate::{Result, err};

/// A position in a tree; see the module documentation.
#[derive(Debug)]
pub struct Cursor {
    tree: BTree,
    /// Root to leaf: page image and the index followed (a slot in the leaf;
    /// a child index in interior nodes, `n` meaning the right-most child).
    stack: Vec<(PageRef, PageNo, usize)>,
    valid: bool,
    seq: u64,
    usable: usize,
    /// Slots of the leaf on top of the stack (checked when it was entered).
    leaf_n: usize,
    /// Where the current entry's key lies in the leaf image.
    key_at: (usize, usize),
    /// Where its value lies.
    val_at: ValueAt,
    /// Key saved for re-seeking after the tree changed.
    saved: Vec<u8>,
    /// Buffer for values read from overflow chains.
    buf: Vec<u8>,
}

enum Edge {
    First,
    Last,
}

/// A located value: a range of the leaf image, or an overflow chain.
#[derive(Clone, Copy, Debug)]
enum ValueAt {
    Inline(usize, usize),
    Overflow { first: PageNo, len: usize },
}

impl Cursor {
    pub(crate) fn new(tree: BTree) -> Cursor {
        Cursor {
            tree,
            stack: Vec::with_capacity(8),
            valid: false,
            seq: 0,
            usable: 0,
            leaf_n: 0,
            key_at: (0, 0),
            val_at: ValueAt::Inline(0, 0),
            saved: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Whether the cursor is on an entry.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    fn node_at(&self, level: usize) -> Result<Node<'_>> {
        let (page, no, _) = &self.stack[level];
        Node::new(page, *no, self.usable)
    }

    /// Locates the entry under the cursor, after a move that returned `on`.
    #[inline]
    fn entered(&mut self, on: bool) -> Result<bool> {
        if !on {
            return Ok(false);
        }
        let Some((page, no, i)) = self.stack.last() else {
            return Err(err!(Internal, "cursor on an entry without a path"));
        };
        let node = Node::checked(page, *no, self.leaf_n, self.usable);
        let base = page.as_ptr() as usize;
        let (key, value) = node.entry(*i)?;
        self.key_at = (key.as_ptr() as usize - base, key.len());
        self.val_at = match value {
            LeafValue::Inline(v) => ValueAt::Inline(v.as_ptr() as usize - base, v.len()),
            LeafValue::Overflow { len, first } => ValueAt::Overflow { first, len },
        };
        Ok(true)
    }

    /// The key under the cursor (empty if it is not on an entry).
    #[inline]
    pub fn key(&self) -> &[u8] {
        match self.stack.last() {
            Some((page, _, _)) if self.valid => {
                let (off, len) = self.key_at;
                page.get(off..off + len).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// The value under the cursor. Values in overflow chains are read into
    /// a buffer owned by the cursor.
    #[inline]
    pub fn value(&mut self, pager: &mut Pager) -> Result<&[u8]> {
        if self.valid
            && pager.change_seq() == self.seq
            && let ValueAt::Inline(off, len) = self.val_at
            && let Some(top) = self.stack.len().checked_sub(1)
        {
            return self.stack[top]
                .0
                .get(off..off + len)
                .ok_or_else(|| err!(Internal, "cursor value outside its page"));
        }
        self.value_inner(pager).map_err(|e| in_file(pager, e))
    }

    fn value_inner(&mut self, pager: &mut Pager) -> Result<&[u8]> {
        if !self.valid {
            return Err(err!(
                Misuse,
                "btree {}: cursor is not on an entry",
                self.tree.root()
            ));
        }
        if pager.change_seq() != self.seq && !self.restore(pager)? {
            return Err(err!(
                NotFound,
                "btree {}: the entry under the cursor was deleted",
                self.tree.root()
            ));
        }
        match self.val_at {
            ValueAt::Inline(off, len) => {
                let (page, _, _) = self
                    .stack
                    .last()
                    .ok_or_else(|| err!(Internal, "cursor on an entry without a path"))?;
                page.get(off..off + len)
                    .ok_or_else(|| err!(Internal, "cursor value outside its page"))
            }
            ValueAt::Overflow { first, len } => {
                self.buf.clear();
                overflow::read_chain(pager, self.usable, first, len, &mut self.buf)?;
                Ok(&self.buf)
            }
        }
    }

    fn start(&mut self, pager: &Pager) {
        self.stack.clear();
        self.valid = false;
        self.seq = pager.change_seq();
        self.usable = usable(pager);
    }

    /// Pushes the path from page `no` down to its first or last leaf entry.
    fn descend_edge(&mut self, pager: &mut Pager, mut no: PageNo, edge: Edge) -> Result<()> {
        loop {
            if self.stack.len() >= MAX_DEPTH {
                return Err(err!(
                    Corrupt,
                    "btree {}: deeper than {MAX_DEPTH} levels",
                    self.tree.root()
                ));
            }
            let page = pager.read(no)?;
            let node = Node::new(&page, no, self.usable)?;
            let (leaf, n) = (node.leaf, node.n);
            let idx = match edge {
                Edge::First => 0,
                Edge::Last if leaf => n.saturating_sub(1),
                Edge::Last => n,
            };
            let child = if leaf { 0 } else { node.child(idx)? };
            self.stack.push((page, no, idx));
            if leaf {
                self.leaf_n = n;
                return Ok(());
            }
            no = child;
        }
    }

    /// Moves to the first entry. Returns whether there is one.
    pub fn first(&mut self, pager: &mut Pager) -> Result<bool> {
        self.first_inner(pager)
            .and_then(|on| self.entered(on))
            .map_err(|e| in_file(pager, e))
    }

    fn first_inner(&mut self, pager: &mut Pager) -> Result<bool> {
        self.start(pager);
        self.descend_edge(pager, self.tree.root(), Edge::First)?;
        self.valid = true;
        self.settle_forward(pager)
    }

    /// Moves to the last entry. Returns whether there is one.
    pub fn last(&mut self, pager: &mut Pager) -> Result<bool> {
        self.last_inner(pager)
            .and_then(|on| self.entered(on))
            .map_err(|e| in_file(pager, e))
    }

    fn last_inner(&mut self, pager: &mut Pager) -> Result<bool> {
        self.start(pager);
        self.descend_edge(pager, self.tree.root(), Edge::Last)?;
        self.valid = true;
        self.settle_backward(pager)
    }

    /// Moves to the first entry with a key at or after `key`. Returns
    /// whether there is one.
    pub fn seek(&mut self, pager: &mut Pager, key: &[u8]) -> Result<bool> {
        self.seek_inner(pager, key)
            .and_then(|on| self.entered(on))
            .map_err(|e| in_file(pager, e))
    }

    fn seek_inner(&mut self, pager: &mut Pager, key: &[u8]) -> Result<bool> {
        self.start(pager);
        let mut no = self.tree.root();
        loop {
            if self.stack.len() >= MAX_DEPTH {
                return Err(err!(
                    Corrupt,
                    "btree {}: deeper than {MAX_DEPTH} levels",
                    self.tree.root()
                ));
            }
            let page = pager.read(no)?;
            let node = Node::new(&page, no, self.usable)?;
            if node.leaf {
                let i = match node.search(key)? {
                    Ok(i) | Err(i) => i,
                };
                self.leaf_n = node.n;
                self.stack.push((page, no, i));
                break;
            }
            let idx = node.child_index(key)?;
            let child = node.child(idx)?;
            self.stack.push((page, no, idx));
            no = child;
        }
        self.valid = true;
        self.settle_forward(pager)
    }

    /// Moves to the last entry with a key before `key` (or at it, when
    /// `inclusive`). Returns whether there is one.
    pub fn seek_back(&mut self, pager: &mut Pager, key: &[u8], inclusive: bool) -> Result<bool> {
        self.seek_back_inner(pager, key, inclusive)
            .and_then(|on| self.entered(on))
            .map_err(|e| in_file(pager, e))
    }

    fn seek_back_inner(&mut self, pager: &mut Pager, key: &[u8], inclusive: bool) -> Result<bool> {
        if !self.seek(pager, key)? {
            return self.last(pager);
        }
        if inclusive && self.key() == key {
            return Ok(true);
        }
        self.step_back(pager)
    }

    /// If the leaf index is past the leaf's end (or the leaf is empty),
    /// moves on to the next entry; else stays.
    fn settle_forward(&mut self, pager: &mut Pager) -> Result<bool> {
        if self.leaf_index() < self.leaf_n {
            return Ok(true);
        }
        self.climb_forward(pager)
    }

    fn settle_backward(&mut self, pager: &mut Pager) -> Result<bool> {
        if self.leaf_index() < self.leaf_n {
            return Ok(true);
        }
        self.climb_backward(pager)
    }

    fn leaf_index(&self) -> usize {
        self.stack.last().map_or(0, |e| e.2)
    }

    /// Leaves the current leaf for the first entry of the next non-empty
    /// leaf.
    fn climb_forward(&mut self, pager: &mut Pager) -> Result<bool> {
        loop {
            self.stack.pop();
            let next = loop {
                let Some(level) = self.stack.len().checked_sub(1) else {
                    self.valid = false;
                    return Ok(false);
                };
                let node = self.node_at(level)?;
                let idx = self.stack[level].2;
                if idx < node.n {
                    let child = node.child(idx + 1)?;
                    self.stack[level].2 = idx + 1;
                    break child;
                }
                self.stack.pop();
            };
            self.descend_edge(pager, next, Edge::First)?;
            if self.leaf_n > 0 {
                return Ok(true);
            }
        }
    }

    fn climb_backward(&mut self, pager: &mut Pager) -> Result<bool> {
        loop {
            self.stack.pop();
            let prev = loop {
                let Some(level) = self.stack.len().checked_sub(1) else {
                    self.valid = false;
                    return Ok(false);
                };
                let node = self.node_at(level)?;
                let idx = self.stack[level].2;
                if idx > 0 {
                    let child = node.child(idx - 1)?;
                    self.stack[level].2 = idx - 1;
                    break child;
                }
                self.stack.pop();
            };
            self.descend_edge(pager, prev, Edge::Last)?;
            if self.leaf_n > 0 {
                return Ok(true);
            }
        }
    }

    /// Re-seeks to the saved position after the tree changed. Returns
    /// whether the key the cursor was on still exists.
    fn restore(&mut self, pager: &mut Pager) -> Result<bool> {
        let mut saved = core::mem::take(&mut self.saved);
        saved.clear();
        saved.extend_from_slice(self.key());
        let found = self.seek(pager, &saved)?;
        let exact = found && self.key() == &saved[..];
        self.saved = saved;
        Ok(exact)
    }

    /// Moves to the next entry. Returns whether there is one.
    #[inline]
    pub fn next(&mut self, pager: &mut Pager) -> Result<bool> {
        // The step a scan takes for all but one entry per leaf.
        if self.valid
            && pager.change_seq() == self.seq
            && let Some(top) = self.stack.last_mut()
            && top.2 + 1 < self.leaf_n
        {
            top.2 += 1;
            return self.entered(true).map_err(|e| in_file(pager, e));
        }
        self.next_inner(pager)
            .and_then(|on| self.entered(on))
            .map_err(|e| in_file(pager, e))
    }

    fn next_inner(&mut self, pager: &mut Pager) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        if pager.change_seq() != self.seq {
            let exact = self.restore(pager)?;
            if !self.valid || !exact {
                return Ok(self.valid);
            }
        }
        if let Some(top) = self.stack.last_mut()
            && top.2 + 1 < self.leaf_n
        {
            top.2 += 1;
            return Ok(true);
        }
        self.climb_forward(pager)
    }

    /// Moves to the previous entry. Returns whether there is one.
    pub fn prev(&mut self, pager: &mut Pager) -> Result<bool> {
        self.prev_inner(pager)
            .and_then(|on| self.entered(on))
            .map_err(|e| in_file(pager, e))
    }

    fn prev_inner(&mut self, pager: &mut Pager) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        if pager.change_seq() != self.seq {
            self.restore(pager)?;
            if !self.valid {
                // Everything from the saved key on was deleted.
                return self.last(pager);
            }
        }
        self.step_back(pager)
    }

    fn step_back(&mut self, pager: &mut Pager) -> Result<bool> {
        if let Some(top) = self.stack.last_mut()
            && top.2 > 0
        {
            top.2 -= 1;
            return Ok(true);
        }
        self.climb_backward(pager)
    }
}

/// Entries between two bounds, walked forwards or backwards.
///
/// A lending iterator: [`Range::advance`] moves to the next entry in range
/// and the entry is read with [`Range::key`] and [`Range::value`].
#[derive(Debug)]
pub struct Range {
    cursor: Cursor,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    started: bool,
    done: bool,
}

fn owned(b: Bound<&[u8]>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Range {
    pub(crate) fn new(
        tree: BTree,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> Range {
        Range {
            cursor: Cursor::new(tree),
            lower: owned(lower),
            upper: owned(upper),
            reverse,
            started: false,
            done: false,
        }
    }

    /// Whether the entry under the cursor is still inside the range. A
    /// forward walk starts at the lower bound and only moves up, so only
    /// the upper bound can end it (and the lower one a backward walk).
    #[inline]
    fn in_range(&self) -> bool {
        let k = self.cursor.key();
        if self.reverse {
            match &self.lower {
                Bound::Included(l) => k >= &l[..],
                Bound::Excluded(l) => k > &l[..],
                Bound::Unbounded => true,
            }
        } else {
            match &self.upper {
                Bound::Included(u) => k <= &u[..],
                Bound::Excluded(u) => k < &u[..],
                Bound::Unbounded => true,
            }
        }
    }

    /// Moves to the next entry in range (the first one on the first call).
    /// Returns false when the range is exhausted.
    #[inline]
    pub fn advance(&mut self, pager: &mut Pager) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let on = if !self.started {
            self.start(pager)?
        } else if self.reverse {
            self.cursor.prev(pager)?
        } else {
            self.cursor.next(pager)?
        };
        if !on || !self.in_range() {
            self.done = true;
            return Ok(false);
        }
        Ok(true)
    }

    /// Positions the cursor on the first entry of the walk.
    fn start(&mut self, pager: &mut Pager) -> Result<bool> {
        self.started = true;
        let c = &mut self.cursor;
        if self.reverse {
            match &self.upper {
                Bound::Included(k) => c.seek_back(pager, k, true),
                Bound::Excluded(k) => c.seek_back(pager, k, false),
                Bound::Unbounded => c.last(pager),
            }
        } else {
            match &self.lower {
                Bound::Included(k) => c.seek(pager, k),
                Bound::Excluded(k) => {
                    let on = c.seek(pager, k)?;
                    if on && c.key() == &k[..] {
                        c.next(pager)
                    } else {
                        Ok(on)
                    }
                }
                Bound::Unbounded => c.first(pager),
            }
        }
    }

    /// The key of the current entry.
    #[inline]
    pub fn key(&self) -> &[u8] {
        self.cursor.key()
    }

    /// The value of the current entry.
    #[inline]
    pub fn value(&mut self, pager: &mut Pager) -> Result<&[u8]> {
        self.cursor.value(pager)
    }

    /// Collects the remaining entries (for tests and small ranges).
    pub fn collect(mut self, pager: &mut Pager) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        while self.advance(pager)? {
            let k = self.key().to_vec();
            out.push((k, self.value(pager)?.to_vec()));
        }
        Ok(out)
    }
}
