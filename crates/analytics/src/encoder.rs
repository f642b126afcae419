//! The sentence encoder: the sentence model all-MiniLM-L6-v2 (Apache-2.0; a 6-layer BERT of 384
//! dimensions fine-tuned by the sentence-transformers project to put sentences that mean the
//! same thing near each other), run here on the CPU. Its weights ship inside the binary as int8
//! with a scale per row (`data/encoder/`, 22.9 MB, provenance and licence there; made by
//! `tools/export_sentence_encoder.py`); nothing is downloaded.
//!
//! Theme discovery reads short comments with it when a corpus is too small to teach its own word
//! vectors which words mean the same ("refund" / "money back", "moved three times" / "pushed the
//! delivery back"): see `themes::discover`. It costs about 20 million multiply-adds per word
//! piece, so it reads thousands of passages, not millions.
//!
//! The text is split as BERT's uncased tokenizer splits it (lowercase, accents off, every
//! punctuation mark a token, then word pieces), at most [`MAX_TOKENS`] pieces with [CLS] and
//! [SEP]; the last layer is mean-pooled and made unit length, as the sentence model does.

use std::sync::LazyLock;

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

use crate::prior;

const FILE: &[u8] = include_bytes!("../data/encoder/minilm_l6.bin");
const MAGIC: &[u8; 8] = b"TLSM0001";
/// The embedding's dimensions.
pub const DIMS: usize = 384;
const HEADS: usize = 12;
const HEAD_DIMS: usize = DIMS / HEADS;
const INNER: usize = 1536;
const LAYERS: usize = 6;
/// Pieces read of one text, [CLS] and [SEP] included (the positions the file keeps).
pub const MAX_TOKENS: usize = 128;
const LAYER_NORM_EPS: f32 = 1e-12;
/// Word pieces encoded together: their dense layers are one matrix product.
const CHUNK_TOKENS: usize = 2048;

/// A dense layer: `out × input` weights, row-major, and a bias per output.
struct Dense {
    weights: Vec<f32>,
    bias: Vec<f32>,
    out: usize,
    input: usize,
}

struct Norm {
    gain: Vec<f32>,
    bias: Vec<f32>,
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    inner: Dense,
    output: Dense,
    output_norm: Norm,
}

/// The shipped sentence encoder.
pub struct Encoder {
    /// Word-piece embeddings, int8 rows of the file with their scales.
    piece_scales: Vec<f32>,
    pieces: &'static [u8],
    /// Position embeddings with token type 0 added, `MAX_TOKENS × DIMS`.
    positions: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
    cls: u32,
    sep: u32,
    unknown: u32,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

static ENCODER: LazyLock<Encoder> = LazyLock::new(|| {
    // The file is part of the binary and a test reads it: it cannot be malformed.
    Encoder::read(FILE).unwrap_or_else(|e| panic!("the shipped sentence encoder: {e}"))
});

/// The shipped sentence encoder (read on first use: about 45 MB of floats).
pub fn encoder() -> &'static Encoder {
    &ENCODER
}

/// One tensor of the file: rows, columns, and either floats or int8 rows with their scales.
enum Tensor {
    Floats(usize, usize, Vec<f32>),
    Int8(usize, usize, Vec<f32>, &'static [u8]),
}

struct Reader {
    at: usize,
}

impl Reader {
    fn bytes(&mut self, n: usize) -> Result<&'static [u8], String> {
        let out = FILE
            .get(self.at..self.at + n)
            .ok_or_else(|| format!("ends at byte {} of {} needed", FILE.len(), self.at + n))?;
        self.at += n;
        Ok(out)
    }

    fn u32(&mut self) -> Result<usize, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn floats(&mut self, n: usize) -> Result<Vec<f32>, String> {
        Ok(self
            .bytes(4 * n)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    fn tensor(&mut self) -> Result<Tensor, String> {
        let (rows, cols) = (self.u32()?, self.u32()?);
        match self.bytes(1)?[0] {
            0 => Ok(Tensor::Floats(rows, cols, self.floats(rows * cols)?)),
            1 => {
                let scales = self.floats(rows)?;
                Ok(Tensor::Int8(rows, cols, scales, self.bytes(rows * cols)?))
            }
            kind => Err(format!("tensor kind {kind} at byte {}", self.at - 1)),
        }
    }

    fn floats_of(&mut self, rows: usize, cols: usize) -> Result<Vec<f32>, String> {
        match self.tensor()? {
            Tensor::Floats(r, c, values) if (r, c) == (rows, cols) => Ok(values),
            _ => Err(format!(
                "expected {rows} × {cols} floats before byte {}",
                self.at
            )),
        }
    }

    fn norm(&mut self) -> Result<Norm, String> {
        Ok(Norm {
            gain: self.floats_of(1, DIMS)?,
            bias: self.floats_of(1, DIMS)?,
        })
    }

    fn dense(&mut self, out: usize, input: usize) -> Result<Dense, String> {
        let weights = match self.tensor()? {
            Tensor::Int8(r, c, scales, values) if (r, c) == (out, input) => values
                .chunks_exact(input)
                .zip(&scales)
                .flat_map(|(row, &scale)| row.iter().map(move |&b| f32::from(b as i8) * scale))
                .collect(),
            _ => return Err(format!("expected {out} × {input} int8 weights")),
        };
        Ok(Dense {
            weights,
            bias: self.floats_of(1, out)?,
            out,
            input,
        })
    }
}

impl Encoder {
    fn read(file: &'static [u8]) -> Result<Self, String> {
        if file.get(..8) != Some(&MAGIC[..]) {
            return Err("not a TLSM0001 file".to_owned());
        }
        let mut reader = Reader { at: 8 };
        let count = reader.u32()?;
        if count != 4 + LAYERS * 16 {
            return Err(format!("{count} tensors"));
        }
        let prior = prior::prior();
        let (piece_scales, pieces) = match reader.tensor()? {
            Tensor::Int8(rows, DIMS, scales, values) if rows == prior.len() => (scales, values),
            _ => return Err("the word pieces do not match the vocabulary".to_owned()),
        };
        let positions = reader.floats_of(MAX_TOKENS, DIMS)?;
        let norm = reader.norm()?;
        let mut layers = Vec::with_capacity(LAYERS);
        for _ in 0..LAYERS {
            layers.push(Layer {
                query: reader.dense(DIMS, DIMS)?,
                key: reader.dense(DIMS, DIMS)?,
                value: reader.dense(DIMS, DIMS)?,
                attention_out: reader.dense(DIMS, DIMS)?,
                attention_norm: reader.norm()?,
                inner: reader.dense(INNER, DIMS)?,
                output: reader.dense(DIMS, INNER)?,
                output_norm: reader.norm()?,
            });
        }
        if reader.at != file.len() {
            return Err(format!("{} bytes left over", file.len() - reader.at));
        }
        let id = |token: &str| {
            prior
                .token_id(token)
                .ok_or_else(|| format!("no {token} in the vocabulary"))
        };
        Ok(Self {
            piece_scales,
            pieces,
            positions,
            norm,
            layers,
            cls: id("[CLS]")?,
            sep: id("[SEP]")?,
            unknown: id("[UNK]")?,
        })
    }

    /// The word pieces of a text as BERT's uncased tokenizer gives them, with [CLS] and [SEP].
    pub fn tokens(&self, text: &str) -> Vec<u32> {
        let prior = prior::prior();
        let mut ids = vec![self.cls];
        let mut word = String::new();
        let flush = |word: &mut String, ids: &mut Vec<u32>| {
            if !word.is_empty() {
                if !prior.word_pieces(word, ids) {
                    ids.push(self.unknown);
                }
                word.clear();
            }
        };
        for c in text.chars() {
            if c.is_whitespace() || c.is_control() {
                flush(&mut word, &mut ids);
            } else if is_punctuation(c) {
                flush(&mut word, &mut ids);
                let mut buffer = [0u8; 4];
                let id = prior.token_id(c.encode_utf8(&mut buffer));
                ids.push(id.unwrap_or(self.unknown));
            } else {
                for lower in c.to_lowercase() {
                    word.push(without_accent(lower));
                }
            }
            if ids.len() >= MAX_TOKENS - 1 {
                break;
            }
        }
        flush(&mut word, &mut ids);
        ids.truncate(MAX_TOKENS - 1);
        ids.push(self.sep);
        ids
    }

    /// The unit embedding of each text, in order (in parallel; the same numbers on every run).
    pub fn encode(&self, texts: &[&str]) -> Vec<[f32; DIMS]> {
        let tokens: Vec<Vec<u32>> = texts.par_iter().map(|t| self.tokens(t)).collect();
        self.encode_tokens(&tokens)
    }

    /// The unit embedding of each text given as its [`Self::tokens`], in order.
    pub fn encode_tokens(&self, tokens: &[Vec<u32>]) -> Vec<[f32; DIMS]> {
        // Texts in chunks of about CHUNK_TOKENS pieces, in their order.
        let mut chunks: Vec<std::ops::Range<usize>> = Vec::new();
        let (mut start, mut size) = (0, 0);
        for (i, t) in tokens.iter().enumerate() {
            if size > 0 && size + t.len() > CHUNK_TOKENS {
                chunks.push(start..i);
                (start, size) = (i, 0);
            }
            size += t.len();
        }
        if start < tokens.len() {
            chunks.push(start..tokens.len());
        }
        chunks
            .par_iter()
            .flat_map_iter(|range| self.encode_chunk(&tokens[range.clone()]))
            .collect()
    }

    /// The pooled, unit embeddings of sequences of word pieces.
    fn encode_chunk(&self, sequences: &[Vec<u32>]) -> Vec<[f32; DIMS]> {
        let total: usize = sequences.iter().map(Vec::len).sum();
        let mut x = vec![0.0f32; total * DIMS];
        let mut row = 0;
        for sequence in sequences {
            for (position, &id) in sequence.iter().enumerate() {
                let target = &mut x[row * DIMS..(row + 1) * DIMS];
                let id = id as usize;
                let scale = self.piece_scales[id];
                let piece = &self.pieces[id * DIMS..(id + 1) * DIMS];
                let place = &self.positions[position * DIMS..(position + 1) * DIMS];
                for ((t, &p), &q) in target.iter_mut().zip(piece).zip(place) {
                    *t = f32::from(p as i8) * scale + q;
                }
                row += 1;
            }
        }
        layer_norm(&mut x, &self.norm);
        let mut context = vec![0.0f32; total * DIMS];
        for layer in &self.layers {
            let q = layer.query.apply(&x, total);
            let k = layer.key.apply(&x, total);
            let v = layer.value.apply(&x, total);
            let mut start = 0;
            for sequence in sequences {
                attend(&q, &k, &v, &mut context, start, sequence.len());
                start += sequence.len();
            }
            let mut attended = layer.attention_out.apply(&context, total);
            add(&mut attended, &x);
            layer_norm(&mut attended, &layer.attention_norm);
            x = attended;
            let mut inner = layer.inner.apply(&x, total);
            gelu_in_place(&mut inner);
            let mut out = layer.output.apply(&inner, total);
            add(&mut out, &x);
            layer_norm(&mut out, &layer.output_norm);
            x = out;
        }
        let mut pooled = Vec::with_capacity(sequences.len());
        let mut start = 0;
        for sequence in sequences {
            let mut mean = [0.0f32; DIMS];
            for r in start..start + sequence.len() {
                for (m, v) in mean.iter_mut().zip(&x[r * DIMS..(r + 1) * DIMS]) {
                    *m += v;
                }
            }
            let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                mean.iter_mut().for_each(|v| *v /= norm);
            }
            pooled.push(mean);
            start += sequence.len();
        }
        pooled
    }
}

impl Dense {
    /// `rows × out`: each row of `x` (`rows × input`) through the layer.
    fn apply(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut out: Vec<f32> = Vec::with_capacity(rows * self.out);
        for _ in 0..rows {
            out.extend_from_slice(&self.bias);
        }
        // out = x · weightsᵀ + out, by ndarray's matrix product (matrixmultiply's kernels, with
        // the processor's vector instructions where it has them).
        let x = ArrayView2::from_shape((rows, self.input), x).expect("rows × input");
        let weights =
            ArrayView2::from_shape((self.out, self.input), &self.weights).expect("out × input");
        let mut product =
            ArrayViewMut2::from_shape((rows, self.out), &mut out).expect("rows × out");
        general_mat_mul(1.0, &x, &weights.t(), 1.0, &mut product);
        out
    }
}

/// Multi-head self-attention of one sequence of `len` rows from `start`, written to `context`.
fn attend(q: &[f32], k: &[f32], v: &[f32], context: &mut [f32], start: usize, len: usize) {
    let scale = 1.0 / (HEAD_DIMS as f32).sqrt();
    let mut scores = vec![0.0f32; len];
    for head in 0..HEADS {
        let cols = head * HEAD_DIMS..(head + 1) * HEAD_DIMS;
        for i in start..start + len {
            let qi = &q[i * DIMS..][cols.clone()];
            for (j, score) in (start..start + len).zip(scores.iter_mut()) {
                let kj = &k[j * DIMS..][cols.clone()];
                *score = qi.iter().zip(kj).map(|(a, b)| a * b).sum::<f32>() * scale;
            }
            let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for s in scores.iter_mut() {
                *s = (*s - max).exp();
                sum += *s;
            }
            let target = &mut context[i * DIMS..][cols.clone()];
            target.iter_mut().for_each(|t| *t = 0.0);
            for (j, &s) in (start..start + len).zip(&scores) {
                let vj = &v[j * DIMS..][cols.clone()];
                let w = s / sum;
                for (t, &x) in target.iter_mut().zip(vj) {
                    *t += w * x;
                }
            }
        }
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

fn layer_norm(x: &mut [f32], norm: &Norm) {
    for row in x.chunks_exact_mut(DIMS) {
        let mean = row.iter().sum::<f32>() / DIMS as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / DIMS as f32;
        let inv = 1.0 / (var + LAYER_NORM_EPS).sqrt();
        for ((v, g), b) in row.iter_mut().zip(&norm.gain).zip(&norm.bias) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// BERT's exact GELU, x·Φ(x), with erf to about 1.5e-7 (Abramowitz & Stegun 7.1.26) and the
/// exponential by [`exp_nonpositive`]: no library call in the loop, so the compiler vectorises it
/// (with a call to `exp` per value it took a quarter of the encoder's time).
fn gelu_in_place(values: &mut [f32]) {
    for v in values {
        let x = *v;
        let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
        let t = 1.0 / (1.0 + 0.327_591_1 * z);
        let poly = t
            * (0.254_829_6
                + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152 + t * 1.061_405_4))));
        let erf = (1.0 - poly * exp_nonpositive(-z * z)).copysign(x);
        *v = 0.5 * x * (1.0 + erf);
    }
}

/// e^x for x ≤ 0, to about 2e-7 relative: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor
/// series to r⁶, 2^n from the exponent bits. Below −87 it is 0 to f32's precision.
fn exp_nonpositive(x: f32) -> f32 {
    let x = x.max(-87.0);
    // Truncation is the ceiling here (the argument is negative), and unlike `ceil` it needs no
    // library call.
    let n = (x * std::f32::consts::LOG2_E - 0.5) as i32;
    let r = x - n as f32 * std::f32::consts::LN_2;
    let p = 1.0
        + r * (1.0
            + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r / 720.0)))));
    // n is in [-126, 0]: a normal power of two.
    p * f32::from_bits(((n + 127) as u32) << 23)
}

/// BERT's punctuation: ASCII symbols and Unicode punctuation each stand alone.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || (!c.is_alphanumeric()
            && !c.is_whitespace()
            && matches!(c as u32, 0x2000..=0x206F | 0x3000..=0x303F | 0xA1..=0xBF))
}

/// The letter without its accent, for the Latin letters feedback writes ("café" → "cafe"), as
/// BERT's uncased tokenizer strips accents.
fn without_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' => 's',
        'ž' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32; DIMS], b: &[f32; DIMS]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn the_fast_gelu_is_the_exact_one() {
        for i in -400..=400 {
            let x = i as f32 / 100.0;
            assert!(
                (exp_nonpositive(-x.abs()) - (-x.abs()).exp()).abs() < 1e-6,
                "{x}"
            );
            let exact = 0.5 * f64::from(x) * (1.0 + erf_reference(f64::from(x) / 2f64.sqrt()));
            let mut fast = [x];
            gelu_in_place(&mut fast);
            assert!(
                (f64::from(fast[0]) - exact).abs() < 1e-5,
                "{x}: {} {exact}",
                fast[0]
            );
        }
    }

    /// erf by its Taylor series (slow, exact enough below |x| = 6).
    fn erf_reference(x: f64) -> f64 {
        let (mut term, mut sum) = (x, x);
        for n in 1..200 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn splits_text_as_bert_does() {
        // As the Python reference tokenizer gives it: "my card hasn ' t arrived , why ?"
        assert_eq!(
            encoder().tokens("My card hasn't arrived, why?"),
            vec![
                101, 2026, 4003, 8440, 1005, 1056, 3369, 1010, 2339, 1029, 102
            ]
        );
        let long = "word ".repeat(500);
        assert_eq!(encoder().tokens(&long).len(), MAX_TOKENS);
    }

    #[test]
    fn embeds_as_the_sentence_model_does() {
        // The first dimensions of the float model's embeddings (tools/, numpy): the int8
        // weights keep them within a few thousandths.
        let e = encoder().encode(&[
            "my card has not arrived yet",
            "Still waiting for my refund!",
        ]);
        let expected = [
            [
                -0.04069, 0.01601, -0.0056, 0.01571, -0.01963, -0.0319, 0.00863, -0.00226,
            ],
            [
                -0.06122, -0.05281, 0.03968, 0.03616, 0.06572, -0.03182, 0.01595, -0.00775,
            ],
        ];
        for (got, want) in e.iter().zip(expected) {
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 0.004, "{got:?} against {want:?}");
            }
            assert!((cosine(got, got) - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn sentences_that_mean_the_same_are_near() {
        let e = encoder().encode(&[
            "still waiting for my refund",
            "my money back is nowhere to be seen",
            "the installer was friendly and tidy",
        ]);
        assert!(cosine(&e[0], &e[1]) > cosine(&e[0], &e[2]) + 0.2);
        // The same text gives the same numbers alone and among others.
        let alone = encoder().encode(&["the installer was friendly and tidy"]);
        assert_eq!(alone[0], e[2]);
    }
}
