//! Spherical k-means: unit vectors grouped around unit centroids by cosine similarity, with
//! greedy k-means++ seeding and several seeded restarts, keeping the tightest result.
//!
//! Points may carry weights — how many comments a point stands for, when a text written word for
//! word by many customers is one point — and count as that many copies of themselves.
//!
//! On large inputs the restarts run on an even spread of [`MAX_RESTART_POINTS`] points and the
//! winner is then refined on all of them; each pass assigns points in parallel (rayon), with
//! results identical to a sequential run.

use crate::linalg::dot;
use crate::rng::SplitMix64;
use crate::themes::embed::normalise;

/// Seeding looks at no more than this many points (a deterministic spread).
const MAX_SEEDING_POINTS: usize = 5_000;
/// Restarts run on at most this many points; the best is then refined on all.
pub const MAX_RESTART_POINTS: usize = 10_000;
/// Points per block when group sums are added up in parallel.
const SUM_BLOCK: usize = 4096;
/// Slack on Hamerly's bounds in [`lloyd`]: a point keeps its group without a check only when its
/// bounds are at least this far apart, far beyond any rounding in them.
const BOUND_MARGIN: f64 = 1e-9;
/// Passes over all points when refining a sample's result.
const REFINING_PASSES: usize = 25;

#[derive(Debug, Clone)]
pub struct Clustering {
    /// `k × dims`, row-major, unit length.
    pub centroids: Vec<f64>,
    pub assignment: Vec<usize>,
    /// Sum of each point's similarity to its centroid (higher is tighter).
    pub cohesion: f64,
}

/// The nearest centroid (highest cosine) and the similarity.
pub fn nearest(point: &[f64], centroids: &[f64], dims: usize) -> (usize, f64) {
    centroids
        .chunks_exact(dims)
        .enumerate()
        .map(|(c, centroid)| (c, dot(point, centroid)))
        .fold(
            (0, f64::NEG_INFINITY),
            |best, x| if x.1 > best.1 { x } else { best },
        )
}

/// Clusters `points` (`n × dims`, unit rows) into `k` groups; the best of `restarts` runs.
pub fn spherical_kmeans(
    points: &[f64],
    dims: usize,
    k: usize,
    restarts: usize,
    seed: u64,
) -> Clustering {
    let weights = vec![1; points.len() / dims];
    weighted_spherical_kmeans(points, &weights, dims, k, restarts, seed)
}

/// [`spherical_kmeans`] of points that each stand for `weights[i]` comments (at least one).
pub fn weighted_spherical_kmeans(
    points: &[f64],
    weights: &[u32],
    dims: usize,
    k: usize,
    restarts: usize,
    seed: u64,
) -> Clustering {
    let n = points.len() / dims;
    assert_eq!(weights.len(), n, "one weight per point");
    let k = k.clamp(1, n.max(1));
    let (sample, sample_weights): (Vec<f64>, Vec<u32>) = if n > MAX_RESTART_POINTS {
        let step = n.div_ceil(MAX_RESTART_POINTS);
        let mut sample = Vec::with_capacity(n.div_ceil(step) * dims);
        for i in (0..n).step_by(step) {
            sample.extend_from_slice(&points[i * dims..(i + 1) * dims]);
        }
        (sample, (0..n).step_by(step).map(|i| weights[i]).collect())
    } else {
        (Vec::new(), Vec::new())
    };
    let (restart_points, restart_weights) = if sample.is_empty() {
        (points, weights)
    } else {
        (&sample[..], &sample_weights[..])
    };
    // The restarts side by side; the tightest wins, the earliest among equals (as in order).
    use rayon::prelude::*;
    let runs: Vec<Clustering> = (0..restarts.max(1))
        .into_par_iter()
        .map(|run| {
            let mut rng = SplitMix64::new(seed.wrapping_add(run as u64 * 0x9E37_79B9));
            lloyd(
                restart_points,
                restart_weights,
                dims,
                k,
                seeds(restart_points, restart_weights, dims, k, &mut rng),
                100,
            )
        })
        .collect();
    let mut best: Option<Clustering> = None;
    for result in runs {
        if best.as_ref().is_none_or(|b| result.cohesion > b.cohesion) {
            best = Some(result);
        }
    }
    let best = best.expect("at least one run");
    if sample.is_empty() {
        best
    } else {
        lloyd(points, weights, dims, k, best.centroids, REFINING_PASSES)
    }
}

/// Greedy k-means++: each new centre is the best of a few candidates drawn with probability
/// proportional to the weighted distance (1 − cosine) from the centres so far.
fn seeds(points: &[f64], weights: &[u32], dims: usize, k: usize, rng: &mut SplitMix64) -> Vec<f64> {
    use rayon::prelude::*;
    let n = points.len() / dims;
    let step = n.div_ceil(MAX_SEEDING_POINTS).max(1);
    let sample: Vec<usize> = (0..n).step_by(step).collect();
    let row = |i: usize| &points[i * dims..(i + 1) * dims];
    let mut centroids = Vec::with_capacity(k * dims);
    // The first centre: a comment drawn at random (a point as often as it was written).
    let total_weight: u64 = sample.iter().map(|&i| u64::from(weights[i])).sum();
    let mut target = rng.below(total_weight as usize) as u64;
    let first = sample
        .iter()
        .position(|&i| {
            let weight = u64::from(weights[i]);
            if target < weight {
                true
            } else {
                target -= weight;
                false
            }
        })
        .unwrap_or(0);
    centroids.extend_from_slice(row(sample[first]));
    let mut distance: Vec<f64> = sample
        .iter()
        .map(|&i| f64::from(weights[i]) * (1.0 - dot(row(i), &centroids[..dims])).max(0.0))
        .collect();
    let trials = 2 + (k as f64).ln() as usize;
    while centroids.len() < k * dims {
        let total: f64 = distance.iter().sum();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let candidate = if total <= 0.0 {
                rng.below(sample.len())
            } else {
                let mut target = rng.unit() * total;
                let mut chosen = sample.len() - 1;
                for (s, d) in distance.iter().enumerate() {
                    target -= d;
                    if target <= 0.0 {
                        chosen = s;
                        break;
                    }
                }
                chosen
            };
            let centre = row(sample[candidate]);
            let updated: Vec<f64> = sample
                .par_iter()
                .zip(&distance)
                .map(|(&i, &d)| d.min(f64::from(weights[i]) * (1.0 - dot(row(i), centre)).max(0.0)))
                .collect();
            let potential: f64 = updated.iter().sum();
            if best.as_ref().is_none_or(|b| potential < b.0) {
                best = Some((potential, candidate, updated));
            }
        }
        let (_, candidate, updated) = best.expect("at least one trial");
        centroids.extend_from_slice(row(sample[candidate]));
        distance = updated;
    }
    centroids
}

/// Lloyd passes until (almost) nothing moves or `passes` are done.
///
/// Hamerly's bounds skip most of the work once groups settle: with the Euclidean distance
/// between unit vectors, `√(2 − 2·cos)`, each point keeps an upper bound on its distance to its
/// own centroid and a lower bound on its distance to every other; when a centroid moves, the
/// bounds widen by how far it moved. A point whose upper bound is below its lower bound cannot
/// change group, and no similarity is computed for it. The groups are those of plain Lloyd
/// passes ([`BOUND_MARGIN`] covers rounding), for a fraction of the similarities.
fn lloyd(
    points: &[f64],
    weights: &[u32],
    dims: usize,
    k: usize,
    mut centroids: Vec<f64>,
    passes: usize,
) -> Clustering {
    use rayon::prelude::*;

    let n = points.len() / dims;
    let total_weight: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let distance = |similarity: f64| (2.0 - 2.0 * similarity).max(0.0).sqrt();
    let mut assignment = vec![usize::MAX; n];
    let mut upper = vec![f64::INFINITY; n];
    let mut lower = vec![0.0f64; n];
    // Each point's similarity to its own centroid, as the last pass's centroids give it.
    let similarities = |assignment: &[usize], centroids: &[f64]| -> Vec<f64> {
        points
            .par_chunks_exact(dims)
            .zip(assignment)
            .map(|(point, &c)| dot(point, &centroids[c * dims..(c + 1) * dims]))
            .collect()
    };
    let mut cohesion = 0.0;
    for iteration in 0..passes {
        let moves: Vec<(usize, f64, f64)> = points
            .par_chunks_exact(dims)
            .zip(&assignment)
            .zip(&upper)
            .zip(&lower)
            .map(|(((point, &own), &up), &low)| {
                if own != usize::MAX {
                    if up + BOUND_MARGIN < low {
                        return (own, up, low);
                    }
                    let up = distance(dot(point, &centroids[own * dims..(own + 1) * dims]));
                    if up + BOUND_MARGIN < low {
                        return (own, up, low);
                    }
                }
                let mut best = (0, f64::NEG_INFINITY);
                let mut second = f64::NEG_INFINITY;
                for (c, centroid) in centroids.chunks_exact(dims).enumerate() {
                    let similarity = dot(point, centroid);
                    if similarity > best.1 {
                        second = best.1;
                        best = (c, similarity);
                    } else if similarity > second {
                        second = similarity;
                    }
                }
                (best.0, distance(best.1), distance(second))
            })
            .collect();
        let mut changed = 0;
        for (i, &(c, up, low)) in moves.iter().enumerate() {
            upper[i] = up;
            lower[i] = low;
            if assignment[i] != c {
                assignment[i] = c;
                changed += u64::from(weights[i]);
            }
        }
        let last = changed * 2000 <= total_weight || iteration + 1 == passes;
        if last {
            cohesion = similarities(&assignment, &centroids)
                .iter()
                .zip(weights)
                .map(|(s, &w)| f64::from(w) * s)
                .sum();
        }
        let (mut sums, sizes) = group_sums(points, weights, &assignment, k, dims);
        if sizes.contains(&0) {
            // An empty group takes the point its centroid fits worst (the first among equals).
            let fits = similarities(&assignment, &centroids);
            let mut worst: (f64, usize) = (f64::INFINITY, 0);
            for (i, &fit) in fits.iter().enumerate() {
                if fit < worst.0 {
                    worst = (fit, i);
                }
            }
            for c in (0..k).filter(|&c| sizes[c] == 0) {
                sums[c * dims..(c + 1) * dims]
                    .copy_from_slice(&points[worst.1 * dims..(worst.1 + 1) * dims]);
                assignment[worst.1] = c;
                // Its bounds no longer hold: the next pass measures it afresh.
                upper[worst.1] = f64::INFINITY;
                lower[worst.1] = 0.0;
            }
        }
        for c in 0..k {
            normalise(&mut sums[c * dims..(c + 1) * dims]);
        }
        if last {
            centroids = sums;
            break;
        }
        // How far each centroid moved; the bounds widen by as much.
        let moved: Vec<f64> = sums
            .chunks_exact(dims)
            .zip(centroids.chunks_exact(dims))
            .map(|(new, old)| {
                new.iter()
                    .zip(old)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        let (mut far, mut farthest) = (0.0f64, (0.0f64, usize::MAX));
        for (c, &m) in moved.iter().enumerate() {
            if m > farthest.0 {
                far = farthest.0;
                farthest = (m, c);
            } else if m > far {
                far = m;
            }
        }
        upper
            .par_iter_mut()
            .zip(lower.par_iter_mut())
            .zip(&assignment)
            .for_each(|((up, low), &own)| {
                *up += moved[own];
                *low -= if own == farthest.1 { far } else { farthest.0 };
            });
        centroids = sums;
    }
    Clustering {
        centroids,
        assignment,
        cohesion,
    }
}

/// Each group's weighted sum of its points and its number of points, in parallel over fixed
/// blocks of points added up in block order: the same bits whatever the number of threads.
pub(crate) fn group_sums(
    points: &[f64],
    weights: &[u32],
    assignment: &[usize],
    k: usize,
    dims: usize,
) -> (Vec<f64>, Vec<usize>) {
    use rayon::prelude::*;
    let partials: Vec<(Vec<f64>, Vec<usize>)> = points
        .par_chunks(SUM_BLOCK * dims)
        .zip(assignment.par_chunks(SUM_BLOCK))
        .zip(weights.par_chunks(SUM_BLOCK))
        .map(|((block, assigned), weights)| {
            let mut sums = vec![0.0; k * dims];
            let mut sizes = vec![0usize; k];
            for ((point, &c), &weight) in block.chunks_exact(dims).zip(assigned).zip(weights) {
                sizes[c] += 1;
                let weight = f64::from(weight);
                for (s, p) in sums[c * dims..(c + 1) * dims].iter_mut().zip(point) {
                    *s += weight * p;
                }
            }
            (sums, sizes)
        })
        .collect();
    let mut sums = vec![0.0; k * dims];
    let mut sizes = vec![0usize; k];
    for (part_sums, part_sizes) in partials {
        for (s, p) in sums.iter_mut().zip(part_sums) {
            *s += p;
        }
        for (s, p) in sizes.iter_mut().zip(part_sizes) {
            *s += p;
        }
    }
    (sums, sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain Lloyd passes, every similarity computed: what the bounds must reproduce.
    fn plain_lloyd(
        points: &[f64],
        dims: usize,
        mut centroids: Vec<f64>,
        passes: usize,
    ) -> Vec<usize> {
        let n = points.len() / dims;
        let k = centroids.len() / dims;
        let mut assignment = vec![usize::MAX; n];
        for _ in 0..passes {
            let mut changed = 0;
            for (i, point) in points.chunks_exact(dims).enumerate() {
                let (c, _) = nearest(point, &centroids, dims);
                if assignment[i] != c {
                    assignment[i] = c;
                    changed += 1;
                }
            }
            let mut sums = vec![0.0; k * dims];
            for (point, &c) in points.chunks_exact(dims).zip(&assignment) {
                for (s, p) in sums[c * dims..(c + 1) * dims].iter_mut().zip(point) {
                    *s += p;
                }
            }
            for c in 0..k {
                normalise(&mut sums[c * dims..(c + 1) * dims]);
            }
            centroids = sums;
            if changed * 2000 <= n {
                break;
            }
        }
        assignment
    }

    fn random_unit_points(n: usize, dims: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        let mut points = Vec::with_capacity(n * dims);
        for _ in 0..n {
            let mut v: Vec<f64> = (0..dims).map(|_| rng.normal()).collect();
            normalise(&mut v);
            points.extend(v);
        }
        points
    }

    #[test]
    fn the_bounds_skip_work_but_not_a_single_move() {
        // Overlapping groups in 8-D, where points move for many passes.
        let dims = 8;
        let points = random_unit_points(3000, dims, 11);
        let weights = vec![1; 3000];
        for (k, seed) in [(5, 1), (12, 2), (30, 3)] {
            let start = seeds(&points, &weights, dims, k, &mut SplitMix64::new(seed));
            let bounded = lloyd(&points, &weights, dims, k, start.clone(), 100);
            assert_eq!(
                bounded.assignment,
                plain_lloyd(&points, dims, start, 100),
                "k = {k}"
            );
        }
    }

    #[test]
    fn a_point_standing_for_many_comments_groups_like_its_copies() {
        // Four bundles; each distinct point written one to five times.
        let mut rng = SplitMix64::new(4);
        let (mut distinct, mut weights, mut expanded) = (Vec::new(), Vec::new(), Vec::new());
        for axis in 0..4 {
            for _ in 0..25 {
                let mut v = [0.0; 4];
                for x in &mut v {
                    *x = 0.1 * rng.normal();
                }
                v[axis] += 1.0;
                normalise(&mut v);
                let times = 1 + rng.below(5);
                distinct.extend_from_slice(&v);
                weights.push(times as u32);
                for _ in 0..times {
                    expanded.extend_from_slice(&v);
                }
            }
        }
        let weighted = weighted_spherical_kmeans(&distinct, &weights, 4, 4, 3, 9);
        let copies = spherical_kmeans(&expanded, 4, 4, 3, 9);
        let mut expanded_groups = Vec::new();
        for (i, &times) in weights.iter().enumerate() {
            expanded_groups.extend(std::iter::repeat_n(weighted.assignment[i], times as usize));
        }
        assert_eq!(
            crate::metrics::nmi(&expanded_groups, &copies.assignment),
            1.0
        );
        let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
        assert!((weighted.cohesion - copies.cohesion).abs() < 1e-6 * total);
    }

    #[test]
    fn well_separated_groups_are_found() {
        // Three tight bundles of unit vectors in 3-D.
        let mut points = Vec::new();
        let mut rng = SplitMix64::new(1);
        for axis in 0..3 {
            for _ in 0..20 {
                let mut v = [
                    0.05 * rng.normal(),
                    0.05 * rng.normal(),
                    0.05 * rng.normal(),
                ];
                v[axis] += 1.0;
                normalise(&mut v);
                points.extend_from_slice(&v);
            }
        }
        let result = spherical_kmeans(&points, 3, 3, 3, 9);
        for group in result.assignment.chunks(20) {
            assert!(
                group.iter().all(|c| *c == group[0]),
                "{:?}",
                result.assignment
            );
        }
        let distinct: std::collections::HashSet<_> = result.assignment.iter().collect();
        assert_eq!(distinct.len(), 3);
        let again = spherical_kmeans(&points, 3, 3, 3, 9);
        assert_eq!(
            again.assignment, result.assignment,
            "deterministic for a seed"
        );
    }
}
