//! One error type for the whole engine.
//!
//! Every failure is an [`Error`]: a [`ErrorKind`] that callers can match on
//! (the JS layer turns it into `error.code`) and a message written for a
//! person, which names the operation and the object it was working on — the
//! file, the page, the table, the constraint, the line and column. Nothing in
//! the engine panics on bad input or on bytes read from a store: it returns an
//! `Error` and leaves the database usable.

use alloc::string::String;
use core::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The host's storage failed (a read, write, sync or truncate).
    Io,
    /// Bytes read from a store are not a valid TurDB database: a bad
    /// checksum, a wrong magic number, a truncated file, a page that points
    /// where it must not.
    Corrupt,
    /// An argument from the caller is out of range or malformed.
    InvalidArgument,
    /// A named object (table, tree, savepoint, file) does not exist.
    NotFound,
    /// A value or key is larger than the format allows.
    TooBig,
    /// The storage is full (quota exceeded, short write).
    Full,
    /// The database is locked by another process, tab or writer.
    Busy,
    /// The operation was stopped by `interrupt()`.
    Interrupted,
    /// SQL text could not be parsed.
    Syntax,
    /// A constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY) was violated.
    Constraint,
    /// A value has the wrong type for the operation.
    Type,
    /// The API was used in a way it does not allow (for example, committing
    /// with no transaction open).
    Misuse,
    /// The database is open read-only.
    ReadOnly,
    /// A feature the engine does not (yet) support.
    Unsupported,
    /// A bug: an invariant of the engine itself does not hold.
    Internal,
}

impl ErrorKind {
    /// A short stable name, used as `code` by the JS bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "IO",
            ErrorKind::Corrupt => "CORRUPT",
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::TooBig => "TOO_BIG",
            ErrorKind::Full => "FULL",
            ErrorKind::Busy => "BUSY",
            ErrorKind::Interrupted => "INTERRUPTED",
            ErrorKind::Syntax => "SYNTAX",
            ErrorKind::Constraint => "CONSTRAINT",
            ErrorKind::Type => "TYPE",
            ErrorKind::Misuse => "MISUSE",
            ErrorKind::ReadOnly => "READONLY",
            ErrorKind::Unsupported => "UNSUPPORTED",
            ErrorKind::Internal => "INTERNAL",
        }
    }
}

/// An engine error: a kind and a message naming the operation and object.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The engine's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Adds context in front of the message: `"{context}: {message}"`.
    #[must_use]
    pub fn context(mut self, context: impl fmt::Display) -> Error {
        self.message = alloc::format!("{context}: {}", self.message);
        self
    }

    pub(crate) fn corrupt(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Corrupt, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn misuse(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Misuse, message)
    }

    #[allow(dead_code)]
    pub(crate) fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl core::error::Error for Error {}

/// Builds an [`Error`] with `format!` arguments: `err!(Corrupt, "page {n}")`.
#[macro_export]
macro_rules! err {
    ($kind:ident, $($arg:tt)*) => {
        $crate::Error::new($crate::ErrorKind::$kind, $crate::__private::format!($($arg)*))
    };
}
