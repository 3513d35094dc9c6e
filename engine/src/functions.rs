//! User-defined scalar functions: `Database::create_scalar_function`, in
//! rusqlite's shape (`Context` with `len`, `get`, `get_raw`).
//!
//! A function is a Rust closure registered on one `Database` under a name
//! and an argument count (`-1`: any count). SQL calls it like a built-in:
//! the planner binds every call by name (`BExpr::Func`), and evaluation
//! looks the name up here first, so a user function of the same name and
//! argument count replaces a built-in scalar function, as in SQLite. The
//! names of aggregate functions cannot be taken (the planner turns
//! `count(x)` into an aggregate before any lookup).
//!
//! Invariants:
//! - The registry is shared by the writer and every snapshot reader of the
//!   database. Registering copies the map and swaps it in (copy on write),
//!   so a running statement keeps the map it started with, and a statement
//!   that starts afterwards sees the change, kept plans included (they hold
//!   names, not functions).
//! - A database with no user functions pays two atomic loads per
//!   statement for this feature (functions registered, functions
//!   running), not a lock.
//! - A function must not use its own database: the statement calling it
//!   holds the writer or a reader. Such a call fails with `Misuse` ("busy
//!   executing a user-defined function") instead of deadlocking; the check
//!   is per thread, so other threads' statements go on.
//! - Closures are `Fn + Send + Sync` because `Database` is `Send + Sync`
//!   and readers on several threads may call one function at once; keep
//!   state in a `Mutex` or an atomic.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::db::{FromValue, thread_tag};
use crate::error::{Error, ErrorKind, Result};
use crate::sync::{Lock, lock};
use crate::{Value, ValueRef};

/// The arguments of one call of a user-defined function.
#[derive(Debug)]
pub struct Context<'a> {
    args: &'a [Value],
}

impl<'a> Context<'a> {
    pub(crate) fn new(args: &'a [Value]) -> Context<'a> {
        Context { args }
    }

    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// True when the function was called without arguments.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Argument `i` converted to `T`: a `Type` error names the argument
    /// when it does not convert, `InvalidArgument` when there is no
    /// argument `i`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.args.get(i).ok_or_else(|| self.missing(i))?;
        T::from_value(v).map_err(|e| e.context(format!("argument {i}")))
    }

    /// Argument `i` as it is, borrowed.
    pub fn get_raw(&self, i: usize) -> Result<ValueRef<'a>> {
        self.args
            .get(i)
            .map(Value::as_ref)
            .ok_or_else(|| self.missing(i))
    }

    /// Every argument.
    pub fn values(&self) -> &'a [Value] {
        self.args
    }

    fn missing(&self, i: usize) -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "argument {i}: the function was called with {} argument(s)",
                self.args.len()
            ),
        )
    }
}

/// A registered function.
pub(crate) type ScalarFn = dyn Fn(&Context<'_>) -> Result<Value> + Send + Sync;

/// The functions of one database: (name in lower case, argument count,
/// function). A plain list: databases have a handful, and a map would add
/// its code to the wasm module for nothing.
#[derive(Default)]
pub(crate) struct FuncMap {
    list: Vec<(String, i32, Arc<ScalarFn>)>,
}

impl FuncMap {
    /// The function for a call of `name` (lower case) with `n` arguments:
    /// one of exactly `n` before one of any count.
    pub(crate) fn find(&self, name: &str, n: usize) -> Option<&Arc<ScalarFn>> {
        let mut any = None;
        for (k, c, f) in &self.list {
            if k == name {
                if usize::try_from(*c).is_ok_and(|c| c == n) {
                    return Some(f);
                }
                if *c < 0 {
                    any = Some(f);
                }
            }
        }
        any
    }
}

/// Shared by a database's writer and readers.
pub(crate) struct Registry {
    map: Lock<Arc<FuncMap>>,
    /// Functions registered; 0 lets statements skip the lock.
    count: AtomicUsize,
    /// Threads (tags) inside a call of one of these functions, and how
    /// many there are (0 lets every statement skip the lock).
    calling: Lock<Vec<u64>>,
    active: AtomicUsize,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            map: Lock::new(Arc::new(FuncMap::default())),
            count: AtomicUsize::new(0),
            calling: Lock::new(Vec::new()),
            active: AtomicUsize::new(0),
        }
    }
}

impl core::fmt::Debug for Registry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Registry({} functions)",
            self.count.load(Ordering::Relaxed)
        )
    }
}

/// The longest function name SQLite accepts.
const MAX_NAME: usize = 255;
/// The most arguments a function may declare (SQLite's default limit).
const MAX_ARGS: i32 = 127;

impl Registry {
    /// The functions a statement starting now sees (None: there are none).
    pub(crate) fn snapshot(&self) -> Option<Arc<FuncMap>> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        Some(lock(&self.map).clone())
    }

    /// Registers `f` (or, with None, removes the function) under `name`
    /// and `n_arg`. `op` names the API call in errors.
    pub(crate) fn set(
        &self,
        op: &str,
        name: &str,
        n_arg: i32,
        f: Option<Box<ScalarFn>>,
    ) -> Result<()> {
        let lname = name.to_ascii_lowercase();
        let bad = |why: &str| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("{op} \"{name}\": {why}"),
            )
        };
        if lname.is_empty() || lname.len() > MAX_NAME {
            return Err(bad("a function name has 1 to 255 bytes"));
        }
        if !(-1..=MAX_ARGS).contains(&n_arg) {
            return Err(bad("the argument count must be -1 (any) or 0 to 127"));
        }
        if crate::sql::func::is_aggregate(&lname) {
            return Err(bad(
                "that is the name of an aggregate function, which user functions cannot replace",
            ));
        }
        let mut slot = lock(&self.map);
        let mut list = slot.list.clone();
        let had = list.iter().position(|(k, c, _)| *k == lname && *c == n_arg);
        match (f, had) {
            (Some(f), Some(i)) => list[i].2 = Arc::from(f),
            (Some(f), None) => list.push((lname, n_arg, Arc::from(f))),
            (None, Some(i)) => {
                list.remove(i);
            }
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("{op} \"{name}\": no user function with {n_arg} argument(s)"),
                ));
            }
        }
        self.count.store(list.len(), Ordering::Release);
        *slot = Arc::new(FuncMap { list });
        Ok(())
    }

    /// A `Misuse` error naming `op` when the calling thread is inside one
    /// of these functions (its statement holds the writer or a reader).
    pub(crate) fn not_calling(&self, op: &str) -> Result<()> {
        if self.active.load(Ordering::Acquire) > 0 && lock(&self.calling).contains(&thread_tag()) {
            return Err(Error::new(
                ErrorKind::Misuse,
                format!(
                    "{op}: this database is busy executing a user-defined function (a function cannot use its own database)"
                ),
            ));
        }
        Ok(())
    }

    /// Calls `f`, with the calling thread marked busy meanwhile.
    pub(crate) fn call(&self, f: &ScalarFn, args: &[Value]) -> Result<Value> {
        struct Leave<'a>(&'a Registry, u64);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                let mut c = lock(&self.0.calling);
                if let Some(i) = c.iter().rposition(|&t| t == self.1) {
                    c.swap_remove(i);
                }
                self.0.active.fetch_sub(1, Ordering::Release);
            }
        }
        let me = thread_tag();
        lock(&self.calling).push(me);
        self.active.fetch_add(1, Ordering::Release);
        let _leave = Leave(self, me);
        f(&Context::new(args))
    }
}
