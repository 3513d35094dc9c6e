//! Date and time functions (placeholder until the full module lands).
use crate::Result;
use crate::encoding::Value;
use crate::env::Env;
pub fn call(_n: &str, _a: &[Value], _e: &dyn Env) -> Option<Result<Value>> {
    None
}
