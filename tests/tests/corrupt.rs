//! Corrupt input: damaged files give errors that name the file and the
//! page, never a panic.
//!
//! Each test builds a real database file, damages it with plain file I/O,
//! and checks the error from opening or reading it.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use turdb::btree::BTree;
use turdb::storage::page::{PAGE_SIZE, PageHeader};
use turdb::storage::{ChecksumCodec, FileStore, PageCodec, Pager, PagerOptions};
use turdb::{ErrorKind, Result};
use turdb_tests::{test_env, value_bytes};

/// A database with one tree of 5000 entries (a few dozen pages, depth 2).
fn build(dir: &Path) -> (PathBuf, BTree) {
    let path = dir.join("damaged.turdb");
    let mut pager = open(&path).unwrap();
    pager.begin().unwrap();
    let tree = BTree::create(&mut pager).unwrap();
    for i in 0..5000u32 {
        tree.insert(&mut pager, &i.to_be_bytes(), &value_bytes(60, i as u8))
            .unwrap();
    }
    pager.commit().unwrap();
    (path, tree)
}

fn open(path: &Path) -> Result<Pager> {
    let store = FileStore::open(path)?;
    Pager::open(
        Box::new(store),
        PagerOptions {
            cache_pages: 8,
            ..PagerOptions::default()
        },
        &test_env(),
    )
}

fn read_all(path: &Path, tree: BTree) -> Result<usize> {
    let mut pager = open(path)?;
    let all = tree
        .range(
            std::ops::Bound::Unbounded,
            std::ops::Bound::Unbounded,
            false,
        )
        .collect(&mut pager)?;
    Ok(all.len())
}

fn page(path: &Path, no: u64) -> Box<[u8; PAGE_SIZE]> {
    let f = std::fs::File::open(path).unwrap();
    let mut buf = Box::new([0u8; PAGE_SIZE]);
    f.read_exact_at(&mut buf[..], no * PAGE_SIZE as u64)
        .unwrap();
    buf
}

fn put_page(path: &Path, no: u64, buf: &[u8; PAGE_SIZE]) {
    let f = OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(&buf[..], no * PAGE_SIZE as u64).unwrap();
}

fn assert_names(e: &turdb::Error, path: &Path, page: &str) {
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "error does not name the file: {msg}"
    );
    assert!(msg.contains(page), "error does not name {page}: {msg}");
}

#[test]
fn intact_file_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (path, tree) = build(dir.path());
    assert_eq!(read_all(&path, tree).unwrap(), 5000);
}

#[test]
fn flipped_bytes_fail_the_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let (path, tree) = build(dir.path());
    let mut p = page(&path, 3);
    p[5000] ^= 0x5a;
    p[5001] ^= 0xff;
    put_page(&path, 3, &p);
    let e = read_all(&path, tree).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_names(&e, &path, "page 3");
    assert!(e.to_string().contains("checksum"), "{e}");
}

#[test]
fn truncated_file_is_reported_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = build(dir.path());
    let len = std::fs::metadata(&path).unwrap().len();
    let pages = len / PAGE_SIZE as u64;
    let f = OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len((pages - 2) * PAGE_SIZE as u64).unwrap();
    let e = open(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_names(&e, &path, &format!("page {}", pages - 2));
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn wrong_magic_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = build(dir.path());
    let mut p = page(&path, 0);
    p[16..24].copy_from_slice(b"SQLite f");
    put_page(&path, 0, &p);
    let e = open(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_names(&e, &path, "page 0");
    assert!(e.to_string().contains("magic"), "{e}");
}

#[test]
fn page_number_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let (path, tree) = build(dir.path());
    // Point the root's first child at a page far past the end, with a
    // valid checksum, so only the bounds check can catch it.
    let root = tree.root() as u64;
    let mut p = page(&path, root);
    assert_eq!(
        p.page_type(),
        Some(turdb::storage::page::PageType::Interior)
    );
    let off = u16::from_le_bytes([p[24], p[25]]) as usize;
    let klen = u16::from_le_bytes([p[26], p[27]]) as usize;
    p[off + klen..off + klen + 4].copy_from_slice(&99_999u32.to_le_bytes());
    ChecksumCodec.encode(root as u32, &mut p);
    put_page(&path, root, &p);
    let e = read_all(&path, tree).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_names(&e, &path, "page 99999");
    assert!(e.to_string().contains("out of range"), "{e}");
    // A direct read of a page past the end says the same.
    let mut pager = open(&path).unwrap();
    let e = pager.read(1_000_000).unwrap_err();
    assert_names(&e, &path, "page 1000000");
}

#[test]
fn damaged_node_with_valid_checksum_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (path, tree) = build(dir.path());
    let root = tree.root() as u64;
    let child = {
        let p = page(&path, root);
        let off = u16::from_le_bytes([p[24], p[25]]) as usize;
        let klen = u16::from_le_bytes([p[26], p[27]]) as usize;
        u32::from_le_bytes(p[off + klen..off + klen + 4].try_into().unwrap()) as u64
    };
    let mut p = page(&path, child);
    // Slot 0 now claims a key running past the end of the page.
    p[24..26].copy_from_slice(&16_300u16.to_le_bytes());
    p[26..28].copy_from_slice(&2_000u16.to_le_bytes());
    ChecksumCodec.encode(child as u32, &mut p);
    put_page(&path, child, &p);
    let e = read_all(&path, tree).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_names(&e, &path, &format!("page {child}"));
}
