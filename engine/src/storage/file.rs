//! FileStore: the two files of a database on a native file system.
//!
//! This is the default store of the Rust API and the shell. A database
//! `x.turdb` is the main file `x.turdb` and its write-ahead log `x.turdb-wal`
//! (the path with `-wal` appended, as SQLite does). Both are opened, and
//! created if missing, by [`FileStore::open`] before the engine runs — the
//! engine itself never creates or removes a file (see the storage module).
//! Hosts that open files themselves (a sandbox, a file descriptor handed over
//! by a parent) use [`FileStore::from_files`]. [`FileStore::open_read_only`]
//! creates, writes and truncates nothing (a torn WAL tail is left in place
//! and not counted) and takes the lock shared instead of exclusively.
//!
//! # Format
//!
//! Page `n` of a file is bytes `n * PAGE_SIZE .. (n + 1) * PAGE_SIZE`; there
//! is nothing else in the file (no store-level header or trailer: what a page
//! holds is the pager's business). So the page count is the file length
//! divided by [`PAGE_SIZE`], and the file can be copied, inspected and
//! damaged by tests with plain file tools.
//!
//! # Invariants
//!
//! - **Whole pages.** Every write is one whole page at a page-aligned offset,
//!   so a file's length is a multiple of `PAGE_SIZE` unless a crash tore an
//!   extending write or something else changed the file. At open:
//!   - a main file whose length is not a whole number of pages is reported
//!     as `Corrupt`, naming the file and its length. Nothing TurDB does
//!     leaves one behind on purpose, and guessing is dangerous: a 100-byte
//!     text file opened by mistake would otherwise look like an empty
//!     database and be overwritten. (The WAL's checkpoint should extend the
//!     main file with `truncate` and `sync` *before* copying pages into it,
//!     so an extension of the main file is never torn by a crash.)
//!   - a WAL whose length is not a whole number of pages is the expected
//!     result of a crash in the middle of an append: the partial page was
//!     never synced, so it belongs to no committed transaction. It is cut
//!     off (the file is truncated to its whole pages), and the WAL's own
//!     recovery judges the frames before it.
//! - **The length is tracked, not asked.** TurDB holds its files
//!   exclusively (the database lock arrives with the WAL issue), so the page
//!   count is read once at open and then follows this store's own writes and
//!   truncates. `page_count` costs no system call, and a read at or past the
//!   end is refused before touching the file. If a write that extends the
//!   file fails half way (a full disk), the file is cut back to its old
//!   length, so the store and the file agree again.
//! - **Positioned I/O.** Reads take `&self` and may run on several threads
//!   at once: they use `pread`-style positioned reads (`FileExt` on unix,
//!   `seek_read` on Windows) that never share a file cursor. On other std
//!   targets the cursor is moved under a mutex.
//! - **Durability.** `sync` is `fdatasync` (`File::sync_data`): it makes the
//!   data durable, and with it the file length, which is all a reader needs;
//!   timestamps are not worth the extra journal write. A file created by
//!   `open` also has its directory entry synced (on unix), or a crash could
//!   leave the data of a synced file behind a name that was never written.
//!   Dropping a store does not sync: unsynced writes are exactly as durable
//!   as the operating system makes them.
//!
//! # Errors
//!
//! Every failure is an [`Error`] whose message names the operation, the file
//! (its path as given to `open`) and the page, e.g. `write page 12 of
//! /tmp/x.turdb: No space left on device (os error 28)`. A full disk or an
//! exceeded quota (`ENOSPC`, `EDQUOT`, `EFBIG`, or a write that makes no
//! progress) is [`ErrorKind::Full`], so a user is told "full" rather than
//! "I/O error"; other failures are [`ErrorKind::Io`]. A write or truncate
//! beyond [`MAX_PAGE_COUNT`] pages is refused before touching the file with
//! the `TooBig` error every store gives ([`check_write_bound`]). Nothing
//! here panics.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};

use super::page::{MAX_PAGE_COUNT, PAGE_SIZE, PageNo, check_truncate_bound, check_write_bound};
use super::{FileKind, PageStore, out_of_range};
use crate::{Error, ErrorKind, Result, err};

/// Both files of a database on disk; see the module documentation.
#[derive(Debug)]
pub struct FileStore {
    files: [Handle; 2],
    names: [String; 2],
    /// Length of each file in pages (see "The length is tracked").
    pages: [u32; 2],
    /// Opened by [`FileStore::open_read_only`]: every write is refused.
    read_only: bool,
}

impl FileStore {
    /// Opens the database at `path`: the main file `path` and the WAL
    /// `<path>-wal`, each created (empty) if it does not exist.
    ///
    /// Fails with `Corrupt` if the main file's length is not a whole number
    /// of pages; a torn page at the end of the WAL is cut off (see the
    /// module documentation).
    pub fn open(path: impl AsRef<Path>) -> Result<FileStore> {
        let path = path.as_ref();
        let wal_path = wal_path(path);
        let (main, main_created) = open_or_create(path)?;
        lock(&main, path, false)?;
        let (wal, wal_created) = open_or_create(&wal_path)?;
        if main_created || wal_created {
            sync_parent_dir(path)?;
        }
        FileStore::from_files(
            main,
            wal,
            path.display().to_string(),
            wal_path.display().to_string(),
        )
    }

    /// Opens the database at `path` for reading only. Nothing is created,
    /// written or truncated: the main file must exist, a missing WAL reads
    /// as an empty one, a torn page at the end of the WAL is left alone
    /// (recovery ignores it). The main file is locked shared, so any number
    /// of read-only openers may share it, but not with a writer (which
    /// locks it exclusively): either side then gets "database is locked".
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<FileStore> {
        let path = path.as_ref();
        let wal_path = wal_path(path);
        let main = File::open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                err!(
                    NotFound,
                    "open {} read-only: unable to open database file: {e}",
                    path.display()
                )
            } else {
                io_error(e, format_args!("open {} read-only", path.display()))
            }
        })?;
        lock(&main, path, true)?;
        let (wal, wal_pages) = match File::open(&wal_path) {
            Ok(f) => {
                let n = whole_pages(&f, &wal_path.display().to_string(), FileKind::Wal, false)?;
                (f, n)
            }
            // No WAL: a handle that is never read stands in for it (its
            // length is zero pages, so every read is refused first).
            Err(e) if e.kind() == io::ErrorKind::NotFound => (
                main.try_clone()
                    .map_err(|e| io_error(e, format_args!("open {}", path.display())))?,
                0,
            ),
            Err(e) => return Err(io_error(e, format_args!("open {}", wal_path.display()))),
        };
        let names = [path.display().to_string(), wal_path.display().to_string()];
        let main_pages = whole_pages(&main, &names[0], FileKind::Main, false)?;
        Ok(FileStore {
            files: [Handle::new(main), Handle::new(wal)],
            names,
            pages: [main_pages, wal_pages],
            read_only: true,
        })
    }

    /// [`FileStore::open`] (or with `read_only`, [`FileStore::open_read_only`]),
    /// retrying for up to `timeout_ms` milliseconds while another process
    /// holds the database.
    pub fn open_waiting(
        path: impl AsRef<Path>,
        timeout_ms: u64,
        read_only: bool,
    ) -> Result<FileStore> {
        let start = std::time::Instant::now();
        loop {
            let opened = if read_only {
                FileStore::open_read_only(path.as_ref())
            } else {
                FileStore::open(path.as_ref())
            };
            match opened {
                Err(e)
                    if e.kind() == ErrorKind::Busy
                        && (start.elapsed().as_millis() as u64) < timeout_ms =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                r => return r,
            }
        }
    }

    /// A store over files the host has already opened (for reading and
    /// writing). `main_name` and `wal_name` are what error messages call
    /// them. The same length checks as [`FileStore::open`] apply.
    pub fn from_files(
        main: File,
        wal: File,
        main_name: impl Into<String>,
        wal_name: impl Into<String>,
    ) -> Result<FileStore> {
        let names = [main_name.into(), wal_name.into()];
        let main_pages = whole_pages(&main, &names[0], FileKind::Main, true)?;
        let wal_pages = whole_pages(&wal, &names[1], FileKind::Wal, true)?;
        Ok(FileStore {
            files: [Handle::new(main), Handle::new(wal)],
            names,
            pages: [main_pages, wal_pages],
            read_only: false,
        })
    }

    /// The path of the WAL that belongs to the main file `path`.
    pub fn wal_path(path: impl AsRef<Path>) -> PathBuf {
        wal_path(path.as_ref())
    }

    /// The open file behind `file` (for [`super::MmapStore`], which maps it).
    pub(crate) fn file(&self, file: FileKind) -> &File {
        &self.files[file.index()].file
    }

    /// The tracked length of `file` in pages.
    pub(crate) fn pages(&self, file: FileKind) -> u32 {
        self.pages[file.index()]
    }

    fn check_writable(&self, op: &str, file: FileKind) -> Result<()> {
        if self.read_only {
            return Err(err!(
                ReadOnly,
                "{op} {}: the file is open read-only",
                self.name(file)
            ));
        }
        Ok(())
    }
}

impl PageStore for FileStore {
    fn name(&self, file: FileKind) -> &str {
        &self.names[file.index()]
    }

    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        let count = self.pages(file);
        if page >= count {
            return Err(out_of_range(self, file, page, count));
        }
        self.files[file.index()].read_at(buf, offset(page)).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                // The file is shorter than this store made it: someone else
                // truncated it.
                err!(
                    Corrupt,
                    "read page {page} of {}: the file ended early (it should have {count} pages; was it truncated by another program?)",
                    self.name(file)
                )
            } else {
                io_error(e, format_args!("read page {page} of {}", self.name(file)))
            }
        })
    }

    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        self.check_writable("write", file)?;
        check_write_bound(self.name(file), page)?;
        let i = file.index();
        let old = self.pages[i];
        if let Err(e) = self.files[i].write_at(buf, offset(page)) {
            if page >= old {
                // A failed extension may have left part of the page behind;
                // cut the file back so its length is whole pages again. If
                // even that fails the store still answers with the old
                // length, and the next write at the end overwrites the rest.
                let _ = self.files[i].file.set_len(offset(old));
            }
            return Err(io_error(
                e,
                format_args!("write page {page} of {}", self.name(file)),
            ));
        }
        self.pages[i] = old.max(page + 1);
        Ok(())
    }

    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        self.check_writable("write", file)?;
        let i = file.index();
        // Past the end the file must grow by a whole page.
        if page >= self.pages[i] || len >= PAGE_SIZE {
            return self.write_page(file, page, buf);
        }
        self.files[i]
            .write_at(&buf[..len], offset(page))
            .map_err(|e| io_error(e, format_args!("write page {page} of {}", self.name(file))))
    }

    fn page_count(&self, file: FileKind) -> Result<u32> {
        Ok(self.pages(file))
    }

    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        self.check_writable("truncate", file)?;
        check_truncate_bound(self.name(file), pages)?;
        let i = file.index();
        self.files[i].file.set_len(offset(pages)).map_err(|e| {
            io_error(
                e,
                format_args!("truncate {} to {pages} pages", self.name(file)),
            )
        })?;
        self.pages[i] = pages;
        Ok(())
    }

    fn sync(&mut self, file: FileKind) -> Result<()> {
        self.check_writable("sync", file)?;
        self.files[file.index()]
            .file
            .sync_data()
            .map_err(|e| io_error(e, format_args!("sync {}", self.name(file))))
    }
}

/// Byte offset of `page`.
fn offset(page: PageNo) -> u64 {
    u64::from(page) * PAGE_SIZE as u64
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push("-wal");
    PathBuf::from(s)
}

/// Opens `path` for reading and writing, creating it if missing; says
/// whether it was created (so the caller can make the new name durable).
fn open_or_create(path: &Path) -> Result<(File, bool)> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    match options.clone().create_new(true).open(path) {
        Ok(f) => return Ok((f, true)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(open_error(e, path)),
    }
    options
        .open(path)
        .map(|f| (f, false))
        .map_err(|e| open_error(e, path))
}

fn open_error(e: io::Error, path: &Path) -> Error {
    if e.kind() == io::ErrorKind::NotFound {
        // Only a missing directory gets here (a missing file is created).
        err!(
            NotFound,
            "open {}: {e} (does its directory exist?)",
            path.display()
        )
    } else {
        io_error(e, format_args!("open {}", path.display()))
    }
}

/// Syncs the directory holding `path`, so that newly created names survive
/// a crash. Directories cannot be opened as files on Windows, where NTFS
/// journals names itself; elsewhere this is unix's `fsync` on the directory.
fn sync_parent_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| {
            io_error(
                e,
                format_args!(
                    "sync directory {} (after creating {})",
                    dir.display(),
                    path.display()
                ),
            )
        })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The length of `file` in whole pages, applying the open-time rules of the
/// module documentation.
/// The length of `file` in whole pages. A torn last page of the WAL is cut
/// off when `repair` allows writing, else just not counted.
fn whole_pages(file: &File, name: &str, kind: FileKind, repair: bool) -> Result<u32> {
    let len = file
        .metadata()
        .map_err(|e| io_error(e, format_args!("open {name}: read the file's length")))?
        .len();
    let page = PAGE_SIZE as u64;
    let pages = len / page;
    if pages > u64::from(MAX_PAGE_COUNT) {
        return Err(err!(
            Corrupt,
            "open {name}: the file is {len} bytes long, more than the {MAX_PAGE_COUNT} pages TurDB addresses"
        ));
    }
    if len % page != 0 {
        match kind {
            FileKind::Main => {
                return Err(err!(
                    Corrupt,
                    "open {name}: the file is {len} bytes long, not a whole number of {PAGE_SIZE}-byte pages \
                     (page {pages} is torn or the file was damaged; or it is not a TurDB database)"
                ));
            }
            FileKind::Wal if !repair => {}
            FileKind::Wal => {
                file.set_len(pages * page).map_err(|e| {
                    io_error(
                        e,
                        format_args!(
                            "open {name}: cut the torn page {pages} off the end of the WAL"
                        ),
                    )
                })?;
            }
        }
    }
    Ok(pages as u32)
}

/// Turns an I/O error into an engine error whose message starts with `op`
/// (operation, file and page). A full disk or quota is `Full`.
pub(crate) fn io_error(e: io::Error, op: core::fmt::Arguments<'_>) -> Error {
    let kind = match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge => {
            ErrorKind::Full
        }
        // `write_all` reports a write that made no progress this way; on the
        // file systems TurDB runs on that means there is no room left.
        io::ErrorKind::WriteZero => ErrorKind::Full,
        _ => ErrorKind::Io,
    };
    let what = if kind == ErrorKind::Full && e.kind() == io::ErrorKind::WriteZero {
        String::from("the storage accepted no more bytes (disk or quota full?)")
    } else {
        e.to_string()
    };
    Error::new(kind, alloc::format!("{op}: {what}"))
}

/// One open file and what positioned I/O needs on this platform.
#[derive(Debug)]
struct Handle {
    file: File,
    /// Without positioned I/O, reads and writes move the shared cursor, so
    /// they take turns.
    #[cfg(not(any(unix, windows)))]
    cursor: std::sync::Mutex<()>,
}

impl Handle {
    fn new(file: File) -> Handle {
        Handle {
            file,
            #[cfg(not(any(unix, windows)))]
            cursor: std::sync::Mutex::new(()),
        }
    }

    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, at)
    }

    #[cfg(unix)]
    fn write_at(&self, buf: &[u8], at: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(&self.file, buf, at)
    }

    #[cfg(windows)]
    fn read_at(&self, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            match self.file.seek_read(buf, at) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
                Ok(n) => {
                    buf = &mut buf[n..];
                    at += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    #[cfg(windows)]
    fn write_at(&self, mut buf: &[u8], mut at: u64) -> io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            match self.file.seek_write(buf, at) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) => {
                    buf = &buf[n..];
                    at += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    #[cfg(not(any(unix, windows)))]
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let _turn = self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        let mut f = &self.file;
        f.seek(SeekFrom::Start(at))?;
        f.read_exact(buf)
    }

    #[cfg(not(any(unix, windows)))]
    fn write_at(&self, buf: &[u8], at: u64) -> io::Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        let _turn = self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        let mut f = &self.file;
        f.seek(SeekFrom::Start(at))?;
        f.write_all(buf)
    }
}

/// Takes the advisory lock on the main file: exclusive for a writer, which
/// makes this process its only user, or shared for a read-only opener,
/// which other readers may hold too. Released when the file is closed, so a
/// crashed process never leaves it behind.
// `File::try_lock` is newer than the workspace's declared MSRV; the
// toolchain that builds TurDB has it.
#[allow(clippy::incompatible_msrv)]
fn lock(main: &File, path: &Path, shared: bool) -> Result<()> {
    let taken = if shared {
        main.try_lock_shared()
    } else {
        main.try_lock()
    };
    match taken {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::new(
            ErrorKind::Busy,
            if shared {
                std::format!(
                    "open {} read-only: database is locked (a process has it open for writing)",
                    path.display()
                )
            } else {
                std::format!(
                    "open {}: database is locked (another process, or another handle in this one, has it open)",
                    path.display()
                )
            },
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::new(
            ErrorKind::Io,
            std::format!("lock {}: {e}", path.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;
    use std::{format, vec};

    fn page_of(b: u8) -> [u8; PAGE_SIZE] {
        [b; PAGE_SIZE]
    }

    #[test]
    fn creates_both_files_next_to_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.turdb");
        let store = FileStore::open(&path).unwrap();
        assert!(path.exists());
        assert!(dir.path().join("new.turdb-wal").exists());
        assert_eq!(FileStore::wal_path(&path), dir.path().join("new.turdb-wal"));
        assert_eq!(store.name(FileKind::Main), path.display().to_string());
        assert_eq!(store.name(FileKind::Wal), format!("{}-wal", path.display()));
    }

    #[test]
    fn main_file_with_a_partial_page_is_reported_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("torn.turdb");
        std::fs::write(&path, vec![7u8; PAGE_SIZE * 2 + 100]).unwrap();
        let e = FileStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        let msg = e.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(&(PAGE_SIZE * 2 + 100).to_string()), "{msg}");
        assert!(msg.contains("page 2"), "{msg}");
        // Nothing was changed.
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            (PAGE_SIZE * 2 + 100) as u64
        );

        // A short text file is not mistaken for an empty database either.
        std::fs::write(&path, b"hello, world\n").unwrap();
        let e = FileStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        assert!(e.to_string().contains("13 bytes"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn torn_wal_tail_is_cut_off_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.turdb");
        {
            let mut store = FileStore::open(&path).unwrap();
            store.write_page(FileKind::Wal, 0, &page_of(1)).unwrap();
            store.write_page(FileKind::Wal, 1, &page_of(2)).unwrap();
            store.sync(FileKind::Wal).unwrap();
        }
        // A crash tore the append of page 2 after 4 KiB.
        let wal = FileStore::wal_path(&path);
        let f = OpenOptions::new().write(true).open(&wal).unwrap();
        std::os::unix::fs::FileExt::write_all_at(&f, &[3u8; 4096], 2 * PAGE_SIZE as u64).unwrap();
        drop(f);
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.page_count(FileKind::Wal).unwrap(), 2);
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 2 * PAGE_SIZE as u64);
        let mut buf = page_of(0);
        store.read_page(FileKind::Wal, 1, &mut buf).unwrap();
        assert_eq!(buf, page_of(2));
    }

    #[test]
    fn missing_directory_is_not_found_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("x.turdb");
        let e = FileStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert!(e.to_string().starts_with("open "), "{e}");
    }

    #[test]
    fn from_files_uses_the_given_names() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(dir.path().join(name))
                .unwrap()
        };
        let mut store = FileStore::from_files(open("a"), open("b"), "db:main", "db:wal").unwrap();
        store.write_page(FileKind::Main, 1, &page_of(9)).unwrap();
        let mut buf = page_of(1);
        store.read_page(FileKind::Main, 0, &mut buf).unwrap();
        assert_eq!(buf, page_of(0));
        let e = store.read_page(FileKind::Wal, 0, &mut buf).unwrap_err();
        assert!(e.to_string().contains("db:wal"), "{e}");
        assert_eq!(
            std::fs::metadata(dir.path().join("a")).unwrap().len(),
            2 * PAGE_SIZE as u64
        );
    }

    #[test]
    fn file_changed_behind_the_store_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shrunk.turdb");
        let mut store = FileStore::open(&path).unwrap();
        for p in 0..4 {
            store
                .write_page(FileKind::Main, p, &page_of(p as u8))
                .unwrap();
        }
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(PAGE_SIZE as u64)
            .unwrap();
        let mut buf = page_of(0);
        let e = store.read_page(FileKind::Main, 3, &mut buf).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        assert!(e.to_string().contains("page 3"), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }

    #[test]
    fn full_and_quota_errors_are_full() {
        let full = io_error(
            io::Error::from(io::ErrorKind::StorageFull),
            format_args!("write page 12 of /tmp/x.turdb"),
        );
        assert_eq!(full.kind(), ErrorKind::Full);
        assert!(
            full.to_string()
                .starts_with("write page 12 of /tmp/x.turdb: "),
            "{full}"
        );
        let quota = io_error(io::Error::from_raw_os_error(122), format_args!("sync x"));
        #[cfg(target_os = "linux")]
        assert_eq!(quota.kind(), ErrorKind::Full, "{quota}");
        let _ = quota;
        let zero = io_error(
            io::Error::from(io::ErrorKind::WriteZero),
            format_args!("write page 1 of x"),
        );
        assert_eq!(zero.kind(), ErrorKind::Full);
        let other = io_error(
            io::Error::from(io::ErrorKind::PermissionDenied),
            format_args!("write page 1 of x"),
        );
        assert_eq!(other.kind(), ErrorKind::Io);
    }

    /// `/dev/full` accepts no bytes: the error is `Full` and names the page.
    #[cfg(target_os = "linux")]
    #[test]
    fn writing_to_a_full_device_is_full() {
        let Ok(full) = OpenOptions::new().read(true).write(true).open("/dev/full") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let wal = File::create(dir.path().join("w")).unwrap();
        let mut store = FileStore::from_files(full, wal, "/dev/full", "w").unwrap();
        let e = store
            .write_page(FileKind::Main, 3, &page_of(1))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Full, "{e:?}");
        assert!(
            e.to_string().starts_with("write page 3 of /dev/full: "),
            "{e}"
        );
    }

    #[test]
    fn reads_from_many_threads_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::open(dir.path().join("threads.turdb")).unwrap();
        for p in 0..32u32 {
            store
                .write_page(FileKind::Main, p, &page_of(p as u8))
                .unwrap();
        }
        let store = &store;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || {
                        let mut buf = page_of(0);
                        for i in 0..200u32 {
                            let p = (i * 7 + t) % 32;
                            store.read_page(FileKind::Main, p, &mut buf).unwrap();
                            assert_eq!(buf, page_of(p as u8));
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
    }
}
