//! The conformance suite: the [`PageStore`] contract, as tests, written once
//! and run against every store.
//!
//! Each test is a plain function over `&mut dyn PageStore` (the persistence
//! test takes a function that opens the store again). The
//! [`conformance_suite!`] macro turns all of them into `#[test]`s for one
//! store:
//!
//! ```ignore
//! conformance_suite!(memory_store, || MemoryStore::new());
//! conformance_suite!(file_store, persistent |path: &Path| FileStore::open(path).unwrap());
//! ```
//!
//! The first form makes a fresh store per test. The `persistent` form gives
//! the closure a path in a fresh temporary directory, and adds the test that
//! synced data survives dropping the store and opening it again. The
//! instantiations for the engine's stores are at the end of this file; a new
//! store (the wasm crate's JsStore, say) gets the same guarantees by adding
//! one line.
//!
//! Page images are generated from (file, page, version), so a page read from
//! the wrong file, the wrong place, or a stale write cannot match by
//! accident; comparisons report the file and page rather than printing 16 KiB
//! of bytes.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::ToString;

use super::page::{
    PAGE_SIZE, PageBuf, PageNo, check_truncate_bound, check_write_bound, zeroed_page,
};
use super::{FileKind, PageStore};
use crate::ErrorKind;
use crate::env::splitmix64_next;

use FileKind::{Main, Wal};

/// Version `version` of page `page` of `file`: a distinct pseudo-random
/// image for every triple.
pub fn image(file: FileKind, page: PageNo, version: u16) -> PageBuf {
    let mut state = ((file.index() as u64) << 56) | (u64::from(page) << 16) | u64::from(version);
    let mut buf = zeroed_page();
    for chunk in buf.chunks_mut(8) {
        chunk.copy_from_slice(&splitmix64_next(&mut state).to_le_bytes());
    }
    buf
}

fn read(s: &dyn PageStore, file: FileKind, page: PageNo) -> PageBuf {
    let mut buf = zeroed_page();
    // Garbage in the buffer must not survive a read.
    buf.fill(0xA5);
    if let Err(e) = s.read_page(file, page, &mut buf) {
        panic!("read page {page} of {}: {e:?}", s.name(file));
    }
    buf
}

#[track_caller]
fn expect(s: &dyn PageStore, file: FileKind, page: PageNo, want: &[u8; PAGE_SIZE], what: &str) {
    let got = read(s, file, page);
    if *got != *want {
        let at = got
            .iter()
            .zip(want.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "page {page} of {} is not {what}: first difference at byte {at} (got {:#04x}, want {:#04x})",
            s.name(file),
            got[at],
            want[at]
        );
    }
}

#[track_caller]
fn write(s: &mut dyn PageStore, file: FileKind, page: PageNo, version: u16) {
    if let Err(e) = s.write_page(file, page, &image(file, page, version)) {
        panic!("write page {page} of {}: {e:?}", s.name(file));
    }
}

#[track_caller]
fn count(s: &dyn PageStore, file: FileKind) -> u32 {
    s.page_count(file).unwrap()
}

pub fn fresh_store_is_empty(s: &mut dyn PageStore) {
    assert_eq!(count(s, Main), 0);
    assert_eq!(count(s, Wal), 0);
    assert!(!s.name(Main).is_empty());
    assert!(!s.name(Wal).is_empty());
    assert_ne!(
        s.name(Main),
        s.name(Wal),
        "the two files need different names in error messages"
    );
}

pub fn write_read_round_trip(s: &mut dyn PageStore) {
    write(s, Main, 0, 1);
    expect(s, Main, 0, &image(Main, 0, 1), "what was written");
    // Bytes at the very start and end of the page survive, too.
    let mut edges = zeroed_page();
    edges[0] = 0xFF;
    edges[PAGE_SIZE - 1] = 0x01;
    s.write_page(Main, 1, &edges).unwrap();
    expect(s, Main, 1, &edges, "the page with only its edge bytes set");
    expect(
        s,
        Main,
        0,
        &image(Main, 0, 1),
        "unchanged by a write to page 1",
    );
}

pub fn files_are_independent(s: &mut dyn PageStore) {
    for p in 0..4 {
        write(s, Main, p, 1);
    }
    for p in 0..2 {
        write(s, Wal, p, 1);
    }
    assert_eq!((count(s, Main), count(s, Wal)), (4, 2));
    for p in 0..4 {
        expect(s, Main, p, &image(Main, p, 1), "the main file's own page");
    }
    for p in 0..2 {
        expect(s, Wal, p, &image(Wal, p, 1), "the WAL's own page");
    }
    s.truncate(Wal, 0).unwrap();
    assert_eq!((count(s, Main), count(s, Wal)), (4, 0));
    expect(
        s,
        Main,
        1,
        &image(Main, 1, 1),
        "untouched by truncating the WAL",
    );
    write(s, Wal, 0, 2);
    s.truncate(Main, 1).unwrap();
    expect(
        s,
        Wal,
        0,
        &image(Wal, 0, 2),
        "untouched by truncating the main file",
    );
    assert_eq!((count(s, Main), count(s, Wal)), (1, 1));
}

pub fn write_past_end_extends_with_zeros(s: &mut dyn PageStore) {
    write(s, Main, 5, 1);
    assert_eq!(count(s, Main), 6);
    for p in 0..5 {
        expect(s, Main, p, &zeroed_page(), "zeros (a gap never written)");
    }
    expect(s, Main, 5, &image(Main, 5, 1), "what was written");
    write(s, Wal, 2, 1);
    assert_eq!(count(s, Wal), 3);
    expect(s, Wal, 0, &zeroed_page(), "zeros (a gap never written)");
}

pub fn page_count_follows_writes(s: &mut dyn PageStore) {
    let mut expected = 0;
    for p in [0, 1, 1, 0, 4, 2, 9, 3] {
        write(s, Wal, p, 1);
        expected = expected.max(p + 1);
        assert_eq!(count(s, Wal), expected, "after writing page {p}");
        assert_eq!(count(s, Main), 0);
    }
}

pub fn truncate_shrinks_and_grows(s: &mut dyn PageStore) {
    for p in 0..8 {
        write(s, Main, p, 1);
    }
    s.truncate(Main, 3).unwrap();
    assert_eq!(count(s, Main), 3);
    for p in 0..3 {
        expect(s, Main, p, &image(Main, p, 1), "kept by the shrink");
    }
    assert!(
        s.read_page(Main, 3, &mut zeroed_page()).is_err(),
        "page 3 is gone"
    );
    // Growing again must not bring the old pages back.
    s.truncate(Main, 6).unwrap();
    assert_eq!(count(s, Main), 6);
    for p in 3..6 {
        expect(s, Main, p, &zeroed_page(), "zeros (grown by truncate)");
    }
    expect(s, Main, 2, &image(Main, 2, 1), "kept by the growth");
    // Truncating to the current length changes nothing.
    s.truncate(Main, 6).unwrap();
    assert_eq!(count(s, Main), 6);
    expect(s, Main, 0, &image(Main, 0, 1), "kept");
    // Growing an empty file.
    s.truncate(Wal, 2).unwrap();
    assert_eq!(count(s, Wal), 2);
    expect(s, Wal, 1, &zeroed_page(), "zeros (grown by truncate)");
}

pub fn truncate_to_zero_then_reuse(s: &mut dyn PageStore) {
    for p in 0..3 {
        write(s, Main, p, 1);
    }
    s.truncate(Main, 0).unwrap();
    assert_eq!(count(s, Main), 0);
    write(s, Main, 1, 2);
    assert_eq!(count(s, Main), 2);
    expect(
        s,
        Main,
        0,
        &zeroed_page(),
        "zeros, not the page before truncation",
    );
    expect(s, Main, 1, &image(Main, 1, 2), "the new write");
}

/// Page numbers no database reaches are `TooBig` errors naming the
/// operation, the file and the page (the message of
/// [`check_write_bound`] and [`check_truncate_bound`], which every store
/// uses), never an allocation or a file that brings the process down; the
/// store stays usable.
pub fn absurd_sizes_are_errors(s: &mut dyn PageStore) {
    for file in [Main, Wal] {
        let name = s.name(file).to_string();
        match s.write_page(file, PageNo::MAX, &image(file, 1, 1)) {
            Ok(()) => panic!("writing page {} of {name} succeeded", PageNo::MAX),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::TooBig, "{e:?}");
                let want = check_write_bound(&name, PageNo::MAX).unwrap_err();
                assert_eq!(e.message(), want.message());
            }
        }
        match s.truncate(file, PageNo::MAX) {
            Ok(()) => panic!("truncating {name} to {} pages succeeded", PageNo::MAX),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::TooBig, "{e:?}");
                let want = check_truncate_bound(&name, PageNo::MAX).unwrap_err();
                assert_eq!(e.message(), want.message());
            }
        }
        write(s, file, 0, 3);
        expect(
            s,
            file,
            0,
            &image(file, 0, 3),
            "written after the refused calls",
        );
    }
}

pub fn read_past_end_is_an_error(s: &mut dyn PageStore) {
    fn check(s: &dyn PageStore, file: FileKind, page: PageNo) {
        let mut buf = zeroed_page();
        let e = match s.read_page(file, page, &mut buf) {
            Ok(()) => panic!(
                "reading page {page} of {} past its end succeeded",
                s.name(file)
            ),
            Err(e) => e,
        };
        assert!(
            matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidArgument),
            "reading past the end is {:?}, not Corrupt or InvalidArgument: {e}",
            e.kind()
        );
        let msg = e.to_string();
        assert!(
            msg.contains(s.name(file)),
            "the error does not name the file {}: {msg}",
            s.name(file)
        );
        assert!(
            msg.contains(&format!("page {page}")),
            "the error does not name page {page}: {msg}"
        );
    }
    for file in FileKind::ALL {
        check(s, file, 0);
    }
    for p in 0..3 {
        write(s, Main, p, 1);
    }
    for page in [3, 4, 1_000_000, u32::MAX - 1, u32::MAX] {
        check(s, Main, page);
    }
    check(s, Wal, 0);
    // The store is still usable after the errors.
    expect(s, Main, 2, &image(Main, 2, 1), "intact after failed reads");
}

/// A prefix write sets the first bytes of a page inside the file; the
/// rest keeps the old bytes or takes the buffer's (either is allowed). Past
/// the end it extends the file like `write_page`.
pub fn prefix_write_sets_the_prefix(s: &mut dyn PageStore) {
    const LEN: usize = 180;
    for file in [Main, Wal] {
        write(s, file, 0, 1);
        let new = image(file, 0, 2);
        s.write_page_prefix(file, 0, &new, LEN).unwrap();
        let got = read(s, file, 0);
        assert_eq!(got[..LEN], new[..LEN], "prefix of {}", s.name(file));
        let old = image(file, 0, 1);
        assert!(
            got[LEN..] == old[LEN..] || got[LEN..] == new[LEN..],
            "the tail of page 0 of {} is neither the old nor the new bytes",
            s.name(file)
        );
        assert_eq!(count(s, file), 1);
        s.write_page_prefix(file, 2, &image(file, 2, 1), LEN)
            .unwrap();
        assert_eq!(count(s, file), 3, "a prefix write past the end extends");
        expect(s, file, 1, &zeroed_page(), "zeros");
        expect(s, file, 2, &image(file, 2, 1), "written whole past the end");
    }
}

pub fn overwrite_replaces(s: &mut dyn PageStore) {
    for v in 1..=5 {
        write(s, Main, 2, v);
        write(s, Wal, 0, v);
        expect(s, Main, 2, &image(Main, 2, v), "the latest version");
        expect(s, Wal, 0, &image(Wal, 0, v), "the latest version");
    }
    assert_eq!((count(s, Main), count(s, Wal)), (3, 1));
}

pub fn sync_succeeds(s: &mut dyn PageStore) {
    // On empty files, after writes, twice in a row, after a truncate.
    for file in FileKind::ALL {
        s.sync(file).unwrap();
    }
    write(s, Main, 0, 1);
    write(s, Wal, 3, 1);
    for file in FileKind::ALL {
        s.sync(file).unwrap();
        s.sync(file).unwrap();
    }
    s.truncate(Wal, 1).unwrap();
    s.sync(Wal).unwrap();
    expect(s, Main, 0, &image(Main, 0, 1), "unchanged by sync");
    assert_eq!(count(s, Wal), 1);
}

pub fn many_pages_keep_their_contents(s: &mut dyn PageStore) {
    const N: u32 = 300;
    // Written out of order (odd pages first, descending), then read in a
    // scattered order: every page must hold its own image.
    for p in (0..N)
        .rev()
        .filter(|p| p % 2 == 1)
        .chain((0..N).filter(|p| p % 2 == 0))
    {
        write(s, Main, p, 7);
    }
    for p in 0..40 {
        write(s, Wal, p, 7);
    }
    s.sync(Main).unwrap();
    assert_eq!((count(s, Main), count(s, Wal)), (N, 40));
    for i in 0..N {
        let p = (i * 97) % N;
        expect(s, Main, p, &image(Main, p, 7), "its own image");
    }
    for p in 0..40 {
        expect(s, Wal, p, &image(Wal, p, 7), "its own image");
    }
}

pub fn page_view_matches_read(s: &mut dyn PageStore) {
    fn check(s: &dyn PageStore, file: FileKind, page: PageNo) {
        if let Some(view) = s.page_view(file, page) {
            let read = read(s, file, page);
            assert!(
                *view == *read,
                "page_view of page {page} of {} differs from read_page",
                s.name(file)
            );
        }
    }
    for p in 0..6 {
        write(s, Main, p, 1);
    }
    s.sync(Main).unwrap();
    for p in 0..6 {
        check(s, Main, p);
    }
    // A view shows the latest write, never a stale image.
    write(s, Main, 3, 2);
    if let Some(view) = s.page_view(Main, 3) {
        assert!(
            *view == *image(Main, 3, 2),
            "page_view shows a stale image of page 3"
        );
    }
    check(s, Main, 3);
    // Past the end there is nothing to view (and no panic).
    for page in [6, 1000, u32::MAX] {
        assert!(
            s.page_view(Main, page).is_none(),
            "a view of page {page}, past the end"
        );
    }
    assert!(s.page_view(Wal, 0).is_none(), "a view of an empty file");
    // Shrinking and growing again: views agree with reads (zeros).
    s.truncate(Main, 2).unwrap();
    assert!(s.page_view(Main, 2).is_none(), "a view of a truncated page");
    s.truncate(Main, 4).unwrap();
    s.sync(Main).unwrap();
    for p in 0..4 {
        check(s, Main, p);
    }
    if let Some(view) = s.page_view(Main, 3) {
        assert!(*view == *zeroed_page(), "a regrown page viewed as non-zero");
    }
}

/// Synced data survives dropping the store and opening it again
/// (persistent stores only); `open` opens the same files each time.
pub fn synced_writes_survive_reopen(open: &mut dyn FnMut() -> Box<dyn PageStore>) {
    {
        let mut s = open();
        fresh_store_is_empty(&mut *s);
        for p in 0..5 {
            write(&mut *s, Main, p, 1);
        }
        for p in 0..3 {
            write(&mut *s, Wal, p, 1);
        }
        s.sync(Main).unwrap();
        s.sync(Wal).unwrap();
    }
    {
        let mut s = open();
        assert_eq!(
            (count(&*s, Main), count(&*s, Wal)),
            (5, 3),
            "page counts after reopening"
        );
        for p in 0..5 {
            expect(
                &*s,
                Main,
                p,
                &image(Main, p, 1),
                "what was synced before reopening",
            );
        }
        for p in 0..3 {
            expect(
                &*s,
                Wal,
                p,
                &image(Wal, p, 1),
                "what was synced before reopening",
            );
        }
        write(&mut *s, Main, 2, 2);
        s.truncate(Main, 4).unwrap();
        s.truncate(Wal, 1).unwrap();
        write(&mut *s, Wal, 5, 2);
        s.sync(Main).unwrap();
        s.sync(Wal).unwrap();
    }
    let s = open();
    assert_eq!(
        (count(&*s, Main), count(&*s, Wal)),
        (4, 6),
        "page counts after truncating and reopening"
    );
    expect(&*s, Main, 2, &image(Main, 2, 2), "the synced overwrite");
    expect(&*s, Main, 3, &image(Main, 3, 1), "kept by the truncate");
    expect(&*s, Wal, 0, &image(Wal, 0, 1), "kept by the truncate");
    for p in 1..5 {
        expect(
            &*s,
            Wal,
            p,
            &zeroed_page(),
            "zeros (truncated, then skipped by a write)",
        );
    }
    expect(
        &*s,
        Wal,
        5,
        &image(Wal, 5, 2),
        "the synced write past the end",
    );
}

/// Instantiates every conformance test as a `#[test]` in a module
/// `$module`; see the module documentation.
#[cfg(test)]
macro_rules! conformance_suite {
    (@each $make:expr; $($test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                // `_keep` (the temporary directory) is declared first, so it
                // is dropped after the store that has files in it.
                let (_keep, mut store) = $make;
                $crate::storage::conformance::$test(&mut store);
            }
        )*
    };
    (@tests $make:expr) => {
        $crate::storage::conformance::conformance_suite!(@each $make;
            fresh_store_is_empty,
            write_read_round_trip,
            files_are_independent,
            write_past_end_extends_with_zeros,
            page_count_follows_writes,
            truncate_shrinks_and_grows,
            truncate_to_zero_then_reuse,
            read_past_end_is_an_error,
            absurd_sizes_are_errors,
            overwrite_replaces,
            prefix_write_sets_the_prefix,
            sync_succeeds,
            many_pages_keep_their_contents,
            page_view_matches_read,
        );
    };
    ($module:ident, persistent $open:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            $crate::storage::conformance::conformance_suite!(@tests {
                let dir = tempfile::tempdir().unwrap();
                let store = ($open)(dir.path().join("conformance.turdb").as_path());
                (dir, store)
            });

            #[test]
            fn synced_writes_survive_reopen() {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("conformance.turdb");
                $crate::storage::conformance::synced_writes_survive_reopen(&mut || {
                    let store = ($open)(path.as_path());
                    alloc::boxed::Box::new(store) as alloc::boxed::Box<dyn $crate::storage::PageStore>
                });
            }
        }
    };
    ($module:ident, $make:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            $crate::storage::conformance::conformance_suite!(@tests ((), ($make)()));
        }
    };
}
#[cfg(test)]
pub(crate) use conformance_suite;

/// One conformance test: run on a fresh, empty store.
pub type StoreTest = fn(&mut dyn PageStore);

/// Every test over one fresh, empty store, by name: for hosts whose test
/// harness is not `#[test]` (the wasm crate runs them on its JS stores under
/// wasm-bindgen-test). [`synced_writes_survive_reopen`] is separate, as it
/// needs a way to open the same files again.
pub const TESTS: &[(&str, StoreTest)] = &[
    ("fresh_store_is_empty", fresh_store_is_empty),
    ("write_read_round_trip", write_read_round_trip),
    ("files_are_independent", files_are_independent),
    (
        "write_past_end_extends_with_zeros",
        write_past_end_extends_with_zeros,
    ),
    ("page_count_follows_writes", page_count_follows_writes),
    ("truncate_shrinks_and_grows", truncate_shrinks_and_grows),
    ("truncate_to_zero_then_reuse", truncate_to_zero_then_reuse),
    ("read_past_end_is_an_error", read_past_end_is_an_error),
    ("absurd_sizes_are_errors", absurd_sizes_are_errors),
    ("overwrite_replaces", overwrite_replaces),
    ("prefix_write_sets_the_prefix", prefix_write_sets_the_prefix),
    ("sync_succeeds", sync_succeeds),
    (
        "many_pages_keep_their_contents",
        many_pages_keep_their_contents,
    ),
    ("page_view_matches_read", page_view_matches_read),
];

#[cfg(test)]
use super::{FaultConfig, FaultStore, MemoryStore};

#[cfg(test)]
conformance_suite!(memory_store, || MemoryStore::named("conformance.turdb"));

#[cfg(test)]
conformance_suite!(fault_store_without_faults, || FaultStore::in_memory(
    "conformance.turdb",
    FaultConfig::default()
));

#[cfg(all(test, feature = "std"))]
mod native {
    use crate::storage::fault::SharedFaultStore;
    use crate::storage::{FaultConfig, FaultStore, FileStore, MmapStore};
    use std::path::Path;

    conformance_suite!(file_store, persistent |path: &Path| FileStore::open(path).unwrap());

    conformance_suite!(mmap_store, persistent |path: &Path| MmapStore::open(path).unwrap());

    conformance_suite!(
        fault_store_over_files,
        persistent |path: &Path| FaultStore::new(FileStore::open(path).unwrap(), FaultConfig::default())
    );

    conformance_suite!(shared_fault_store_without_faults, || SharedFaultStore::new(
        FaultStore::in_memory("conformance.turdb", FaultConfig::default())
    ));
}
