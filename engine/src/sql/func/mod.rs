//! Built-in functions: scalar ([`scalar`]), aggregate ([`aggregate`]),
//! printf, date and time ([`datetime`]) and JSON ([`json`]).

pub mod aggregate;
pub mod datetime;
pub mod json;
pub mod printf;
pub mod scalar;

use crate::Result;
use crate::encoding::Value;
use crate::env::Env;

pub use aggregate::{Accumulator, aggregate, is_aggregate};

/// Calls the scalar function `name` (lower-cased); None when there is none
/// of that name and argument count.
pub fn scalar(name: &str, args: &[Value], env: &dyn Env) -> Option<Result<Value>> {
    scalar::call(name, args, env)
}
