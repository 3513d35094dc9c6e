//! Join order: in which order the join loop reads the FROM items.
//!
//! Written order is often the worst order. sqllogictest's select5.test
//! joins up to 64 ten-row tables listed at random, tied by a spanning tree
//! of key equalities and pinned by one constant: read in FROM order that is
//! a cross product of 10^30 rows, while starting from the constant and
//! following the equalities touches a few hundred.
//!
//! The search is greedy, as SQLite's is for large joins (its N-best path
//! search degenerates to this with N = 1), because it must stay cheap: at
//! each step every level not yet placed is estimated once against the set
//! already bound, so a join of n levels costs n(n+1)/2 estimates, each a
//! pass over that level's few access options and terms — a 64-table join
//! plans in microseconds. The estimate is SQLite's shape without
//! statistics: a level's expected rows per probe, as 10·log2 (a "LogEst"),
//! taken from the cheapest access its bound terms allow (rowid or unique
//! key: 1 row; other index equality or hash join: about 10; range: a
//! quarter; scan: about a million), less a little for each other term that
//! can be checked there. The level with the fewest rows wins; ties go to a
//! level that a term connects to the bound set (so separate components come
//! last), then to FROM order (so plans that need no reordering keep their
//! written order, and results without ORDER BY keep theirs).
//!
//! What may not move is stated as prerequisites: the right side of a LEFT
//! JOIN or CROSS JOIN comes after everything written before it (SQLite
//! treats CROSS JOIN as the user's fixed order), and a level whose source
//! reads earlier levels (a table-valued function's arguments) after those.

use alloc::vec::Vec;

/// About a million rows: what SQLite assumes of a table it has no
/// statistics for.
pub(crate) const SCAN: i32 = 200;
/// A range on a key keeps about a quarter of the rows.
pub(crate) const RANGE: i32 = 180;
/// An equality on a non-unique index, or a hash join: about 10 rows.
pub(crate) const EQ: i32 = 33;
/// A rowid or a full unique key: one row.
pub(crate) const ONE: i32 = 0;
/// Each further term checked at a level halves its estimate.
const TERM: i32 = 10;

/// `10·log2(n)`, to within one: the top bit gives the tens and the next
/// three bits below it the units (the same table SQLite uses).
pub(crate) fn log_est(n: usize) -> i32 {
    if n <= 1 {
        return 0;
    }
    // 10·log2(1 + k/8) for the three bits after the top one, rounded.
    const FRACTION: [i32; 8] = [0, 2, 3, 5, 6, 7, 8, 9];
    let n = n as u64;
    let top = 63 - n.leading_zeros() as i32;
    let next = if top >= 3 {
        (n >> (top - 3)) & 7
    } else {
        (n << (3 - top)) & 7
    };
    top * 10 + FRACTION[next as usize]
}

/// One way to read a level once the levels in `needs` are bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AccessOption {
    /// Levels (bit per FROM item) the access reads values from.
    pub needs: u64,
    /// Expected rows per probe, as a LogEst.
    pub rows: i32,
}

/// What the search knows about one FROM item.
#[derive(Clone, Debug, Default)]
pub(crate) struct LevelInfo {
    /// Levels that must come before this one whatever the estimates say.
    pub prereq: u64,
    /// Ways to read the level; none means a scan.
    pub options: Vec<AccessOption>,
    /// For each WHERE/ON term over this level, the other levels it reads.
    pub terms: Vec<u64>,
}

/// The order found, and the work it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JoinOrder {
    /// FROM indexes, outermost loop first.
    pub order: Vec<usize>,
    /// Levels estimated: at most n(n+1)/2.
    pub candidates: usize,
    /// Options and terms looked at inside those estimates.
    pub checks: usize,
}

/// Orders the levels; see the module documentation. Never fails: when
/// prerequisites contradict each other (they cannot in valid SQL), the
/// first unplaced level in FROM order goes next.
pub(crate) fn order(levels: &[LevelInfo]) -> JoinOrder {
    let n = levels.len().min(64);
    let mut out = JoinOrder {
        order: Vec::with_capacity(n),
        candidates: 0,
        checks: 0,
    };
    let mut bound = 0u64;
    for _ in 0..n {
        // (rows, disconnected, FROM index): the smallest wins.
        let mut best: Option<(i32, bool, usize)> = None;
        for (l, info) in levels.iter().enumerate().take(n) {
            let bit = 1u64 << l;
            if bound & bit != 0 || info.prereq & !bit & !bound != 0 {
                continue;
            }
            out.candidates += 1;
            let mut rows = SCAN;
            for o in &info.options {
                out.checks += 1;
                if o.needs & !bound == 0 {
                    rows = rows.min(o.rows);
                }
            }
            let mut connected = false;
            for &m in &info.terms {
                out.checks += 1;
                if m & !bound == 0 {
                    rows -= TERM;
                    connected |= m != 0;
                }
            }
            let key = (rows, !connected, l);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        let next = match best {
            Some((_, _, l)) => l,
            None => (0..n).find(|l| bound & (1u64 << l) == 0).unwrap_or(0),
        };
        out.order.push(next);
        bound |= 1u64 << next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A select5-shaped level: rowid lookup when `a_partner` is bound
    /// (`a = b_partner`), hash join when `b_partner` is bound.
    fn level(rowid_from: &[usize], hash_from: &[usize], constant: bool) -> LevelInfo {
        let mut info = LevelInfo::default();
        info.options.push(AccessOption {
            needs: 0,
            rows: SCAN,
        });
        for &p in rowid_from {
            info.options.push(AccessOption {
                needs: 1 << p,
                rows: ONE,
            });
            info.terms.push(1 << p);
        }
        for &p in hash_from {
            info.options.push(AccessOption {
                needs: 1 << p,
                rows: EQ,
            });
            info.terms.push(1 << p);
        }
        if constant {
            info.options.push(AccessOption {
                needs: 0,
                rows: ONE,
            });
            info.terms.push(0);
        }
        info
    }

    /// Every level after the first is reached through a term whose other
    /// levels are already placed.
    fn connected(levels: &[LevelInfo], order: &[usize]) -> bool {
        let mut bound = 1u64 << order[0];
        for &l in &order[1..] {
            if !levels[l].terms.iter().any(|&m| m != 0 && m & !bound == 0) {
                return false;
            }
            bound |= 1 << l;
        }
        true
    }

    #[test]
    fn log_est_tracks_log2() {
        assert_eq!(log_est(0), 0);
        assert_eq!(log_est(1), 0);
        assert_eq!(log_est(2), 10);
        assert_eq!(log_est(3), 16);
        assert_eq!(log_est(10), 33);
        assert_eq!(log_est(100), 66);
        assert_eq!(log_est(1 << 20), 200);
    }

    #[test]
    fn starts_at_the_constant_and_follows_the_keys() {
        // A chain 0 - 1 - 2 - 3 written backwards from the constant on 3:
        // level k's `a` equals level k+1's `b`, so from 3 each step down
        // is a hash join and each step up a rowid lookup.
        let levels = vec![
            level(&[1], &[], false),
            level(&[2], &[0], false),
            level(&[3], &[1], false),
            level(&[], &[2], true),
        ];
        let o = order(&levels);
        assert_eq!(o.order, vec![3, 2, 1, 0]);
        assert!(connected(&levels, &o.order));
    }

    #[test]
    fn prefers_a_rowid_lookup_to_a_hash_join() {
        // From the constant on 0, level 1 is a hash join, level 2 a lookup.
        let levels = vec![
            level(&[], &[], true),
            level(&[], &[0], false),
            level(&[0], &[], false),
        ];
        assert_eq!(order(&levels).order, vec![0, 2, 1]);
    }

    #[test]
    fn keeps_from_order_when_nothing_is_gained() {
        let levels = vec![
            LevelInfo::default(),
            LevelInfo::default(),
            LevelInfo::default(),
        ];
        assert_eq!(order(&levels).order, vec![0, 1, 2]);
    }

    #[test]
    fn equal_choices_keep_from_order() {
        // A star around the constant on 2: every other level is one rowid
        // lookup away, so they follow in the order written.
        let levels = vec![
            level(&[2], &[], false),
            level(&[2], &[], false),
            level(&[], &[0, 1, 3], true),
            level(&[2], &[], false),
        ];
        assert_eq!(order(&levels).order, vec![2, 0, 1, 3]);
    }

    #[test]
    fn disconnected_components_come_last() {
        // 0 and 2 are joined; 1 stands alone with nothing to probe it.
        let levels = vec![
            level(&[], &[], true),
            LevelInfo::default(),
            level(&[0], &[], false),
        ];
        assert_eq!(order(&levels).order, vec![0, 2, 1]);
    }

    #[test]
    fn prerequisites_hold_against_the_estimates() {
        // Level 1 is a LEFT JOIN's right side: it needs 0 even though its
        // constant makes it the cheapest start.
        let mut right = level(&[], &[], true);
        right.prereq = 1;
        let levels = vec![LevelInfo::default(), right, level(&[1], &[], false)];
        assert_eq!(order(&levels).order, vec![0, 1, 2]);
        // Contradictory prerequisites still give every level once.
        let a = LevelInfo {
            prereq: 0b10,
            ..LevelInfo::default()
        };
        let b = LevelInfo {
            prereq: 0b01,
            ..LevelInfo::default()
        };
        assert_eq!(order(&[a, b]).order, vec![0, 1]);
    }

    /// select5's largest query: 64 levels in a shuffled FROM list, a random
    /// spanning tree of key equalities and one constant. The order must be
    /// connected from the constant, and the work quadratic at most.
    #[test]
    fn sixty_four_levels_plan_in_quadratic_work() {
        let n = 64usize;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        for _ in 0..20 {
            let mut rowid_from = vec![Vec::new(); n];
            let mut hash_from = vec![Vec::new(); n];
            // Tree edges between node k and an earlier node, oriented at
            // random: `a_x = b_y` lets x be looked up from y, and y be
            // hashed from x.
            for k in 1..n {
                let p = rand(k);
                let (x, y) = if rand(2) == 0 { (k, p) } else { (p, k) };
                rowid_from[x].push(y);
                hash_from[y].push(x);
            }
            let constant = rand(n);
            let levels: Vec<LevelInfo> = (0..n)
                .map(|l| level(&rowid_from[l], &hash_from[l], l == constant))
                .collect();
            let o = order(&levels);
            assert_eq!(o.order[0], constant);
            assert!(connected(&levels, &o.order), "{:?}", o.order);
            let mut seen = o.order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
            assert_eq!(o.candidates, n * (n + 1) / 2);
            // A level has a scan option plus an option and a term per edge
            // end (and two for the constant): n + 4(n-1) + 2 in all, each
            // looked at once per step.
            assert!(o.checks <= n * (5 * n - 2), "{}", o.checks);
        }
    }
}
