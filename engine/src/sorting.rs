//! One stable sort shared by the cold paths.
//!
//! Each `sort_by` on a new element type or with a new comparator
//! instantiates the standard library's driftsort again, about 6 KiB of
//! WebAssembly apiece, and the npm package's size is counted in gzipped
//! kilobytes. Schema listings, parameter names, the integrity check,
//! window partitions and the pager's lists of stale pages and of frames to
//! checkpoint are not hot enough to pay for their own copy: they
//! sort a permutation of indices through a comparator behind `dyn` — one
//! instantiation for all of them — and then move their elements into that
//! order. ORDER BY keeps the standard sort on its own element type, since
//! it sorts whole result sets.
//!
//! The sort is stable, as `slice::sort_by` is: equal elements keep their
//! order.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// Sorts `v` stably by `cmp`.
pub(crate) fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = permutation(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    // `order` is a permutation of 0..len, so every slot is taken once.
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `v` stably by the key `key` gives each element.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// The indices 0..n in the order `cmp` sorts them, stably.
fn permutation(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| cmp(a, b));
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        // Pairs compared by their first half only: stability shows in the
        // second half.
        let mut state = 0x2545_f491_u32;
        let mut v: Vec<(u8, u32)> = (0..500)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                ((state % 7) as u8, i)
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|a| a.0);
        sort_by(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, expected);
    }

    #[test]
    fn by_key_and_small_inputs() {
        let mut v = vec!["pear", "fig", "apple", "kiwi"];
        sort_by_key(&mut v, |s| s.len());
        assert_eq!(v, ["fig", "pear", "kiwi", "apple"]);
        let mut one = vec![3];
        sort_by(&mut one, |a: &i32, b| b.cmp(a));
        assert_eq!(one, [3]);
        let mut none: Vec<i32> = Vec::new();
        sort_by(&mut none, |a, b| a.cmp(b));
        assert!(none.is_empty());
    }
}
