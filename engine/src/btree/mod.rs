//! B+trees over pager pages: every table and index of a database is one.
//!
//! A tree is named by its root page, which never moves: when the root
//! splits, its content moves to a new child and the root becomes an interior
//! node above it ("balance deeper", as SQLite does), and when the root is
//! left with a single child, the child's content moves up into it. So the
//! catalog can store root page numbers once.
//!
//! Keys and values are byte strings. Keys compare with memcmp (the
//! `encoding` module makes SQL values sort that way). Values are opaque.
//!
//! # Layout
//!
//! Leaves hold keys and values; interior nodes hold separators and child
//! pointers. Nodes are slotted pages ([`node`] draws the layout) with a
//! 4-byte key hint per slot — the key bytes right after the prefix all keys
//! of the node share — so binary search mostly stays in the slot array. Separators are suffix-truncated: when a node splits, the
//! separator pushed up is the shortest prefix of the right half's first key
//! that is still greater than the left half's last key, which keeps interior
//! nodes wide and trees shallow.
//!
//! Values whose cell would exceed [`MAX_INLINE_CELL`] bytes are stored whole
//! in a chain of overflow pages ([`overflow`]). Keys are limited to
//! [`MAX_KEY_LEN`] bytes so that every node holds at least four cells.
//!
//! # Insert
//!
//! Descend, remembering the path as (page, child index) pairs — page
//! numbers, not page images, so the leaf can be written in place without a
//! copy. If the cell fits in the leaf, done. Otherwise the leaf splits: into
//! halves by bytes, except that an insert at the right end of a leaf keeps
//! the old leaf full and starts a new one (and at the left end the
//! mirror), so sequential inserts fill pages completely. The separator goes
//! into the parent, which may split in turn, up to the root.
//!
//! # Delete and space
//!
//! A delete removes the cell (and frees its overflow chain). When a node
//! falls below a quarter full it merges with an adjacent sibling if their
//! cells fit in one page: the right one's cells move into the left, the
//! right page goes back to the pager's free list and the separator leaves
//! the parent, which is checked in turn. An empty leaf always merges. So
//! freed pages always return to the free list, and every node under a
//! quarter full has a sibling over three quarters full (otherwise they would
//! have merged): the pair averages more than half full.
//!
//! # Cursors
//!
//! [`Cursor`] walks a tree in either direction from any key. It holds the
//! page images of its path (`Arc`s, cheap to hold, immune to later writes)
//! and the pager's change counter from when it positioned itself; if the
//! tree changes under it, its next move re-seeks from the key it was on.

mod cursor;
pub(crate) mod node;
mod overflow;

pub use cursor::{Cursor, Range};

use alloc::vec::Vec;
use core::ops::Bound;

use node::{LeafValue, Node};

use crate::storage::page::{PAGE_SIZE, PageHeader, PageNo, PageType, set_page_no, zeroed_page};
use crate::storage::pager::Pager;
use crate::{Error, ErrorKind, Result, err};

/// Longest key a tree accepts, in bytes.
pub const MAX_KEY_LEN: usize = 2048;
/// Longest value a tree accepts, in bytes (1 GiB, SQLite's default limit).
pub const MAX_VALUE_LEN: usize = 1 << 30;
/// Largest leaf cell (key, length, value) stored inline; larger values go to
/// overflow pages.
pub const MAX_INLINE_CELL: usize = 4000;
/// Deepest tree the code follows before declaring a cycle.
pub(crate) const MAX_DEPTH: usize = 24;

/// Root-to-leaf path: (interior page, index of the child followed).
type Path = [(PageNo, usize); MAX_DEPTH];

/// What a split returns: the separator, the left and right pages, and the
/// parent slot the separator goes to.
type Split = (Vec<u8>, PageNo, PageNo, (PageNo, usize));

/// A node still to check: page, depth, inclusive lower and exclusive upper
/// key bound.
type CheckFrame = (PageNo, usize, Option<Vec<u8>>, Option<Vec<u8>>);

/// A B+tree, named by its root page. Cheap to copy; all state is in pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BTree {
    root: PageNo,
}

/// What [`BTree::check`] found in a sound tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeStats {
    /// Number of entries.
    pub entries: u64,
    /// Depth (1 for a single leaf).
    pub depth: usize,
    /// Every page the tree uses: nodes and overflow pages.
    pub pages: Vec<PageNo>,
}

pub(crate) fn usable(pager: &Pager) -> usize {
    PAGE_SIZE - pager.header().reserved_tail as usize
}

/// Names the file in a corruption error that does not already.
pub(crate) fn in_file(pager: &Pager, e: Error) -> Error {
    if e.kind() == ErrorKind::Corrupt && !e.message().contains(pager.file_name()) {
        let name = alloc::string::String::from(pager.file_name());
        e.context(name)
    } else {
        e
    }
}

/// Encodes `v` as LEB128 into `buf`, returning the length.
fn varint_into(buf: &mut [u8; 10], mut v: u64) -> usize {
    let mut i = 0;
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            buf[i] = b;
            return i + 1;
        }
        buf[i] = b | 0x80;
        i += 1;
    }
}

impl BTree {
    /// Creates an empty tree (one empty leaf) and returns it.
    pub fn create(pager: &mut Pager) -> Result<BTree> {
        let usable = usable(pager);
        let root = pager.allocate(PageType::Leaf)?;
        node::init_node(pager.write(root)?, root, true, usable);
        Ok(BTree { root })
    }

    /// The tree whose root is page `root` (as stored in a catalog).
    pub fn open(root: PageNo) -> BTree {
        BTree { root }
    }

    /// The root page number.
    pub fn root(&self) -> PageNo {
        self.root
    }

    /// A cursor over this tree, not yet positioned.
    pub fn cursor(&self) -> Cursor {
        Cursor::new(*self)
    }

    /// Entries with keys within the bounds, in ascending order (or
    /// descending when `reverse`).
    pub fn range(&self, lower: Bound<&[u8]>, upper: Bound<&[u8]>, reverse: bool) -> Range {
        Range::new(*self, lower, upper, reverse)
    }

    fn node<'a>(&self, page: &'a [u8; PAGE_SIZE], no: PageNo, usable: usize) -> Result<Node<'a>> {
        Node::new(page, no, usable).map_err(|e| e.context(alloc::format!("btree {}", self.root)))
    }

    /// Descends to the leaf for `key`, filling `path`; returns the depth of
    /// the leaf (entries used in `path`), its page number, and how many
    /// leading bytes `key` shares with every key of the leaf (see
    /// [`Node::descend`]). Pages are borrowed from the cache one at a
    /// time, not shared.
    fn descend(
        &self,
        pager: &mut Pager,
        key: &[u8],
        path: &mut Path,
    ) -> Result<(usize, PageNo, usize)> {
        let usable = usable(pager);
        let mut no = self.root;
        let mut shared = 0;
        for (depth, slot) in path.iter_mut().enumerate() {
            let page = pager.page(no)?;
            let node = self.node(page, no, usable)?;
            if node.leaf {
                return Ok((depth, no, shared));
            }
            let (idx, child, below) = node.descend(key, shared)?;
            *slot = (no, idx);
            no = child;
            shared = below;
        }
        Err(err!(
            Corrupt,
            "btree {}: deeper than {MAX_DEPTH} levels (a cycle?)",
            self.root
        ))
    }

    /// Looks `key` up and calls `f` with its value.
    #[inline]
    pub fn get_with<R>(
        &self,
        pager: &mut Pager,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>> {
        self.get_with_inner(pager, key, f)
            .map_err(|e| in_file(pager, e))
    }

    fn get_with_inner<R>(
        &self,
        pager: &mut Pager,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>> {
        let mut path = [(0, 0); MAX_DEPTH];
        let (_, no, shared) = self.descend(pager, key, &mut path)?;
        let usable = usable(pager);
        let (len, first) = {
            let page = pager.page(no)?;
            let node = self.node(page, no, usable)?;
            let (i, true, _) = node.locate(key, shared, false)? else {
                return Ok(None);
            };
            match node.value(i)? {
                LeafValue::Inline(v) => return Ok(Some(f(v))),
                LeafValue::Overflow { len, first } => (len, first),
            }
        };
        let mut buf = Vec::new();
        overflow::read_chain(pager, usable, first, len, &mut buf)?;
        Ok(Some(f(&buf)))
    }

    /// The value stored under `key`, copied.
    pub fn get(&self, pager: &mut Pager, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get_with(pager, key, |v| v.to_vec())
    }

    /// Stores `value` under `key`, replacing any previous value. Returns
    /// whether a value was replaced. Needs an open transaction.
    pub fn insert(&self, pager: &mut Pager, key: &[u8], value: &[u8]) -> Result<bool> {
        self.insert_inner(pager, key, value, true)
            .map_err(|e| in_file(pager, e))
    }

    /// Stores `value` under `key` unless the key is already there. Returns
    /// whether it stored it; when it did not, nothing was written (a caller
    /// can report a duplicate key without undoing anything). One descent
    /// where a lookup followed by [`BTree::insert`] takes two.
    pub fn insert_new(&self, pager: &mut Pager, key: &[u8], value: &[u8]) -> Result<bool> {
        self.insert_inner(pager, key, value, false)
            .map(|replaced| !replaced)
            .map_err(|e| in_file(pager, e))
    }

    /// Inserts or (with `replace`) replaces; returns whether the key was
    /// there.
    fn insert_inner(
        &self,
        pager: &mut Pager,
        key: &[u8],
        value: &[u8],
        replace: bool,
    ) -> Result<bool> {
        if key.len() > MAX_KEY_LEN {
            return Err(Error::new(
                ErrorKind::TooBig,
                alloc::format!(
                    "insert into btree {}: key of {} bytes (at most {MAX_KEY_LEN})",
                    self.root,
                    key.len()
                ),
            ));
        }
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::new(
                ErrorKind::TooBig,
                alloc::format!(
                    "insert into btree {}: value of {} bytes (at most {MAX_VALUE_LEN})",
                    self.root,
                    value.len()
                ),
            ));
        }
        if !pager.in_transaction() {
            return Err(Error::misuse(alloc::format!(
                "insert into btree {}: no transaction is open",
                self.root
            )));
        }
        let usable = usable(pager);
        let mut path = [(0, 0); MAX_DEPTH];
        let (depth, leaf, shared) = self.descend(pager, key, &mut path)?;
        if !replace {
            let page = pager.page(leaf)?;
            if self.node(page, leaf, usable)?.locate(key, shared, false)?.1 {
                return Ok(true);
            }
        }
        let inline = key.len() + 10 + value.len() <= MAX_INLINE_CELL;
        let mut head = [0u8; 10];
        let head_len = varint_into(&mut head, ((value.len() as u64) << 1) | u64::from(!inline));
        // The leaf changes whatever happens next, so it is taken writable
        // straight away: one cache lookup for both the search and the
        // change.
        let (pos, replaced, old_chain) = {
            let page = pager.write(leaf)?;
            let node = self.node(page, leaf, usable)?;
            let (i, found, shares) = node.locate(key, shared, false)?;
            match if found { Ok(i) } else { Err(i) } {
                Ok(i) => {
                    let old_len = node.cell_len(i)?;
                    match node.value(i)? {
                        // Same-size inline value: overwrite in place.
                        LeafValue::Inline(v) if inline && v.len() == value.len() => {
                            let at = v.as_ptr() as usize - page.as_ptr() as usize;
                            page[at..at + value.len()].copy_from_slice(value);
                            return Ok(true);
                        }
                        LeafValue::Inline(_) => {
                            node::remove_cell(page, i, old_len);
                            (i, true, None)
                        }
                        LeafValue::Overflow { len, first } => {
                            node::remove_cell(page, i, old_len);
                            (i, true, Some((first, len)))
                        }
                    }
                }
                Err(i) => {
                    let cell = [&head[..head_len], value];
                    if inline && node::insert_cell_sharing(page, usable, i, key, &cell, shares) {
                        return Ok(false);
                    }
                    (i, false, None)
                }
            }
        };
        if let Some((first, len)) = old_chain {
            overflow::free_chain(pager, usable, first, len)?;
        }
        let chain: [u8; 4];
        let rest: [&[u8]; 2] = if inline {
            [&head[..head_len], value]
        } else {
            chain = overflow::write_chain(pager, usable, value)?.to_le_bytes();
            [&head[..head_len], &chain]
        };
        if !node::insert_cell(pager.write(leaf)?, usable, pos, key, &rest) {
            let mut cell = Vec::with_capacity(key.len() + rest[0].len() + rest[1].len());
            cell.extend_from_slice(key);
            cell.extend_from_slice(rest[0]);
            cell.extend_from_slice(rest[1]);
            self.split_and_insert(pager, &path, depth, leaf, pos, &cell, key.len())?;
        }
        Ok(replaced)
    }

    /// Inserts `cell` at slot `pos` of node `no` (which is full) by
    /// splitting it, then pushes separators up the `path` as far as needed.
    #[allow(clippy::too_many_arguments)]
    fn split_and_insert(
        &self,
        pager: &mut Pager,
        path: &Path,
        depth: usize,
        no: PageNo,
        pos: usize,
        cell: &[u8],
        klen: usize,
    ) -> Result<()> {
        let usable = usable(pager);
        let mut up = depth; // path[up - 1] is the parent of the node splitting
        let parent = (up > 0).then(|| path[up - 1]);
        let (mut sep, mut left, mut right, mut parent) =
            self.split(pager, no, parent, pos, cell, klen)?;
        loop {
            let (pno, idx) = parent;
            let child = left.to_le_bytes();
            let page = pager.write(pno)?;
            // Slot idx pointed at the node that split; it now gets the
            // right half, and the new separator cell points at the left.
            node::set_child(page, idx, right);
            if node::insert_cell(page, usable, idx, &sep, &[&child]) {
                return Ok(());
            }
            let mut new_cell = sep.clone();
            new_cell.extend_from_slice(&child);
            let grand = if pno == self.root {
                None
            } else {
                up -= 1;
                if up == 0 {
                    return Err(err!(
                        Corrupt,
                        "btree {}: path lost its root while splitting",
                        self.root
                    ));
                }
                Some(path[up - 1])
            };
            (sep, left, right, parent) =
                self.split(pager, pno, grand, idx, &new_cell, sep.len())?;
        }
    }

    /// Moves the root's content to a new child and makes the root an empty
    /// interior node above it; returns the child.
    fn deepen(&self, pager: &mut Pager) -> Result<PageNo> {
        let usable = usable(pager);
        let image = pager.read(self.root)?;
        let ty = if image.page_type() == Some(PageType::Leaf) {
            PageType::Leaf
        } else {
            PageType::Interior
        };
        let child = pager.allocate(ty)?;
        let page = pager.write(child)?;
        page.copy_from_slice(&image[..]);
        set_page_no(page, child);
        drop(image);
        let root = pager.write(self.root)?;
        node::init_node(root, self.root, false, usable);
        node::set_rightmost(root, child);
        Ok(child)
    }

    /// Splits node `no` while inserting `cell` at `pos`: the lower half stays
    /// in `no`, the upper half goes to a new page. Returns the separator,
    /// the left and right pages, and the parent slot to insert it at (the
    /// root if the root itself split).
    fn split(
        &self,
        pager: &mut Pager,
        no: PageNo,
        parent: Option<(PageNo, usize)>,
        pos: usize,
        cell: &[u8],
        klen: usize,
    ) -> Result<Split> {
        let usable = usable(pager);
        let (no, parent) = match parent {
            Some(p) => (no, p),
            None => (self.deepen(pager)?, (self.root, 0)),
        };
        let old = pager.read(no)?;
        let node = self.node(&old, no, usable)?;
        let mut cells: Vec<(&[u8], usize)> = Vec::with_capacity(node.n + 1);
        for j in 0..node.n {
            cells.push((node.cell(j)?, node.key(j)?.len()));
        }
        if pos > cells.len() {
            return Err(err!(
                Corrupt,
                "btree {}: split of page {no} at slot {pos} past its end",
                self.root
            ));
        }
        cells.insert(pos, (cell, klen));
        let n = cells.len();
        let total = node::cells_size(&cells);
        let balanced = {
            let mut acc = 0;
            let mut k = 0;
            while k < n && acc < total / 2 {
                acc += cells[k].0.len() + node::SLOT_SIZE;
                k += 1;
            }
            k
        };
        let mut left_buf = zeroed_page();
        let right = if node.leaf {
            let k = if pos == n - 1 {
                n - 1
            } else if pos == 0 {
                1
            } else {
                balanced.clamp(1, n - 1)
            };
            let (l, r) = cells.split_at(k);
            let sep = node::separator(&l[k - 1].0[..l[k - 1].1], &r[0].0[..r[0].1]).to_vec();
            let right = pager.allocate(PageType::Leaf)?;
            node::build_node(pager.write(right)?, right, true, usable, r, 0);
            node::build_node(&mut left_buf, no, true, usable, l, 0);
            (sep, right)
        } else {
            let rightmost = node.child(node.n)?;
            let m = if pos == n - 1 && n >= 3 {
                n - 2
            } else {
                balanced.saturating_sub(1).min(n - 1)
            };
            let (mid_cell, mid_klen) = cells[m];
            if mid_cell.len() < mid_klen + 4 {
                return Err(err!(
                    Corrupt,
                    "btree {}: interior cell too short in page {no}",
                    self.root
                ));
            }
            let mid_child = crate::storage::page::get_u32(mid_cell, mid_klen);
            let sep = mid_cell[..mid_klen].to_vec();
            let right = pager.allocate(PageType::Interior)?;
            node::build_node(
                pager.write(right)?,
                right,
                false,
                usable,
                &cells[m + 1..],
                rightmost,
            );
            node::build_node(&mut left_buf, no, false, usable, &cells[..m], mid_child);
            (sep, right)
        };
        drop(cells);
        drop(old);
        pager.write(no)?.copy_from_slice(&left_buf[..]);
        Ok((right.0, no, right.1, parent))
    }

    /// Removes `key`. Returns whether it was there. Needs an open
    /// transaction.
    pub fn delete(&self, pager: &mut Pager, key: &[u8]) -> Result<bool> {
        self.delete_inner(pager, key).map_err(|e| in_file(pager, e))
    }

    fn delete_inner(&self, pager: &mut Pager, key: &[u8]) -> Result<bool> {
        if !pager.in_transaction() {
            return Err(Error::misuse(alloc::format!(
                "delete from btree {}: no transaction is open",
                self.root
            )));
        }
        let usable = usable(pager);
        let mut path = [(0, 0); MAX_DEPTH];
        let (depth, leaf, shared) = self.descend(pager, key, &mut path)?;
        let page = pager.page(leaf)?;
        let node = self.node(page, leaf, usable)?;
        let (i, true, _) = node.locate(key, shared, false)? else {
            return Ok(false);
        };
        let chain = match node.value(i)? {
            LeafValue::Overflow { len, first } => Some((first, len)),
            LeafValue::Inline(_) => None,
        };
        let len = node.cell_len(i)?;
        if let Some((first, len)) = chain {
            overflow::free_chain(pager, usable, first, len)?;
        }
        node::remove_cell(pager.write(leaf)?, i, len);
        self.rebalance(pager, &path, depth, leaf)?;
        Ok(true)
    }

    /// After a delete in node `no` (at `depth` on `path`): merges
    /// under-full nodes with a sibling, up the path, and shrinks the root.
    fn rebalance(
        &self,
        pager: &mut Pager,
        path: &Path,
        mut depth: usize,
        mut no: PageNo,
    ) -> Result<()> {
        let usable = usable(pager);
        while no != self.root {
            let image = pager.read(no)?;
            let n = self.node(&image, no, usable)?;
            if n.used() >= n.capacity() / 4 {
                return Ok(());
            }
            drop(image);
            let (pno, idx) = path[depth - 1];
            let parent = pager.read(pno)?;
            let pn = self.node(&parent, pno, usable)?;
            let li = if idx > 0 {
                idx - 1
            } else if pn.n > 0 {
                idx
            } else {
                return Ok(()); // an only child: nothing to merge with
            };
            let (lno, rno) = (pn.child(li)?, pn.child(li + 1)?);
            let sep = pn.key(li)?.to_vec();
            drop(parent);
            let (limg, rimg) = (pager.read(lno)?, pager.read(rno)?);
            let (ln, rn) = (
                self.node(&limg, lno, usable)?,
                self.node(&rimg, rno, usable)?,
            );
            if ln.leaf != rn.leaf {
                return Err(err!(
                    Corrupt,
                    "btree {}: siblings {lno} and {rno} are at different depths",
                    self.root
                ));
            }
            let mut cells: Vec<(&[u8], usize)> = Vec::with_capacity(ln.n + rn.n + 1);
            for j in 0..ln.n {
                cells.push((ln.cell(j)?, ln.key(j)?.len()));
            }
            let mut sep_cell = Vec::new();
            if !ln.leaf {
                sep_cell.extend_from_slice(&sep);
                sep_cell.extend_from_slice(&ln.child(ln.n)?.to_le_bytes());
            }
            let mut all = cells;
            if !ln.leaf {
                all.push((&sep_cell, sep.len()));
            }
            for j in 0..rn.n {
                all.push((rn.cell(j)?, rn.key(j)?.len()));
            }
            if node::cells_size(&all) > ln.capacity() {
                return Ok(()); // the sibling is full enough: leave both
            }
            let rightmost = if ln.leaf { 0 } else { rn.child(rn.n)? };
            let mut merged = zeroed_page();
            node::build_node(&mut merged, lno, ln.leaf, usable, &all, rightmost);
            drop(all);
            drop((limg, rimg));
            pager.write(lno)?.copy_from_slice(&merged[..]);
            pager.free(rno)?;
            let page = pager.write(pno)?;
            let cell_len = sep.len() + 4;
            node::remove_cell(page, li, cell_len);
            node::set_child(page, li, lno);
            no = pno;
            depth -= 1;
        }
        self.shrink_root(pager)
    }

    /// While the root is an interior node with a single child, moves the
    /// child's content up into the root.
    fn shrink_root(&self, pager: &mut Pager) -> Result<()> {
        let usable = usable(pager);
        for _ in 0..MAX_DEPTH {
            let image = pager.read(self.root)?;
            let n = self.node(&image, self.root, usable)?;
            if n.leaf || n.n > 0 {
                return Ok(());
            }
            let child = n.child(0)?;
            drop(image);
            let cimg = pager.read(child)?;
            self.node(&cimg, child, usable)?;
            let root = pager.write(self.root)?;
            root.copy_from_slice(&cimg[..]);
            set_page_no(root, self.root);
            drop(cimg);
            pager.free(child)?;
        }
        Err(err!(
            Corrupt,
            "btree {}: root chain deeper than {MAX_DEPTH}",
            self.root
        ))
    }

    /// Frees every page of the tree, root included. The tree must not be
    /// used afterwards.
    pub fn destroy(self, pager: &mut Pager) -> Result<()> {
        self.destroy_inner(pager).map_err(|e| in_file(pager, e))
    }

    fn destroy_inner(self, pager: &mut Pager) -> Result<()> {
        let usable = usable(pager);
        let mut stack = alloc::vec![self.root];
        let mut freed = 0u64;
        while let Some(no) = stack.pop() {
            freed += 1;
            if freed > u64::from(pager.header().page_count) {
                return Err(err!(
                    Corrupt,
                    "btree {}: more pages than the file (a cycle?)",
                    self.root
                ));
            }
            let image = pager.read(no)?;
            let n = self.node(&image, no, usable)?;
            if n.leaf {
                let mut chains = Vec::new();
                for i in 0..n.n {
                    if let LeafValue::Overflow { len, first } = n.value(i)? {
                        chains.push((first, len));
                    }
                }
                drop(image);
                for (first, len) in chains {
                    overflow::free_chain(pager, usable, first, len)?;
                }
            } else {
                for i in 0..=n.n {
                    stack.push(n.child(i)?);
                }
                drop(image);
            }
            pager.free(no)?;
        }
        Ok(())
    }

    /// Walks the whole tree and checks it: node structure, key order within
    /// and across nodes against the separators, equal leaf depth, overflow
    /// chains. Returns counts and the pages used, or the first problem.
    pub fn check(&self, pager: &mut Pager) -> Result<TreeStats> {
        self.check_inner(pager).map_err(|e| in_file(pager, e))
    }

    fn check_inner(&self, pager: &mut Pager) -> Result<TreeStats> {
        let usable = usable(pager);
        let mut stats = TreeStats::default();
        let mut leaf_depth = None;
        // (page, depth, lower bound (inclusive), upper bound (exclusive))
        let mut stack: Vec<CheckFrame> = alloc::vec![(self.root, 1, None, None)];
        let mut chain = Vec::new();
        while let Some((no, depth, lo, hi)) = stack.pop() {
            if stats.pages.len() > pager.header().page_count as usize || depth > MAX_DEPTH {
                return Err(err!(
                    Corrupt,
                    "btree {}: more pages than the file (a cycle?)",
                    self.root
                ));
            }
            stats.pages.push(no);
            let image = pager.read(no)?;
            let n = self.node(&image, no, usable)?;
            n.check_hints()?;
            let mut prev: Option<&[u8]> = lo.as_deref();
            for i in 0..n.n {
                let k = n.key(i)?;
                let ordered = match prev {
                    None => true,
                    Some(p) if i == 0 => p <= k,
                    Some(p) => p < k,
                };
                if !ordered || hi.as_deref().is_some_and(|h| k >= h) {
                    return Err(err!(
                        Corrupt,
                        "btree {}: page {no} slot {i}: key out of order",
                        self.root
                    ));
                }
                prev = Some(k);
            }
            if n.leaf {
                if *leaf_depth.get_or_insert(depth) != depth {
                    return Err(err!(
                        Corrupt,
                        "btree {}: leaf {no} at depth {depth}, others deeper or shallower",
                        self.root
                    ));
                }
                stats.entries += n.n as u64;
                for i in 0..n.n {
                    if let LeafValue::Overflow { len, first } = n.value(i)? {
                        let mut p = first;
                        while p != 0 && stats.pages.len() <= pager.header().page_count as usize {
                            stats.pages.push(p);
                            p = pager.read(p)?.link();
                        }
                        chain.clear();
                        overflow::read_chain(pager, usable, first, len, &mut chain)?;
                    }
                }
            } else {
                for i in 0..=n.n {
                    let lo = if i == 0 {
                        lo.clone()
                    } else {
                        Some(n.key(i - 1)?.to_vec())
                    };
                    let hi = if i == n.n {
                        hi.clone()
                    } else {
                        Some(n.key(i)?.to_vec())
                    };
                    stack.push((n.child(i)?, depth + 1, lo, hi));
                }
            }
        }
        stats.depth = leaf_depth.unwrap_or(1);
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use alloc::boxed::Box;
    use alloc::collections::BTreeMap;
    use alloc::vec::Vec;

    use super::*;
    use crate::env::Env;
    use crate::storage::{MemoryStore, PagerOptions};

    #[derive(Debug)]
    struct Fixed;
    impl Env for Fixed {
        fn now_millis(&self) -> i64 {
            0
        }
        fn fill_random(&self, buf: &mut [u8]) {
            buf.fill(7);
        }
    }

    fn pager(cache: usize) -> Pager {
        Pager::open(
            Box::new(MemoryStore::new()),
            PagerOptions {
                cache_pages: cache,
                ..PagerOptions::default()
            },
            &Fixed,
        )
        .unwrap()
    }

    fn key(i: u32) -> [u8; 4] {
        i.wrapping_mul(2_654_435_761).to_be_bytes()
    }

    #[test]
    fn an_absurd_overflow_length_is_an_error_not_an_allocation() {
        let mut p = pager(8);
        p.begin().unwrap();
        let t = BTree::create(&mut p).unwrap();
        t.insert(&mut p, b"k", &[5u8; 40_000]).unwrap();
        p.commit().unwrap();
        let usable = usable(&p);
        let mut out = Vec::new();
        // What a damaged leaf could claim: a terabyte from page 2.
        let e = overflow::read_chain(&mut p, usable, 2, 1 << 40, &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
        assert!(out.capacity() < 1 << 20);
    }

    #[test]
    fn insert_get_delete_scan() {
        let mut p = pager(8);
        p.begin().unwrap();
        let t = BTree::create(&mut p).unwrap();
        let mut model = BTreeMap::new();
        for i in 0..20_000u32 {
            let v = alloc::vec![i as u8; (i % 200) as usize];
            assert!(!t.insert(&mut p, &key(i), &v).unwrap());
            model.insert(key(i).to_vec(), v);
        }
        p.commit().unwrap();
        let stats = t.check(&mut p).unwrap();
        assert_eq!(stats.entries, 20_000);
        assert!(stats.depth >= 2);
        for i in (0..20_000u32).step_by(7) {
            assert_eq!(
                t.get(&mut p, &key(i)).unwrap().as_ref(),
                model.get(&key(i)[..])
            );
        }
        let all = t
            .range(Bound::Unbounded, Bound::Unbounded, false)
            .collect(&mut p)
            .unwrap();
        let expect: Vec<_> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert!(all == expect);
        let mut back = t
            .range(Bound::Unbounded, Bound::Unbounded, true)
            .collect(&mut p)
            .unwrap();
        back.reverse();
        assert!(back == expect);
        p.begin().unwrap();
        for i in 0..20_000u32 {
            if i % 3 != 0 {
                assert!(t.delete(&mut p, &key(i)).unwrap());
                model.remove(&key(i)[..]);
            }
        }
        p.commit().unwrap();
        assert_eq!(t.check(&mut p).unwrap().entries as usize, model.len());
        let all = t
            .range(Bound::Unbounded, Bound::Unbounded, false)
            .collect(&mut p)
            .unwrap();
        let expect: Vec<_> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert!(all == expect);
    }

    #[test]
    fn overflow_values_round_trip_and_free() {
        let mut p = pager(4);
        p.begin().unwrap();
        let t = BTree::create(&mut p).unwrap();
        let big: Vec<u8> = (0..100_000u32).map(|i| (i * 31) as u8).collect();
        t.insert(&mut p, b"big", &big).unwrap();
        t.insert(&mut p, b"small", b"x").unwrap();
        p.commit().unwrap();
        assert_eq!(t.get(&mut p, b"big").unwrap().unwrap(), big);
        let pages = p.header().page_count;
        p.begin().unwrap();
        t.insert(&mut p, b"big", b"now small").unwrap();
        p.commit().unwrap();
        assert_eq!(
            p.header().free_count as usize,
            100_000usize.div_ceil(PAGE_SIZE - 16)
        );
        assert_eq!(p.header().page_count, pages);
        assert_eq!(t.get(&mut p, b"big").unwrap().unwrap(), b"now small");
    }

    #[test]
    fn rollback_and_savepoints() {
        let mut p = pager(4);
        p.begin().unwrap();
        let t = BTree::create(&mut p).unwrap();
        t.insert(&mut p, b"a", b"1").unwrap();
        p.commit().unwrap();
        p.begin().unwrap();
        t.insert(&mut p, b"b", b"2").unwrap();
        let sp = p.savepoint().unwrap();
        for i in 0..2000u32 {
            t.insert(&mut p, &key(i), &[0u8; 50]).unwrap();
        }
        p.rollback_to(sp).unwrap();
        assert_eq!(t.check(&mut p).unwrap().entries, 2);
        p.release(sp).unwrap();
        p.rollback().unwrap();
        assert_eq!(t.check(&mut p).unwrap().entries, 1);
        assert_eq!(t.get(&mut p, b"a").unwrap().unwrap(), b"1");
        assert_eq!(t.get(&mut p, b"b").unwrap(), None);
    }

    #[test]
    fn cursor_survives_changes_under_it() {
        let mut p = pager(8);
        p.begin().unwrap();
        let t = BTree::create(&mut p).unwrap();
        for i in 0..1000u32 {
            t.insert(&mut p, &i.to_be_bytes(), b"v").unwrap();
        }
        let mut c = t.cursor();
        assert!(c.seek(&mut p, &500u32.to_be_bytes()).unwrap());
        // Delete the entry under the cursor and its successor: next lands
        // on the one after.
        t.delete(&mut p, &500u32.to_be_bytes()).unwrap();
        t.delete(&mut p, &501u32.to_be_bytes()).unwrap();
        assert!(c.next(&mut p).unwrap());
        assert_eq!(c.key(), &502u32.to_be_bytes());
        assert!(c.prev(&mut p).unwrap());
        assert_eq!(c.key(), &499u32.to_be_bytes());
        p.commit().unwrap();
    }

    #[test]
    fn too_big_key_is_an_error() {
        let mut p = pager(4);
        p.begin().unwrap();
        let t = BTree::create(&mut p).unwrap();
        let e = t.insert(&mut p, &[1u8; MAX_KEY_LEN + 1], b"").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooBig);
        assert!(t.insert(&mut p, &[1u8; MAX_KEY_LEN], &[2u8; 5000]).is_ok());
    }
}
