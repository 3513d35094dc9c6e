//! TurDB: an embedded SQL database with vector search.
//!
//! The engine is `no_std` + `alloc` at its core so that one code base runs
//! natively, in the browser (WebAssembly, OPFS or IndexedDB through the JS
//! glue) and at the edge. Feature `std` (on by default) adds the native file
//! stores, the std [`env::Env`] and the `turdb` shell.
//!
//! Layers, bottom up (see `ARCHITECTURE.md` at the repository root):
//!
//! 1. [`storage`] — the page format, the [`storage::PageStore`] trait and its
//!    stores, the page codec and the pager (cache, free list, transactions).
//! 2. [`env`] — clock and randomness from the host.
//! 3. [`btree`] — B+trees over pager pages: many trees in one file.
//! 4. [`catalog`] — tables, indexes, views and triggers, stored as their
//!    CREATE statements in the catalog tree.
//! 5. [`sql`] — lexer, parser, planner, executor and built-in functions.
//! 6. [`Database`] — the API: statements, rows, transactions.
//!
//! [`encoding`] (memcmp-ordered keys, row records, varints) is pure and
//! usable by all. Each layer only uses the ones below it.
#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_debug_implementations)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod btree;
pub mod catalog;
mod db;
pub mod encoding;
pub mod env;
mod error;
pub mod functions;
mod sorting;
pub mod sql;
pub mod storage;
pub(crate) mod sync;

pub use db::{
    Bindings, ColumnIndex, ColumnInfo, Database, FromValue, OpenOptions, Params, Row, Rows,
    Statement, Transaction, write_image,
};
pub use encoding::{Value, ValueRef};
pub use error::{Error, ErrorKind, Result};

#[doc(hidden)]
pub mod __private {
    pub use alloc::format;
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}
