//! Agreement between a clustering and reference labels, for measuring theme discovery:
//! normalised mutual information (arithmetic normalisation, as scikit-learn's default) and the
//! adjusted Rand index.

use std::collections::HashMap;

/// Labels coded 0, 1, 2, … in order of first appearance, and how many distinct there are.
fn code<T: Eq + std::hash::Hash>(items: &[T]) -> (Vec<usize>, usize) {
    let mut ids: HashMap<&T, usize> = HashMap::new();
    let coded = items
        .iter()
        .map(|x| {
            let next = ids.len();
            *ids.entry(x).or_insert(next)
        })
        .collect();
    (coded, ids.len())
}

fn contingency<A: Eq + std::hash::Hash, B: Eq + std::hash::Hash>(
    a: &[A],
    b: &[B],
) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>) {
    assert_eq!(a.len(), b.len(), "both labelings cover the same items");
    let (ca, na) = code(a);
    let (cb, nb) = code(b);
    let mut table = vec![vec![0.0; nb]; na];
    for (i, j) in ca.iter().zip(&cb) {
        table[*i][*j] += 1.0;
    }
    let rows = table.iter().map(|r| r.iter().sum()).collect();
    let cols = (0..nb).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    (table, rows, cols)
}

/// Normalised mutual information, `MI / mean(H(a), H(b))`, in [0, 1].
pub fn nmi<A: Eq + std::hash::Hash, B: Eq + std::hash::Hash>(a: &[A], b: &[B]) -> f64 {
    let (table, rows, cols) = contingency(a, b);
    let n = a.len() as f64;
    let entropy = |counts: &[f64]| -> f64 {
        counts
            .iter()
            .filter(|c| **c > 0.0)
            .map(|c| -(c / n) * (c / n).ln())
            .sum()
    };
    let mut mi = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &nij) in row.iter().enumerate() {
            if nij > 0.0 {
                mi += (nij / n) * ((n * nij) / (rows[i] * cols[j])).ln();
            }
        }
    }
    let (ha, hb) = (entropy(&rows), entropy(&cols));
    if ha == 0.0 && hb == 0.0 {
        return 1.0;
    }
    (mi / ((ha + hb) / 2.0)).clamp(0.0, 1.0)
}

/// Adjusted Rand index: 1 for identical partitions, about 0 for random ones.
pub fn ari<A: Eq + std::hash::Hash, B: Eq + std::hash::Hash>(a: &[A], b: &[B]) -> f64 {
    let (table, rows, cols) = contingency(a, b);
    let pairs = |x: f64| x * (x - 1.0) / 2.0;
    let index: f64 = table.iter().flatten().map(|&x| pairs(x)).sum();
    let sum_rows: f64 = rows.iter().map(|&x| pairs(x)).sum();
    let sum_cols: f64 = cols.iter().map(|&x| pairs(x)).sum();
    let expected = sum_rows * sum_cols / pairs(a.len() as f64);
    let max = (sum_rows + sum_cols) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_partitions_score_one_whatever_the_names() {
        let a = [0, 0, 1, 1, 2, 2];
        let b = ["x", "x", "y", "y", "z", "z"];
        assert!((nmi(&a, &b) - 1.0).abs() < 1e-12);
        assert!((ari(&a, &b) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn known_values_match_scikit_learn() {
        // sklearn: normalized_mutual_info_score([0,0,1,1],[0,0,1,2]) = 0.8; ARI = 0.5714…
        let a = [0, 0, 1, 1];
        let b = [0, 0, 1, 2];
        assert!((nmi(&a, &b) - 0.8).abs() < 1e-9, "{}", nmi(&a, &b));
        assert!(
            (ari(&a, &b) - 0.571_428_571_4).abs() < 1e-9,
            "{}",
            ari(&a, &b)
        );
    }
}
