//! The collectives on one rank (copies that call no MPI), the partition, and
//! the plan of rounds; the collectives over several ranks are checked by
//! `tests/mpi.rs` under `mpirun`.

use std::time::Duration;

use super::*;

#[test]
fn one_rank_is_rank_zero_of_one() {
    let ranks = Ranks::single();
    assert_eq!((ranks.rank(), ranks.size(), ranks.is_root()), (0, 1, true));
    assert_eq!(ranks.exchange_time(), Duration::ZERO);
}

#[test]
fn the_world_without_mpirun_is_one_rank() {
    // With the feature, MPI's singleton mode (no mpirun); without it, one rank.
    let ranks = Ranks::world().expect("the world");
    assert_eq!((ranks.rank(), ranks.size()), (0, 1));
    let again = Ranks::world().expect("the world, a second time");
    assert_eq!((again.rank(), again.size()), (0, 1));
}

#[test]
fn every_collective_on_one_rank_passes_the_selftest() {
    let mut ranks = Ranks::single();
    let report = selftest::check_collectives(&mut ranks);
    assert!(report.mismatches.is_empty(), "{}", report.mismatches.join("\n"));
    assert!(report.checks > 30, "only {} checks", report.checks);
}

#[test]
fn all_gather_on_one_rank_copies_and_reuses_the_buffers() {
    let mut ranks = Ranks::single();
    let mut into = Gathered::new();
    ranks.all_gather(&[3u32, 1, 4, 1, 5], &mut into);
    assert_eq!(into.values(), &[3, 1, 4, 1, 5]);
    assert_eq!((into.parts(), into.part(0)), (1, &[3u32, 1, 4, 1, 5][..]));
    let buffer = into.values().as_ptr();
    ranks.all_gather(&[9u32, 2], &mut into);
    assert_eq!(into.values(), &[9, 2]);
    assert_eq!(into.counts().collect::<Vec<_>>(), [2]);
    assert_eq!(into.values().as_ptr(), buffer, "a smaller gather reallocated");
    ranks.all_gather(&[], &mut into);
    assert_eq!((into.parts(), into.values().len()), (1, 0));
}

#[test]
fn reductions_on_one_rank_keep_the_values() {
    let mut ranks = Ranks::single();
    let mut sums = [1u64, u64::MAX, 0];
    ranks.sum_u64(&mut sums);
    assert_eq!(sums, [1, u64::MAX, 0]);
    ranks.max_u64(&mut sums);
    assert_eq!(sums, [1, u64::MAX, 0]);
    let mut reals = [-0.5, f64::INFINITY, -0.0];
    ranks.max_f64(&mut reals);
    assert_eq!(reals.map(f64::to_bits), [-0.5, f64::INFINITY, -0.0].map(f64::to_bits));
    let mut prefix = [7u64, 8];
    ranks.exclusive_sum_u64(&mut prefix);
    assert_eq!(prefix, [0, 0], "nothing below rank 0");
}

#[test]
fn failure_on_one_rank_is_its_own() {
    let mut ranks = Ranks::single();
    assert_eq!(ranks.agree_on_failure(None), None);
    assert_eq!(ranks.agree_on_failure(Some("bad".into())), Some((0, "bad".to_string())));
    let mut bytes = b"kept".to_vec();
    ranks.broadcast_bytes(&mut bytes);
    assert_eq!(bytes, b"kept");
}

#[test]
fn blocks_cover_every_element_once_in_rank_order() {
    for n in 0..40 {
        for size in 1..9 {
            let blocks: Vec<_> = (0..size).map(|r| block_range(n, r, size)).collect();
            assert_eq!(blocks[0].start, 0);
            assert_eq!(blocks[size - 1].end, n);
            for (r, w) in blocks.windows(2).enumerate() {
                assert_eq!(w[0].end, w[1].start, "n {n}, size {size}, rank {r}");
            }
            for (r, b) in blocks.iter().enumerate() {
                let want = n / size + usize::from(r < n % size);
                assert_eq!(b.len(), want, "n {n}, size {size}, rank {r}");
            }
        }
    }
    assert_eq!(block_range(10, 0, 3), 0..4);
    assert_eq!(block_range(10, 1, 3), 4..7);
    assert_eq!(block_range(10, 2, 3), 7..10);
    assert_eq!(block_range(2, 2, 3), 2..2);
}

#[test]
#[should_panic(expected = "rank 3 out of a group of 3")]
fn a_rank_outside_the_group_has_no_block() {
    block_range(10, 3, 3);
}

#[test]
fn rounds_move_every_element_once_within_the_limit() {
    for max_count in [1, 2, 3, 7, 100] {
        for size in 1..5 {
            let counts: Vec<usize> = (0..size).map(|r| (r * 5 + 3) % 11).collect();
            let quota = rounds::quota(max_count, size);
            let n = rounds::count(counts.iter().copied(), quota);
            for (r, &c) in counts.iter().enumerate() {
                let pieces: Vec<_> = (0..n).map(|k| rounds::piece(c, quota, k)).collect();
                let moved: Vec<usize> = pieces.iter().flat_map(|p| p.clone()).collect();
                assert_eq!(
                    moved,
                    (0..c).collect::<Vec<_>>(),
                    "rank {r}, max {max_count}, size {size}"
                );
            }
            for k in 0..n {
                let total: usize = counts.iter().map(|&c| rounds::piece(c, quota, k).len()).sum();
                assert!(total <= max_count.max(size), "round {k} moves {total}");
            }
        }
    }
    assert_eq!(rounds::count([0, 0].into_iter(), 4), 0);
}

#[test]
fn the_launchers_count_of_ranks_is_read_from_its_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    };
    assert_eq!(launched_ranks(vars(&[])), None);
    assert_eq!(launched_ranks(vars(&[("OMPI_COMM_WORLD_SIZE", "3")])), Some(3));
    assert_eq!(launched_ranks(vars(&[("PMI_SIZE", "4")])), Some(4));
    assert_eq!(
        launched_ranks(vars(&[("OMPI_COMM_WORLD_SIZE", "2"), ("PMI_SIZE", "4")])),
        Some(2)
    );
    assert_eq!(launched_ranks(vars(&[("OMPI_COMM_WORLD_SIZE", "many")])), None);
}

#[test]
fn a_world_other_than_the_launchers_is_an_error() {
    assert_eq!(check_launch(None, 1, false), Ok(()));
    assert_eq!(check_launch(Some(1), 1, false), Ok(()));
    assert_eq!(
        check_launch(Some(3), 1, false),
        Err(DistError::NotBuiltWithMpi { launched: 3 })
    );
    assert_eq!(check_launch(None, 1, true), Ok(()));
    assert_eq!(check_launch(Some(3), 3, true), Ok(()));
    assert_eq!(
        check_launch(Some(3), 1, true),
        Err(DistError::WrongMpi { mpi: 1, launched: 3 })
    );
    let d = Diagnostic::from(DistError::NotBuiltWithMpi { launched: 3 });
    assert_eq!(d.code, "mpi-not-built");
    assert!(d.to_string().contains("--features mpi"), "{d}");
    assert_eq!(
        Diagnostic::from(DistError::WrongMpi { mpi: 1, launched: 3 }).code,
        "mpi-mismatch"
    );
}

#[test]
fn errors_become_diagnostics() {
    let d = Diagnostic::from(DistError::Finalized);
    assert_eq!(d.code, "mpi-finalized");
    assert!(d.to_string().contains("finalized"), "{d}");
}
