//! JSON functions (placeholder until the full module lands).
use crate::Result;
use crate::encoding::Value;
use alloc::vec::Vec;
pub const EACH_COLUMNS: [&str; 8] = [
    "key", "value", "type", "atom", "id", "parent", "fullkey", "path",
];
pub fn call(_n: &str, _a: &[Value]) -> Option<Result<Value>> {
    None
}
pub fn arrow(_a: &Value, _b: &Value) -> Result<Value> {
    Err(crate::err!(
        Unsupported,
        "JSON operators are not available yet"
    ))
}
pub fn arrow2(_a: &Value, _b: &Value) -> Result<Value> {
    Err(crate::err!(
        Unsupported,
        "JSON operators are not available yet"
    ))
}
pub fn each(_j: &Value, _p: Option<&Value>, _r: bool) -> Result<Vec<[Value; 8]>> {
    Err(crate::err!(Unsupported, "json_each is not available yet"))
}
