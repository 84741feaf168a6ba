//! How a variable-count gather larger than one MPI call is split into rounds.
//!
//! Every rank knows every rank's count, so every rank computes the same plan:
//! in round `k` each rank sends elements `k * quota .. (k + 1) * quota` of its
//! own part (fewer, or none, once its part is used up). With `quota` at most
//! `max_count / size`, no round moves more than `max_count` elements.

use std::ops::Range;

/// The most elements one rank sends in one round.
pub(super) fn quota(max_count: usize, size: usize) -> usize {
    (max_count / size.max(1)).max(1)
}

/// The number of rounds that move every part (0 when every part is empty).
pub(super) fn count(counts: impl Iterator<Item = usize>, quota: usize) -> usize {
    counts.map(|c| c.div_ceil(quota)).max().unwrap_or(0)
}

/// The elements of a part of `len` elements sent in round `round`.
pub(super) fn piece(len: usize, quota: usize, round: usize) -> Range<usize> {
    let start = round.saturating_mul(quota).min(len);
    start..start.saturating_add(quota).min(len)
}
