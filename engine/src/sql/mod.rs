//! The SQL layer: text in, rows out.
//!
//! The life of a statement:
//!
//! 1. [`lexer`] cuts the text into tokens, each with its line:column.
//! 2. [`parser`] (recursive descent) builds an [`ast::Stmt`]; a syntax error
//!    says what was expected, what was found and where.
//! 3. The planner binds names against the catalog, chooses indexes and join
//!    order and produces a tree of operators.
//! 4. The executor pulls rows through the operators, one at a time, so a
//!    result streams in bounded memory unless a sort or a GROUP BY needs to
//!    hold it.
//!
//! [`ops`] and [`func`] are pure: SQLite's value semantics (affinity,
//! comparison, arithmetic, casts, LIKE/GLOB) and the built-in functions.

pub mod ast;
pub mod display;
pub(crate) mod exec;
pub mod func;
pub(crate) mod join_order;
pub mod lexer;
pub mod ops;
pub mod parser;
pub(crate) mod plan;
pub(crate) mod rename;
