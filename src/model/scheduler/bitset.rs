//! A two-level bitset over dense indices: find the lowest member (optionally outside another
//! set) in O(n / 4096) word reads, with no allocation after construction.

/// The runs of set bits of `mask` as (first bit, length), lowest first: a whole node's mask is
/// one run, so a per-slot table is filled a slice at a time.
pub fn runs(mut mask: u64) -> impl Iterator<Item = (usize, usize)> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let from = mask.trailing_zeros() as usize;
        let len = (mask >> from).trailing_ones() as usize;
        mask &= !(u64::MAX >> (64 - len) << from);
        Some((from, len))
    })
}

/// A set of indices in 0..capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSet {
    words: Vec<u64>,
    summary: Vec<u64>,
    len: usize,
}

impl IndexSet {
    /// An empty set able to hold 0..capacity.
    pub fn new(capacity: usize) -> IndexSet {
        let nw = capacity.div_ceil(64).max(1);
        IndexSet { words: vec![0; nw], summary: vec![0; nw.div_ceil(64)], len: 0 }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `i` is a member.
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Adds `i`.
    pub fn insert(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if self.words[w] >> b & 1 == 0 {
            self.words[w] |= 1 << b;
            self.summary[w / 64] |= 1 << (w % 64);
            self.len += 1;
        }
    }

    /// Removes `i`.
    pub fn remove(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if self.words[w] >> b & 1 == 1 {
            self.words[w] &= !(1 << b);
            if self.words[w] == 0 {
                self.summary[w / 64] &= !(1 << (w % 64));
            }
            self.len -= 1;
        }
    }

    /// The smallest member in `from..end` that is not in `exclude`: reads only the words of
    /// that range (for short ranges, such as the nodes of one pod).
    pub fn next_before(&self, from: usize, end: usize, exclude: Option<&IndexSet>) -> Option<usize> {
        let end = end.min(self.words.len() * 64);
        let mut at = from;
        while at < end {
            let w = at / 64;
            let m = (self.words[w] & !exclude.map_or(0, |e| e.words[w])) & (!0u64 << (at % 64));
            if m != 0 {
                let i = w * 64 + m.trailing_zeros() as usize;
                return (i < end).then_some(i);
            }
            at = (w + 1) * 64;
        }
        None
    }

    /// The smallest member >= `from` that is not in `exclude`.
    pub fn next(&self, from: usize, exclude: Option<&IndexSet>) -> Option<usize> {
        let masked = |w: usize| self.words[w] & !exclude.map_or(0, |e| e.words[w]);
        let mut w = from / 64;
        if w >= self.words.len() {
            return None;
        }
        let m = masked(w) & (!0u64 << (from % 64));
        if m != 0 {
            return Some(w * 64 + m.trailing_zeros() as usize);
        }
        w += 1;
        while w < self.words.len() {
            let s = w / 64;
            let sm = self.summary[s] & (!0u64 << (w % 64));
            if sm == 0 {
                w = (s + 1) * 64;
                continue;
            }
            w = s * 64 + sm.trailing_zeros() as usize;
            let m = masked(w);
            if m != 0 {
                return Some(w * 64 + m.trailing_zeros() as usize);
            }
            w += 1;
        }
        None
    }

    /// Adds each of `members` (without a branch per member: for long lists of scattered ones).
    pub fn insert_all(&mut self, members: &[u32]) {
        for &i in members {
            let (w, b) = (i as usize / 64, i % 64);
            self.len += (self.words[w] >> b & 1 ^ 1) as usize;
            self.words[w] |= 1 << b;
            self.summary[w / 64] |= 1 << (w % 64);
        }
    }

    /// Empties a set whose members are all among `members`, by clearing the words (and summary
    /// words) that hold them: O(members.len()), not O(capacity).
    pub fn clear_within(&mut self, members: &[u32]) {
        for &i in members {
            let w = i as usize / 64;
            self.words[w] = 0;
            self.summary[w / 64] = 0;
        }
        self.len = 0;
        debug_assert!(self.words.iter().chain(&self.summary).all(|&w| w == 0), "a member outside the list");
    }

    /// Calls `f` on the `n` smallest members of `self` ∪ `other` (sets of the same capacity), in
    /// increasing order (fewer if the union has fewer); returns how many. Reads the words of both
    /// up to the n-th member, skipping empty ones by their summaries.
    pub fn lowest_of_union(&self, other: &IndexSet, n: usize, mut f: impl FnMut(usize)) -> usize {
        debug_assert_eq!(self.words.len(), other.words.len());
        let mut found = 0;
        for s in 0..self.summary.len() {
            let mut sm = self.summary[s] | other.summary[s];
            while sm != 0 {
                let w = s * 64 + sm.trailing_zeros() as usize;
                let mut m = self.words[w] | other.words[w];
                while m != 0 {
                    if found == n {
                        return found;
                    }
                    f(w * 64 + m.trailing_zeros() as usize);
                    found += 1;
                    m &= m - 1;
                }
                sm &= sm - 1;
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_set_bits() {
        for mask in [0u64, 1, u64::MAX, 0xff, 0xf0f0, 1 << 63, 0x8000_0000_0000_0001, 0b1011_0110] {
            let mut back = 0u64;
            let mut last_end = 0;
            for (from, len) in runs(mask) {
                assert!(len >= 1 && (last_end == 0 || from > last_end), "runs are apart: {mask:#x}");
                let run = u64::MAX >> (64 - len) << from;
                assert_eq!(back & run, 0);
                back |= run;
                last_end = from + len;
                assert!(last_end == 64 || mask & (1 << last_end) == 0, "a run stops at a clear bit: {mask:#x}");
            }
            assert_eq!(back, mask);
        }
        assert_eq!(runs(0b1011_0110).collect::<Vec<_>>(), vec![(1, 2), (4, 2), (7, 1)]);
    }
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn next_matches_a_linear_scan(members in proptest::collection::btree_set(0usize..9000, 0..200),
                                      excl in proptest::collection::btree_set(0usize..9000, 0..200),
                                      from in 0usize..9100) {
            let mut s = IndexSet::new(9000);
            let mut e = IndexSet::new(9000);
            members.iter().for_each(|&i| s.insert(i));
            excl.iter().for_each(|&i| e.insert(i));
            let want = members.iter().copied().find(|&i| i >= from && !excl.contains(&i));
            prop_assert_eq!(s.next(from, Some(&e)), want);
            prop_assert_eq!(s.next(from, None), members.iter().copied().find(|&i| i >= from));
            let end = from + 97;
            prop_assert_eq!(s.next_before(from, end, Some(&e)), want.filter(|&i| i < end));
            prop_assert_eq!(s.len(), members.len());
            let n = from % 300;
            let mut lowest = Vec::new();
            let found = s.lowest_of_union(&e, n, |i| lowest.push(i));
            let union: Vec<usize> = members.union(&excl).take(n).copied().collect();
            prop_assert_eq!(found, union.len());
            prop_assert_eq!(lowest, union);
            let mut t = IndexSet::new(9000);
            let list: Vec<u32> = members.iter().chain(&excl).map(|&i| i as u32).collect();
            t.insert_all(&list);
            prop_assert_eq!(t.len(), members.union(&excl).count());
            prop_assert_eq!(t.next(from, None), members.union(&excl).copied().find(|&i| i >= from));
            t.clear_within(&list);
            prop_assert!(t.is_empty());
            prop_assert_eq!(t.next(0, None), None);
            for &i in &members { s.remove(i); }
            prop_assert!(s.is_empty());
            prop_assert_eq!(s.next(0, None), None);
        }
    }
}
